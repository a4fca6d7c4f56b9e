package dev.strata.bench.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.h2.engine.Constants;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ByteArrayDataType;

/**
 * H2's MVStore, pure Java: one {@link MVMap} of byte arrays in one file ({@value #FILE_NAME}), keys
 * in unsigned byte order through {@link UnsignedBytesType} (H2's {@link ByteArrayDataType} cannot
 * compare, so it serves the values only). MVStore is a log-structured B-tree: a commit appends the
 * pages changed since the last one as a new chunk at a free place in the file, and a background
 * thread rewrites chunks that have become sparse.
 *
 * <p><b>Durability.</b> MVStore has no log. Changes live in memory until a commit writes a chunk:
 * its background writer commits every {@code autocommit-delay-ms} (engine option; MVStore's default
 * of 1,000 ms), and a write commits sooner once the unsaved changes pass MVStore's threshold (about
 * 19 MiB by default). A commit reaches the operating system but is not fsynced (MVStore fsyncs only
 * when it closes and when it moves chunks). So, unlike the other engines, a process killed between
 * commits loses up to the last delay's writes; what was committed survives. {@link #close} commits,
 * fsyncs and closes.
 *
 * <p><b>Settings.</b> The page cache is the common {@code cache-mb}. Compression: {@code lz4} and
 * {@code snappy} map to MVStore's {@code compress()} (LZF, its fast codec), {@code zstd} to {@code
 * compressHigh()} (Deflate), {@code none} to none. Memtable, bloom filter and background threads
 * do not apply.
 *
 * <p><b>Concurrency.</b> {@link MVMap} is safe for concurrent use: a read works on an immutable
 * root page it takes with a volatile read; a write copies the path it changes and installs the new
 * root with a compare-and-set, falling back to a lock on the root after failed attempts, so writers
 * serialize on the map's root while readers never wait. A cursor iterates the root it was made
 * from, a consistent snapshot. The map stores the arrays it is given and hands out the arrays it
 * stores, so the adapter copies keys and values in and values out, as the other engines do.
 *
 * <p>Thread-safe between open and close; cursors are confined to their thread. {@link #close}
 * closes the store.
 */
public final class MvStoreAdapter implements EngineAdapter {
  static final String FILE_NAME = "store.mv.db";
  static final String MAP_NAME = "kv";
  static final int DEFAULT_AUTOCOMMIT_DELAY_MS = 1000;

  // Set once by open, before the runner starts worker threads (Thread.start publishes them),
  // and released by close after the workers are joined.
  private MVStore store;
  private MVMap<byte[], byte[]> map;
  private final Map<String, String> configuration = new LinkedHashMap<>();

  @Override
  public String name() {
    return "h2-mvstore";
  }

  @Override
  public Set<String> optionKeys() {
    return Set.of("autocommit-delay-ms");
  }

