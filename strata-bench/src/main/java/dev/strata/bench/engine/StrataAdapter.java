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
 * background-compaction=true|false}.
 */
public final class StrataAdapter implements EngineAdapter {
  static final String PROP_USER_BYTES = "strata.bytes-written-user";
  static final String PROP_WAL_BYTES = "strata.bytes-written-wal";
  static final String PROP_TABLE_BYTES = "strata.bytes-written-tables";

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
    return Set.of("memtable", "shards", "background-compaction");
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
          b.backgroundCompaction(Boolean.parseBoolean(v));
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
        + EngineSettings.mibText(options.memtableSizeBytes()));
    m.put("bloom-bits", Integer.toString(options.bloomBitsPerKey()));
    m.put("block-cache", EngineSettings.mibText(options.blockCacheBytes()));
    m.put("compression", options.compression().toString());
    m.put("background", "shared executor of " + backgroundThreads + " threads, compaction "
        + (options.backgroundCompaction() ? "on" : "off"));
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
    return new EngineCursor() {
      @Override
      public void seekToFirst() {
        it.seekToFirst();
      }

      @Override
      public void seek(byte[] key) {
        it.seek(key);
      }

      @Override
      public boolean isValid() {
        return it.isValid();
      }

      @Override
      public void next() {
        it.next();
      }

      @Override
      public byte[] key() {
        return it.key();
      }

      @Override
      public byte[] value() {
        return it.value();
      }

      @Override
      public void close() {
        it.close();
      }
    };
  }

  /** From the {@code strata.bytes-written-*} properties, or empty while the engine lacks them. */
  @Override
  public Optional<WriteCounters> writeCounters() {
    String user = db.getProperty(PROP_USER_BYTES);
    String wal = db.getProperty(PROP_WAL_BYTES);
    String tables = db.getProperty(PROP_TABLE_BYTES);
    if (user == null || wal == null || tables == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new WriteCounters(
              Long.parseLong(user.trim()), Long.parseLong(wal.trim()),
              Long.parseLong(tables.trim())));
    } catch (NumberFormatException ex) {
      return Optional.empty();
    }
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
