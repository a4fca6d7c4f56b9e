package dev.strata.bench.engine;

import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.GetOp;
import org.lmdbjava.Meta;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;

/**
 * LMDB through lmdbjava, whose jar carries liblmdb for linux x86_64 and aarch64. LMDB keeps one
 * copy-on-write B+tree in a memory-mapped file ({@code data.mdb}, beside {@code lock.mdb}); keys in
 * unsigned byte order (its default {@code memcmp} comparator), at most {@link
 * Env#getMaxKeySize()} (511) bytes each. One {@link Env} with the unnamed {@link Dbi}, opened
 * with:
 *
 * <ul>
 *   <li>{@code MDB_NOTLS}: a read transaction is not tied to its thread, so read transactions are
 *       pooled (below);
 *   <li>{@code MDB_NOSYNC} by default (engine option {@code sync}): a commit writes its pages to
 *       the operating system without an fsync, so a write survives the process being killed but
 *       not a power loss, as the other engines' logs without an fsync per write; {@link #close}
 *       syncs once.
 * </ul>
 *
 * <p><b>One writer.</b> Every put and delete is its own write transaction, and LMDB admits one
 * write transaction at a time (a mutex in {@code lock.mdb}): concurrent writers queue there. That
 * is inherent to LMDB, not a choice of the adapter. Readers never wait for the writer.
 *
 * <p><b>Reads.</b> A get runs in a read transaction taken from a pool of idle ones, renewed for the
 * call and reset after it (reset keeps the transaction's reader slot but drops its snapshot, so
 * an idle one pins no old pages). Measured against a fresh transaction per get (50,000 keys, 2
 * threads, the shared 2-core machine, five rounds after a first): 628k to 773k gets/s pooled
 * against 436k to 564k fresh. A cursor holds one read transaction, so one snapshot, until closed.
 *
 * <p><b>Buffers.</b> Keys and values go in through per-thread direct buffers, which LMDB reads
 * only during the call; what comes out points into the map and is valid only inside its
 * transaction, so it is copied into a new array before the transaction is reset.
 *
 * <p><b>Map size.</b> LMDB reserves its address space when it opens and fails a write that needs
 * more ({@code MDB_MAP_FULL}). The adapter sizes the map from {@link
 * EngineSettings#datasetBytes()} x {@value #MAP_SIZE_FACTOR}, at least 1 GiB, or from the engine
 * option {@code map-size-mb}; the file grows only as pages are used. It does not grow the map
 * while running: {@code mdb_env_set_mapsize} needs every transaction of the process finished. A
 * full map fails the write with a message naming the option.
 *
 * <p>Common settings that do not apply are reported as such by {@link #configuration()}: no
 * memtable, bloom filter, block cache (the operating system's page cache serves the map),
 * compression or background threads.
 *
 * <p><b>JVM flags.</b> lmdbjava's buffer proxy reads {@code java.nio.Buffer.address} and calls
 * {@code sun.nio.ch.DirectBuffer}, so on Java 17 it needs {@link #JVM_OPTIONS}; the runner passes
 * them to the JVM it forks for this engine and the shaded jars declare them in their manifests.
 * {@link #open} fails with a message naming them when they are missing.
 *
 * <p>Thread-safe between open and close; cursors are confined to their thread. The adapter closes
 * every transaction and the environment in {@link #close}.
 */
public final class LmdbAdapter implements EngineAdapter {
  /** What lmdbjava's {@code ByteBufferProxy} needs on Java 9 and later. */
  static final List<String> JVM_OPTIONS = List.of(
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

  static final long MIN_MAP_SIZE = 1L << 30;
  static final int MAP_SIZE_FACTOR = 4;

  /**
   * Reader slots in {@code lock.mdb} (64 bytes each): one per pooled read transaction and per open
   * cursor, so at most the number of threads reading at once. LMDB's default is 126.
   */
  static final int MAX_READERS = 1024;

  // Set once by open, before the runner starts worker threads (Thread.start publishes them),
  // and released by close after the workers are joined.
  private Env<ByteBuffer> env;
  private Dbi<ByteBuffer> dbi;
  private int maxKeySize;
  private final Map<String, String> configuration = new LinkedHashMap<>();

  /** Idle read transactions, each reset. Thread-safe by itself. */
  private final ConcurrentLinkedDeque<Txn<ByteBuffer>> idleReadTxns =
      new ConcurrentLinkedDeque<>();

  /** Every read transaction made since open, idle or not, for close. Thread-safe by itself. */
  private final Set<Txn<ByteBuffer>> readTxns = ConcurrentHashMap.newKeySet();

  /** Each thread's buffers for keys and values going in. */
  private final ThreadLocal<DirectBuffers> buffers = ThreadLocal.withInitial(DirectBuffers::new);

  @Override
  public String name() {
    return "lmdb";
  }

  @Override
  public Set<String> optionKeys() {
    return Set.of("map-size-mb", "sync");
  }

  @Override
  public List<String> jvmOptions() {
    return JVM_OPTIONS;
  }

  @Override
  public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions)
      throws IOException {
    requireJvmOptions();
    long mapSize = mapSize(settings, engineOptions);
    SyncMode sync = SyncMode.parse(engineOptions.getOrDefault("sync", "nosync"));
    Files.createDirectories(dir);
    List<EnvFlags> flags = new ArrayList<>(List.of(EnvFlags.MDB_NOTLS));
    sync.flag().ifPresent(flags::add);
    env = Env.create()
        .setMapSize(mapSize)
        .setMaxReaders(MAX_READERS)
        .setMaxDbs(1)
        .open(dir.toFile(), flags.toArray(new EnvFlags[0]));
    try {
      dbi = env.openDbi((String) null, DbiFlags.MDB_CREATE);
    } catch (RuntimeException ex) {
      env.close();
      throw new IOException("cannot open LMDB in " + dir, ex);
    }
    maxKeySize = env.getMaxKeySize();
    describe(settings, mapSize, sync);
  }

