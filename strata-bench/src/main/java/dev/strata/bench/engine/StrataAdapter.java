package dev.strata.bench.engine;

import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.MemtableKind;
import dev.strata.Options;
import dev.strata.StrataDB;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Strata through its public API. The adapter owns a fixed pool of {@link
 * EngineSettings#backgroundThreads()} threads handed to the database as its background executor,
 * and shuts it down after closing the database. Thread-safe between open and close.
 *
 * <p>Engine options: {@code memtable=sharded|skiplist}, {@code shards=N} (a power of two), {@code
 * background-compaction=true|false}, {@code read-triggered-compaction=true|false}, {@code
 * mmap=true|false}, {@code reuse-logs=true|false}, {@code flush-on-close=true|false}, {@code
 * off-heap=true|false} (memtable values off the heap).
 */
public final class StrataAdapter implements EngineAdapter {
  static final String PROP_USER_BYTES = "strata.bytes-written-user";
  static final String PROP_WAL_BYTES = "strata.bytes-written-wal";
  static final String PROP_TABLE_BYTES = "strata.bytes-written-tables";
  static final String PROP_LEVEL0_FILES = "strata.num-files-at-level0";
  static final String PROP_MAX_LEVEL0_FILES = "strata.max-level0-files";
  static final String PROP_STALL_MICROS = "strata.stall-micros";
  static final String PROP_STALL_COUNT = "strata.stall-count";
  static final String PROP_SLOWDOWN_COUNT = "strata.slowdown-count";
  static final String PROP_STATS = "strata.stats";

  // Set once by open, before the runner starts worker threads (Thread.start publishes them),
  // and released by close after the workers are joined.
  private StrataDB db;
  private ExecutorService background;
  private Options options;
  private int backgroundThreads;

  @Override
  public String name() {
    return "strata";
  }

  @Override
  public Set<String> optionKeys() {
    return Set.of(
        "memtable", "shards", "background-compaction", "read-triggered-compaction", "mmap",
        "reuse-logs", "flush-on-close", "off-heap");
  }

  @Override
  public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions) {
    Options.Builder b =
        Options.builder()
            .createIfMissing(true)
            .memtableSizeBytes(settings.memtableBytes())
            .bloomBitsPerKey(settings.bloomBitsPerKey())
            .blockCacheBytes(settings.blockCacheBytes())
            .compression(compression(settings.compression()));
    for (Map.Entry<String, String> e : engineOptions.entrySet()) {
      String v = e.getValue().trim();
      switch (e.getKey()) {
        case "memtable":
          b.memtable(MemtableKind.valueOf(v.toUpperCase(Locale.ROOT)));
          break;
        case "shards":
          b.memtableShards(Integer.parseInt(v));
          break;
        case "background-compaction":
          b.backgroundCompaction(EngineOptions.booleanValue(e.getKey(), v));
          break;
        case "read-triggered-compaction":
          b.readTriggeredCompaction(EngineOptions.booleanValue(e.getKey(), v));
          break;
        case "mmap":
          b.mmapReads(EngineOptions.booleanValue(e.getKey(), v));
          break;
        case "reuse-logs":
          b.reuseLogs(EngineOptions.booleanValue(e.getKey(), v));
          break;
        case "flush-on-close":
          b.flushOnClose(EngineOptions.booleanValue(e.getKey(), v));
          break;
        case "off-heap":
          b.memtableValuesOffHeap(EngineOptions.booleanValue(e.getKey(), v));
          break;
        default:
          break;
      }
    }
    backgroundThreads = settings.backgroundThreads();
    AtomicInteger threadNumber = new AtomicInteger();
    background =
        Executors.newFixedThreadPool(
            settings.backgroundThreads(),
            r -> {
              Thread t = new Thread(r, "strata-bench-background-" + threadNumber.getAndIncrement());
              t.setDaemon(true);
              return t;
            });
    options = b.backgroundExecutor(background).build();
    try {
      db = StrataDB.open(dir, options);
    } catch (RuntimeException ex) {
      background.shutdownNow();
      throw ex;
    }
  }

  private static Compression compression(String name) {
    switch (name) {
      case "none":
        return Compression.NONE;
      case "zstd":
        return Compression.ZSTD;
      default:
        return Compression.LZ4;
    }
  }

  @Override
  public Map<String, String> configuration() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("memtable", options.memtable() + " x" + options.memtableShards() + " shards, "
        + EngineSettings.mibText(options.memtableSizeBytes())
        + (options.memtableValuesOffHeap() ? ", values off the heap" : ""));
    m.put("bloom-bits", Integer.toString(options.bloomBitsPerKey()));
    m.put("block-cache", EngineSettings.mibText(options.blockCacheBytes()));
    m.put("compression", options.compression().toString());
    m.put("background", "shared executor of " + backgroundThreads + " threads, compaction "
        + (options.backgroundCompaction() ? "on" : "off") + ", read-triggered compaction "
        + (options.readTriggeredCompaction() ? "on" : "off"));
    m.put("wal", "on, WriteOptions.DEFAULT (no fsync per write)");
    return m;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    db.put(key, value);
  }

  @Override
  public byte[] get(byte[] key) {
    return db.get(key);
  }

  @Override
  public void delete(byte[] key) {
    db.delete(key);
  }

  @Override
  public EngineCursor newCursor() {
    DBIterator it = db.newIterator();
    return EngineCursor.of(it::seekToFirst, it::seek, it::isValid, it::next, it::key, it::value,
        it::close);
  }

  /** From the {@code strata.bytes-written-*} properties, or empty while the engine lacks them. */
  @Override
  public Optional<WriteCounters> writeCounters() {
    OptionalLong user = longProperty(PROP_USER_BYTES);
    OptionalLong wal = longProperty(PROP_WAL_BYTES);
    OptionalLong tables = longProperty(PROP_TABLE_BYTES);
    if (user.isEmpty() || wal.isEmpty() || tables.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new WriteCounters(user.getAsLong(), wal.getAsLong(), tables.getAsLong()));
  }

  /** {@code strata.num-files-at-level0}. */
  @Override
  public OptionalInt level0Files() {
    return intProperty(PROP_LEVEL0_FILES);
  }

  /**
   * {@code strata.max-level0-files}: Strata updates it after installing each flush, the only step
   * that adds level-0 files, so it misses only files already there at open, which the runner's
   * samples of {@link #level0Files()} see.
   */
  @Override
  public OptionalInt maxLevel0FilesSinceOpen() {
    return intProperty(PROP_MAX_LEVEL0_FILES);
  }

  /**
   * {@code strata.stall-micros}: the time write groups waited, stopped (level-0 stop trigger, or
   * every immutable memtable waiting for flush) or delayed past the slowdown trigger; {@code
   * strata.stall-count} plus {@code strata.slowdown-count}: the stops and the delays.
   */
  @Override
  public Optional<WriteStalls> writeStalls() {
    OptionalLong micros = longProperty(PROP_STALL_MICROS);
    OptionalLong stops = longProperty(PROP_STALL_COUNT);
    OptionalLong slowdowns = longProperty(PROP_SLOWDOWN_COUNT);
    if (micros.isEmpty()) {
      return Optional.empty();
    }
    long count =
        stops.isPresent() && slowdowns.isPresent()
            ? stops.getAsLong() + slowdowns.getAsLong()
            : -1;
    return Optional.of(new WriteStalls(micros.getAsLong(), count));
  }

  /** {@code strata.stats}. */
  @Override
  public Optional<String> statsText() {
    return Optional.ofNullable(db.getProperty(PROP_STATS));
  }

  /** A numeric property, or empty while the engine lacks it. */
  private OptionalLong longProperty(String name) {
    String v = db.getProperty(name);
    if (v == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(v.trim()));
    } catch (NumberFormatException ex) {
      return OptionalLong.empty();
    }
  }

  private OptionalInt intProperty(String name) {
    OptionalLong v = longProperty(name);
    return v.isPresent() ? OptionalInt.of(Math.toIntExact(v.getAsLong())) : OptionalInt.empty();
  }

  @Override
  public void close() {
    try {
      if (db != null) {
        db.close();
      }
    } finally {
      if (background != null) {
        background.shutdown();
        try {
          if (!background.awaitTermination(30, TimeUnit.SECONDS)) {
            background.shutdownNow();
          }
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          background.shutdownNow();
        }
      }
    }
  }
}
