package dev.strata.bench.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WriteOptions;

/**
 * RocksDB through RocksJava, configured as in {@code docs/benchmarks.md}: write buffer, bloom
 * filter and LRU block cache from {@link EngineSettings}, {@code max_background_jobs} = the
 * background thread count, {@code max_open_files} = 1000, a {@link Statistics} object for write
 * amplification and stall time, and otherwise RocksDB's defaults. Thread-safe between open and
 * close; the adapter owns and closes every native handle it makes.
 *
 * <p>Engine options: {@code dynamic-level-bytes=true|false} (RocksDB's default is true).
 */
public final class RocksDbAdapter implements EngineAdapter {
  static final String PROP_LEVEL0_FILES = "rocksdb.num-files-at-level0";
  static final String PROP_STALL_STATS = "rocksdb.cf-write-stall-stats";
  static final String PROP_STATS = "rocksdb.stats";

  // Set once by open, before the runner starts worker threads (Thread.start publishes them),
  // and released by close after the workers are joined.
  private Options options;
  private Statistics statistics;
  private LRUCache cache;
  private BloomFilter filter;
  private WriteOptions writeOptions;
  private RocksDB db;
  private final Map<String, String> configuration = new LinkedHashMap<>();

  @Override
  public String name() {
    return "rocksdb";
  }

  @Override
  public Set<String> optionKeys() {
    return Set.of("dynamic-level-bytes");
  }

  @Override
  public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions)
      throws IOException {
    RocksDB.loadLibrary();
    CompressionType compression = compression(settings.compression());
    boolean dynamicLevelBytes =
        EngineOptions.booleanValue(
            "dynamic-level-bytes", engineOptions.getOrDefault("dynamic-level-bytes", "true"));
    statistics = new Statistics();
    cache = new LRUCache(settings.blockCacheBytes());
    filter = settings.bloomBitsPerKey() > 0 ? new BloomFilter(settings.bloomBitsPerKey(), false)
        : null;
    BlockBasedTableConfig table =
        new BlockBasedTableConfig().setBlockCache(cache).setBlockSize(4096);
    if (filter != null) {
      table.setFilterPolicy(filter);
    }
    options =
        new Options()
            .setCreateIfMissing(true)
            .setWriteBufferSize(settings.memtableBytes())
            .setMaxBackgroundJobs(settings.backgroundThreads())
            .setCompressionType(compression)
            .setMaxOpenFiles(1000)
            .setLevelCompactionDynamicLevelBytes(dynamicLevelBytes)
            .setStatistics(statistics)
            .setTableFormatConfig(table);
    writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
    try {
      db = RocksDB.open(options, dir.toString());
    } catch (RocksDBException ex) {
      close();
      throw new IOException("cannot open RocksDB in " + dir, ex);
    }
    configuration.put("version", RocksDB.rocksdbVersion().toString());
    configuration.put("write_buffer_size", EngineSettings.mibText(settings.memtableBytes()));
    configuration.put("max_write_buffer_number", Integer.toString(options.maxWriteBufferNumber()));
    configuration.put("bloom", settings.bloomBitsPerKey() + " bits/key (full filter)");
    configuration.put("block_cache", "LRU " + EngineSettings.mibText(settings.blockCacheBytes()));
    configuration.put("block_size", "4096");
    configuration.put("compression", compression.toString());
    configuration.put("max_background_jobs", Integer.toString(settings.backgroundThreads()));
    configuration.put("max_open_files", "1000");
    configuration.put("level_compaction_dynamic_level_bytes", Boolean.toString(dynamicLevelBytes));
    configuration.put("wal", "on, sync=false");
  }

  private static CompressionType compression(String name) {
    switch (name) {
      case "none":
        return CompressionType.NO_COMPRESSION;
      case "snappy":
        return CompressionType.SNAPPY_COMPRESSION;
      case "zstd":
        return CompressionType.ZSTD_COMPRESSION;
      default:
        return CompressionType.LZ4_COMPRESSION;
    }
  }

  @Override
  public Map<String, String> configuration() {
    return configuration;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    try {
      db.put(writeOptions, key, value);
    } catch (RocksDBException ex) {
      throw new IllegalStateException("RocksDB put failed", ex);
    }
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return db.get(key);
    } catch (RocksDBException ex) {
      throw new IllegalStateException("RocksDB get failed", ex);
    }
  }

  @Override
  public void delete(byte[] key) {
    try {
      db.delete(writeOptions, key);
    } catch (RocksDBException ex) {
      throw new IllegalStateException("RocksDB delete failed", ex);
    }
  }

  @Override
  public EngineCursor newCursor() {
    RocksIterator it = db.newIterator();
    return EngineCursor.of(it::seekToFirst, it::seek, it::isValid, it::next, it::key, it::value,
        it::close);
  }

  /**
   * User bytes are {@code rocksdb.bytes.written}; log bytes {@code rocksdb.wal.bytes}; table bytes
   * {@code rocksdb.flush.write.bytes} plus {@code rocksdb.compact.write.bytes}.
   */
  @Override
  public Optional<WriteCounters> writeCounters() {
    return Optional.of(
        new WriteCounters(
            statistics.getTickerCount(TickerType.BYTES_WRITTEN),
            statistics.getTickerCount(TickerType.WAL_FILE_BYTES),
            statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES)
                + statistics.getTickerCount(TickerType.COMPACT_WRITE_BYTES)));
  }

  /** {@code rocksdb.num-files-at-level0} of the default column family. */
  @Override
  public OptionalInt level0Files() {
    try {
      return OptionalInt.of(Integer.parseInt(db.getProperty(PROP_LEVEL0_FILES).trim()));
    } catch (RocksDBException | NumberFormatException ex) {
      return OptionalInt.empty();
    }
  }

  /**
   * Time is the ticker {@code rocksdb.stall.micros}, which covers both delayed writes (past the
   * slowdown trigger) and stopped ones. The count is {@code total-stops} plus {@code
   * total-delays} of the map property {@code rocksdb.cf-write-stall-stats}: how often the column
   * family was found in a stop or delay condition, not how many writes waited.
   */
  @Override
  public Optional<WriteStalls> writeStalls() {
    long micros = statistics.getTickerCount(TickerType.STALL_MICROS);
    long count;
    try {
      Map<String, String> m = db.getMapProperty(PROP_STALL_STATS);
      count = Long.parseLong(m.get("total-stops")) + Long.parseLong(m.get("total-delays"));
    } catch (RocksDBException | NumberFormatException ex) {
      count = -1;
    }
    return Optional.of(new WriteStalls(micros, count));
  }

  /** {@code rocksdb.stats}. */
  @Override
  public Optional<String> statsText() {
    try {
      return Optional.ofNullable(db.getProperty(PROP_STATS));
    } catch (RocksDBException ex) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    if (db != null) {
      db.close();
      db = null;
    }
    for (AutoCloseable c : new AutoCloseable[] {writeOptions, options, filter, cache, statistics}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception ex) {
          throw new IllegalStateException("cannot release a RocksDB handle", ex);
        }
      }
    }
  }
}
