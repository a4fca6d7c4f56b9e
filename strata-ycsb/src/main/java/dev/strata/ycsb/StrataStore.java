package dev.strata.ycsb;

import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.MemtableKind;
import dev.strata.Options;
import dev.strata.StrataDB;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Strata through its public API, opened with {@link Options#defaults()} (LZ4, 64 MiB memtable,
 * 64 MiB block cache, 10 bloom bits per key, two background threads of its own) unless {@code
 * strata.options} overrides: {@code memtable-mb}, {@code cache-mb}, {@code bloom-bits}, {@code
 * compression} ({@code lz4}, {@code none}, {@code zstd}), {@code memtable} ({@code sharded},
 * {@code skiplist}), {@code shards}, {@code mmap} ({@code true}, {@code false}: table files read
 * through a memory mapping or through their channel), {@code background-compaction} ({@code
 * true}, {@code false}: compactions run on the database's thread, or none run; for measuring what
 * a phase pays for the compactions it inherits), {@code reuse-logs} ({@code true}, {@code
 * false}: see {@code Options.Builder#reuseLogs}), {@code flush-on-close} ({@code true}, {@code
 * false}: see {@code Options.Builder#flushOnClose}), {@code off-heap} ({@code true}, {@code
 * false}: see {@code Options.Builder#memtableValuesOffHeap}). Writes use {@code WriteOptions.DEFAULT}: logged, not synced.
 * Thread-safe; closing it closes the database.
 */
final class StrataStore implements RecordStore {
  static final Set<String> OPTION_KEYS =
      Set.of("memtable-mb", "cache-mb", "bloom-bits", "compression", "memtable", "shards", "mmap",
          "background-compaction", "reuse-logs", "flush-on-close", "off-heap");

  private final StrataDB db;
  private final Options options;

  private StrataStore(StrataDB db, Options options) {
    this.db = db;
    this.options = options;
  }

  /**
   * Opens (creating if missing) the database in {@code dir}.
   *
   * @throws IllegalArgumentException if an option value is invalid
   * @throws dev.strata.StrataException if the database cannot be opened (locked, unreadable)
   */
  static StrataStore open(Path dir, OptionList settings) {
    Options defaults = Options.defaults();
    Options options =
        defaults.toBuilder()
            .createIfMissing(true)
            .memtableSizeBytes(settings.mibValue("memtable-mb", defaults.memtableSizeBytes()))
            .blockCacheBytes(settings.mibValue("cache-mb", defaults.blockCacheBytes()))
            .bloomBitsPerKey(settings.intValue("bloom-bits", defaults.bloomBitsPerKey()))
            .compression(Compression.valueOf(upper(settings.get("compression",
                defaults.compression().name()))))
            .memtable(MemtableKind.valueOf(upper(settings.get("memtable",
                defaults.memtable().name()))))
            .memtableShards(settings.intValue("shards", defaults.memtableShards()))
            .mmapReads(settings.booleanValue("mmap", defaults.mmapReads()))
            .backgroundCompaction(
                settings.booleanValue("background-compaction", defaults.backgroundCompaction()))
            .reuseLogs(settings.booleanValue("reuse-logs", defaults.reuseLogs()))
            .flushOnClose(settings.booleanValue("flush-on-close", defaults.flushOnClose()))
            .memtableValuesOffHeap(
                settings.booleanValue("off-heap", defaults.memtableValuesOffHeap()))
            .build();
    return new StrataStore(StrataDB.open(dir, options), options);
  }

  private static String upper(String s) {
    return s.toUpperCase(Locale.ROOT);
  }

  @Override
  public byte[] get(byte[] key) {
    return db.get(key);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    db.put(key, value);
  }

  @Override
  public void delete(byte[] key) {
    db.delete(key);
  }

  @Override
  public List<byte[]> scan(byte[] start, int count) {
    List<byte[]> values = new ArrayList<>(Math.min(Math.max(count, 0), 1024));
    try (DBIterator it = db.newIterator()) {
      for (it.seek(start); it.isValid() && values.size() < count; it.next()) {
        values.add(it.value());
      }
    }
    return values;
  }

  @Override
  public String describe() {
    return "Strata: memtable " + options.memtable() + " x" + options.memtableShards() + " "
        + (options.memtableSizeBytes() >> 20) + " MiB, block cache "
        + (options.blockCacheBytes() >> 20) + " MiB, bloom " + options.bloomBitsPerKey()
        + " bits/key, compression " + options.compression()
        + (options.mmapReads() ? ", tables memory-mapped" : "")
        + (options.backgroundCompaction() ? "" : ", no background compaction")
        + (options.reuseLogs() ? ", replayed WAL kept at open" : "")
        + (options.flushOnClose() && !options.reuseLogs() ? ", memtables flushed at close" : "")
        + (options.memtableValuesOffHeap() ? ", memtable values off the heap" : "")
        + ", WAL on, no sync";
  }

  /** The database's property {@code name} ({@link StrataDB#getProperty}); for tests. */
  String property(String name) {
    return db.getProperty(name);
  }

  @Override
  public void close() {
    db.close();
  }
}
