package dev.strata.ycsb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * RocksDB through RocksJava with ordinary options: LZ4, 64 MiB write buffer, 64 MiB LRU block
 * cache, a bloom filter of 10 bits per key, {@code max_background_jobs} 2, create if missing, and
 * RocksDB's defaults otherwise (4 KiB blocks, WAL on, no sync). {@code rocksdb.options} overrides:
 * {@code memtable-mb}, {@code cache-mb}, {@code bloom-bits}, {@code compression} ({@code lz4},
 * {@code none}, {@code snappy}, {@code zstd}), {@code background-jobs}. Thread-safe; closing it
 * closes the database and every native handle it made.
 */
final class RocksDbStore implements RecordStore {
  static final Set<String> OPTION_KEYS =
      Set.of("memtable-mb", "cache-mb", "bloom-bits", "compression", "background-jobs");

  private final RocksDB db;
  private final String description;
  // Native handles the database uses; released after it closes, in this order.
  private final AutoCloseable[] handles;

  private RocksDbStore(RocksDB db, String description, AutoCloseable... handles) {
    this.db = db;
    this.description = description;
    this.handles = handles;
  }

  /**
   * Opens (creating if missing) the database in {@code dir}.
   *
   * @throws IllegalArgumentException if an option value is invalid
   * @throws IllegalStateException if RocksDB cannot open the database
   */
  static RocksDbStore open(Path dir, OptionList settings) {
    long memtableBytes = settings.mibValue("memtable-mb", 64L << 20);
    long cacheBytes = settings.mibValue("cache-mb", 64L << 20);
    int bloomBits = settings.intValue("bloom-bits", 10);
    int backgroundJobs = settings.intValue("background-jobs", 2);
    CompressionType compression = compression(settings.get("compression", "lz4"));
    try {
      Files.createDirectories(dir);
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot create " + dir, ex);
    }
    RocksDB.loadLibrary();
    LRUCache cache = new LRUCache(cacheBytes);
    BloomFilter filter = new BloomFilter(bloomBits);
    BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache);
    if (bloomBits > 0) {
      table.setFilterPolicy(filter);
    }
    Options options =
        new Options()
            .setCreateIfMissing(true)
            .setCompressionType(compression)
            .setWriteBufferSize(memtableBytes)
            .setMaxBackgroundJobs(backgroundJobs)
            .setTableFormatConfig(table);
    String description = "RocksDB " + RocksDB.rocksdbVersion() + ": write buffer "
        + (memtableBytes >> 20) + " MiB, LRU block cache " + (cacheBytes >> 20) + " MiB, bloom "
        + bloomBits + " bits/key, compression " + compression + ", max_background_jobs "
        + backgroundJobs + ", WAL on, no sync";
    try {
      return new RocksDbStore(RocksDB.open(options, dir.toString()), description, options, filter,
          cache);
    } catch (RocksDBException ex) {
      options.close();
      filter.close();
      cache.close();
      throw new IllegalStateException("cannot open RocksDB in " + dir + ": " + ex.getMessage(), ex);
    }
  }

  private static CompressionType compression(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "lz4" -> CompressionType.LZ4_COMPRESSION;
      case "none" -> CompressionType.NO_COMPRESSION;
      case "snappy" -> CompressionType.SNAPPY_COMPRESSION;
      case "zstd" -> CompressionType.ZSTD_COMPRESSION;
      default -> throw new IllegalArgumentException("unknown compression '" + name
          + "': lz4, none, snappy or zstd");
    };
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return db.get(key);
    } catch (RocksDBException ex) {
      throw failed("get", ex);
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    try {
      db.put(key, value);
    } catch (RocksDBException ex) {
      throw failed("put", ex);
    }
  }

  @Override
  public void delete(byte[] key) {
    try {
      db.delete(key);
    } catch (RocksDBException ex) {
      throw failed("delete", ex);
    }
  }

  @Override
  public List<byte[]> scan(byte[] start, int count) {
    List<byte[]> values = new ArrayList<>(Math.min(Math.max(count, 0), 1024));
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(start); it.isValid() && values.size() < count; it.next()) {
        values.add(it.value());
      }
      // isValid() is false both at the end and on an error; status() tells them apart.
      it.status();
    } catch (RocksDBException ex) {
      throw failed("scan", ex);
    }
    return values;
  }

  private static IllegalStateException failed(String operation, RocksDBException ex) {
    return new IllegalStateException("RocksDB " + operation + " failed: " + ex.getMessage(), ex);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    db.close();
    for (AutoCloseable handle : handles) {
      try {
        handle.close();
      } catch (Exception ex) {
        throw new IllegalStateException("cannot release a RocksDB handle", ex);
      }
    }
  }
}