  private void describe(EngineSettings settings, long mapSize, SyncMode sync) {
    Meta.Version v = Meta.version();
    configuration.put(
        "version", "LMDB " + v.major + "." + v.minor + "." + v.patch + " (lmdbjava)");
    configuration.put("structure", "copy-on-write B+tree in one memory-mapped file, memcmp order");
    configuration.put("map_size", EngineSettings.mibText(mapSize)
        + " (fixed at open; the file grows as pages are used)");
    configuration.put("writes", "one write transaction per put or delete; one writer at a time "
        + "(LMDB's writer lock, inherent)");
    configuration.put("reads", "pooled read transactions (MDB_NOTLS), renewed per get");
    configuration.put("sync", sync.description);
    configuration.put("memtable", "n/a (writes go into the B+tree)");
    configuration.put("bloom", "n/a");
    configuration.put("block_cache", "n/a (the OS page cache serves the map; "
        + EngineSettings.mibText(settings.blockCacheBytes()) + " requested)");
    configuration.put("compression", "none (LMDB does not compress; " + settings.compression()
        + " requested)");
    configuration.put("background", "n/a (no background work)");
  }

  /**
   * The map size: {@code map-size-mb} if given, else {@link EngineSettings#datasetBytes()} x
   * {@value #MAP_SIZE_FACTOR} rounded up to a MiB, at least {@link #MIN_MAP_SIZE}.
   *
   * @throws IllegalArgumentException if {@code map-size-mb} is malformed
   */
  static long mapSize(EngineSettings settings, Map<String, String> engineOptions) {
    String given = engineOptions.get("map-size-mb");
    if (given != null) {
      return (long) EngineSettings.intAtLeast("map-size-mb", given.trim(), 1) << 20;
    }
    long wanted = Math.multiplyExact(settings.datasetBytes(), MAP_SIZE_FACTOR);
    long mib = 1L << 20;
    return Math.max(MIN_MAP_SIZE, (wanted + mib - 1) / mib * mib);
  }

  /**
   * Fails with the flags to add if lmdbjava could not reach the JDK internals it needs; without
   * this check its first use fails inside a static initializer with a less helpful error.
   */
  private static void requireJvmOptions() {
    Module jdk = Buffer.class.getModule();
    Module self = LmdbAdapter.class.getModule();
    if (!jdk.isOpen("java.nio", self) || !jdk.isOpen("sun.nio.ch", self)) {
      throw new IllegalStateException(
          "lmdbjava needs the JVM flags " + String.join(" ", JVM_OPTIONS) + " on Java 17: the "
              + "runner passes them to the JVMs it forks and `java -jar strata-bench.jar` reads "
              + "them from the manifest; otherwise add them to the java command");
    }
  }