  @Override
  public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions)
      throws IOException {
    int delay = EngineSettings.intAtLeast("autocommit-delay-ms",
        engineOptions.getOrDefault("autocommit-delay-ms",
            Integer.toString(DEFAULT_AUTOCOMMIT_DELAY_MS)).trim(), 1);
    int cacheMib = (int) Math.max(1, settings.blockCacheBytes() >> 20);
    Files.createDirectories(dir);
    MVStore.Builder b =
        new MVStore.Builder().fileName(dir.resolve(FILE_NAME).toString()).cacheSize(cacheMib);
    String compression = compression(b, settings.compression());
    store = b.open();
    try {
      store.setAutoCommitDelay(delay);
      map = store.openMap(MAP_NAME, new MVMap.Builder<byte[], byte[]>()
          .keyType(UnsignedBytesType.INSTANCE)
          .valueType(ByteArrayDataType.INSTANCE));
    } catch (RuntimeException ex) {
      store.closeImmediately();
      throw new IOException("cannot open MVStore in " + dir, ex);
    }
    configuration.put("version", "H2 MVStore " + Constants.VERSION);
    configuration.put("structure", "log-structured B-tree (copy-on-write pages appended in "
        + "chunks), unsigned byte order");
    configuration.put("cache", cacheMib + " MiB page cache");
    configuration.put("compression", compression);
    configuration.put("autocommit", "background commit every " + delay + " ms or past "
        + EngineSettings.mibText(store.getAutoCommitMemory()) + " unsaved; no log, no fsync "
        + "per commit; a process kill loses the uncommitted writes");
    configuration.put("page_split_size", store.getMaxPageSize() + " B");
    configuration.put("memtable", "n/a (no memtable: changed pages stay in memory until a "
        + "commit)");
    configuration.put("bloom", "n/a");
    configuration.put("background", "MVStore's writer thread (commits, chunk rewriting)");
  }

  /** Applies {@code requested} to {@code b} and says what MVStore will use. */
  private static String compression(MVStore.Builder b, String requested) {
    switch (requested) {
      case "none":
        return "none";
      case "zstd":
        b.compressHigh();
        return "Deflate, compressHigh() (MVStore has no zstd)";
      default:
        b.compress();
        return "LZF, compress() (MVStore's fast codec; " + requested + " requested)";
    }
  }

  @Override
  public Map<String, String> configuration() {
    return configuration;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    map.put(key.clone(), value.clone());
  }

  @Override
  public byte[] get(byte[] key) {
    byte[] v = map.get(key);
    return v == null ? null : v.clone();
  }

  @Override
  public void delete(byte[] key) {
    map.remove(key);
  }

  @Override
  public EngineCursor newCursor() {
    return new EngineCursor() {
      private Cursor<byte[], byte[]> cursor;
      private byte[] key;
      private byte[] value;

      @Override
      public void seekToFirst() {
        position(null);
      }

      @Override
      public void seek(byte[] target) {
        position(target);
      }

      private void position(byte[] from) {
        cursor = map.cursor(from);
        next();
      }

      @Override
      public boolean isValid() {
        return key != null;
      }

      @Override
      public void next() {
        if (cursor != null && cursor.hasNext()) {
          key = cursor.next();
          value = cursor.getValue();
        } else {
          key = null;
          value = null;
        }
      }

      @Override
      public byte[] key() {
        return key.clone();
      }

      @Override
      public byte[] value() {
        return value.clone();
      }

      @Override
      public void close() {
        cursor = null;
        key = null;
        value = null;
      }
    };
  }

  /** MVStore's own view: file, chunks' fill rate, cache use, versions. */
  @Override
  public Optional<String> statsText() {
    return Optional.of(String.format(
        "entries %,d; file %s; chunk fill rate %d%%; cache %s of %d MiB used; version %,d; "
            + "unsaved %s",
        map.sizeAsLong(), EngineSettings.mibText(store.getFileStore().size()),
        store.getFillRate(), EngineSettings.mibText((long) store.getCacheSizeUsed() << 20),
        store.getCacheSize(), store.getCurrentVersion(),
        EngineSettings.mibText(store.getUnsavedMemory())));
  }

  /** Commits what is unsaved, fsyncs and closes the store. */
  @Override
  public void close() {
    if (store != null) {
      store.close();
      store = null;
    }
  }

  /**
   * Byte-array keys in unsigned lexicographic order ({@link Arrays#compareUnsigned}), written as a
   * varint length and the bytes, as {@link ByteArrayDataType} writes values. Stateless and
   * thread-safe.
   */
  static final class UnsignedBytesType extends BasicDataType<byte[]> {
    static final UnsignedBytesType INSTANCE = new UnsignedBytesType();

    /** An array's header and length field, as MVStore counts a Java object. */
    private static final int ARRAY_OVERHEAD = 24;

    private UnsignedBytesType() {}

    @Override
    public int compare(byte[] a, byte[] b) {
      return Arrays.compareUnsigned(a, b);
    }

    @Override
    public int getMemory(byte[] key) {
      return ARRAY_OVERHEAD + key.length;
    }

    @Override
    public void write(WriteBuffer buff, byte[] key) {
      buff.putVarInt(key.length).put(key);
    }

    @Override
    public byte[] read(ByteBuffer buff) {
      byte[] key = new byte[DataUtils.readVarInt(buff)];
      buff.get(key);
      return key;
    }

    @Override
    public byte[][] createStorage(int size) {
      return new byte[size][];
    }
  }
}