  @Override
  public Map<String, String> configuration() {
    return configuration;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    DirectBuffers b = buffers.get();
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      dbi.put(txn, b.key(checkKey(key)), b.value(value));
      txn.commit();
    } catch (Env.MapFullException ex) {
      throw mapFull(ex);
    }
  }

  @Override
  public byte[] get(byte[] key) {
    ByteBuffer in = buffers.get().key(checkKey(key));
    Txn<ByteBuffer> txn = acquireReadTxn();
    try {
      ByteBuffer found = dbi.get(txn, in);
      return found == null ? null : copy(found);
    } finally {
      releaseReadTxn(txn);
    }
  }

  @Override
  public void delete(byte[] key) {
    DirectBuffers b = buffers.get();
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      dbi.delete(txn, b.key(checkKey(key)));
      txn.commit();
    } catch (Env.MapFullException ex) {
      throw mapFull(ex);
    }
  }

  private byte[] checkKey(byte[] key) {
    if (key.length == 0 || key.length > maxKeySize) {
      throw new IllegalArgumentException(
          "LMDB keys are 1 to " + maxKeySize + " bytes, got " + key.length);
    }
    return key;
  }

  private IllegalStateException mapFull(Env.MapFullException ex) {
    return new IllegalStateException("LMDB map full at " + configuration.get("map_size")
        + ": give a larger lmdb.map-size-mb in --engine-options", ex);
  }

  /** A renewed read transaction: an idle one if there is one, else a new one. */
  private Txn<ByteBuffer> acquireReadTxn() {
    Txn<ByteBuffer> txn = idleReadTxns.pollFirst();
    if (txn != null) {
      txn.renew();
      return txn;
    }
    txn = env.txnRead();
    readTxns.add(txn);
    return txn;
  }

  /**
   * Resets {@code txn}, ending its snapshot, and makes it idle. Last in, first out, so that few
   * transactions stay warm.
   */
  private void releaseReadTxn(Txn<ByteBuffer> txn) {
    txn.reset();
    idleReadTxns.offerFirst(txn);
  }

  /** The bytes of {@code b}, which points into the map, as a new array; leaves {@code b} as is. */
  private static byte[] copy(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(b.position(), out);
    return out;
  }

  @Override
  public EngineCursor newCursor() {
    Txn<ByteBuffer> txn = acquireReadTxn();
    Cursor<ByteBuffer> cursor;
    try {
      cursor = dbi.openCursor(txn);
    } catch (RuntimeException ex) {
      releaseReadTxn(txn);
      throw ex;
    }
    return new EngineCursor() {
      private boolean valid;

      @Override
      public void seekToFirst() {
        valid = cursor.first();
      }

      @Override
      public void seek(byte[] key) {
        valid = cursor.get(buffers.get().key(checkKey(key)), GetOp.MDB_SET_RANGE);
      }

      @Override
      public boolean isValid() {
        return valid;
      }

      @Override
      public void next() {
        valid = cursor.next();
      }

      @Override
      public byte[] key() {
        return copy(cursor.key());
      }

      @Override
      public byte[] value() {
        return copy(cursor.val());
      }

      @Override
      public void close() {
        cursor.close();
        releaseReadTxn(txn);
      }
    };
  }

  /** Read transactions made since open, idle or in use. */
  int readTransactionsForTesting() {
    return readTxns.size();
  }

  /** {@code mdb_env_stat} and {@code mdb_env_info}. */
  @Override
  public Optional<String> statsText() {
    Stat s = env.stat();
    EnvInfo i = env.info();
    return Optional.of(String.format(
        "entries %,d; B+tree depth %d; pages: %,d branch, %,d leaf, %,d overflow, %d B each%n"
            + "map %s, last page %,d (%s used); last transaction %,d; readers %d of %d",
        s.entries, s.depth, s.branchPages, s.leafPages, s.overflowPages, s.pageSize,
        EngineSettings.mibText(i.mapSize), i.lastPageNumber,
        EngineSettings.mibText((i.lastPageNumber + 1) * s.pageSize), i.lastTransactionId,
        i.numReaders, i.maxReaders));
  }

  /**
   * Requires: no cursor open and no operation running (the runner joins its workers first).
   * Syncs the map once, then closes every read transaction and the environment.
   */
  @Override
  public void close() {
    if (env == null) {
      return;
    }
    try {
      env.sync(true);
    } finally {
      for (Txn<ByteBuffer> txn : readTxns) {
        txn.close();
      }
      readTxns.clear();
      idleReadTxns.clear();
      env.close();
      env = null;
    }
  }

  /** How commits reach the disk: the engine option {@code sync}. */
  enum SyncMode {
    NOSYNC(EnvFlags.MDB_NOSYNC,
        "MDB_NOSYNC: commits reach the OS without an fsync (survive a process kill, not a power "
            + "loss), as the others' logs without an fsync per write; one fsync at close"),
    NOMETASYNC(EnvFlags.MDB_NOMETASYNC,
        "MDB_NOMETASYNC: each commit fsyncs its data pages but not the meta page"),
    FULL(null, "full: each commit fsyncs (LMDB's default)");

    private final EnvFlags flag;
    final String description;

    SyncMode(EnvFlags flag, String description) {
      this.flag = flag;
      this.description = description;
    }

    Optional<EnvFlags> flag() {
      return Optional.ofNullable(flag);
    }

    static SyncMode parse(String v) {
      switch (v.trim()) {
        case "nosync":
          return NOSYNC;
        case "nometasync":
          return NOMETASYNC;
        case "full":
          return FULL;
        default:
          throw new IllegalArgumentException(
              "sync must be one of nosync, nometasync, full, got '" + v + "'");
      }
    }
  }

  /**
   * One thread's direct buffers for a key and a value going into LMDB, grown as needed. Confined to
   * its thread; a buffer is refilled by the next call, so it must not be kept past one.
   */
  private static final class DirectBuffers {
    private ByteBuffer key = ByteBuffer.allocateDirect(64);
    private ByteBuffer value = ByteBuffer.allocateDirect(256);

    ByteBuffer key(byte[] bytes) {
      key = fill(key, bytes);
      return key;
    }

    ByteBuffer value(byte[] bytes) {
      value = fill(value, bytes);
      return value;
    }

    private static ByteBuffer fill(ByteBuffer b, byte[] bytes) {
      ByteBuffer target = b.capacity() >= bytes.length
          ? b
          : ByteBuffer.allocateDirect(Math.max(bytes.length, b.capacity() * 2));
      target.clear();
      target.put(bytes).flip();
      return target;
    }
  }
}
