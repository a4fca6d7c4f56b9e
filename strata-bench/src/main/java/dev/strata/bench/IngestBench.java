package dev.strata.bench;

import dev.strata.IngestOptions;
import dev.strata.Options;
import dev.strata.SstFileWriter;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.bench.keys.KeyFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.CompressionType;
import org.rocksdb.EnvOptions;
import org.rocksdb.IngestExternalFileOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WriteOptions;

/**
 * Loading N keys through the write path against through external tables and ingestion, for
 * Strata and RocksDB, one engine and mode per JVM; then, after the write-path load, the time of a
 * checkpoint on the same file system (hard links) and onto another (copies). Prints one line of
 * {@code key=value} figures per run. Driven by {@code strata-bench/scripts/ingest-compare.sh}.
 *
 * <p>Write path: keys 0..N-1 in a scrambled order (a bijection, so each once), 16-byte keys and
 * {@code valueBytes}-byte values, batches of 1,000, no sync; then a flush, then waiting until no
 * compaction is pending or running ("settled"). Ingestion: the same keys in ascending order into
 * external tables of about 64 MiB, then one ingestion call that moves them in. Write
 * amplification: bytes the engine wrote (WAL, flushes, compactions; for ingestion the tables)
 * over the user's key and value bytes. Both engines: LZ4, 64 MiB write buffer, 64 MiB block cache,
 * bloom 10 bits, 2 background jobs (Strata's defaults are these).
 */
public final class IngestBench {
  private static final long TABLE_BYTES = 64L << 20;
  private static final long PRIME = 7_919;
  private static final KeyFormat KEYS = new KeyFormat(16);

  private IngestBench() {}

  public static void main(String[] args) throws Exception {
    String engine = args[0];
    String mode = args[1];
    long n = Long.parseLong(args[2]);
    int valueBytes = Integer.parseInt(args[3]);
    Path dir = Path.of(args[4]);
    Path otherFs = args.length > 5 ? Path.of(args[5]) : null;
    if (n % PRIME == 0) {
      throw new IllegalArgumentException("N must not be a multiple of " + PRIME);
    }
    Files.createDirectories(dir);
    String line =
        switch (engine + "/" + mode) {
          case "strata/write" -> strataWrite(dir, n, valueBytes, otherFs);
          case "strata/ingest" -> strataIngest(dir, n, valueBytes);
          case "rocksdb/write" -> rocksWrite(dir, n, valueBytes, otherFs);
          case "rocksdb/ingest" -> rocksIngest(dir, n, valueBytes);
          default -> throw new IllegalArgumentException(engine + "/" + mode);
        };
    System.out.println(
        "engine=" + engine + " mode=" + mode + " keys=" + n + " value_bytes=" + valueBytes + " "
            + line);
  }

  /** {@code i} as 16 zero-padded decimal digits, as the runner's keys. */
  static byte[] key(long i) {
    return KEYS.key(i);
  }

  static byte[] value(long i, int size) {
    byte[] v = new byte[size];
    long x = i * 0x9E3779B97F4A7C15L;
    for (int j = 0; j < size; j++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      // Half random, half repeated: compresses about 2:1, like db_bench's default.
      v[j] = (j & 1) == 0 ? (byte) x : (byte) 'v';
    }
    return v;
  }

  /** The i-th key of the scrambled order: a bijection of 0..n-1. */
  static long scrambled(long i, long n) {
    return Math.floorMod(i * PRIME, n);
  }

  private static long userBytes(long n, int valueBytes) {
    return n * (16L + valueBytes);
  }

  private static String figures(long loadNanos, long settledNanos, long written, long user) {
    return String.format(
        Locale.ROOT,
        "load_s=%.2f settled_s=%.2f written_bytes=%d user_bytes=%d write_amp=%.2f",
        loadNanos / 1e9,
        settledNanos / 1e9,
        written,
        user,
        (double) written / user);
  }

  // ---- Strata ----

  private static String strataWrite(Path dir, long n, int valueBytes, Path otherFs)
      throws Exception {
    long start = System.nanoTime();
    StringBuilder out = new StringBuilder();
    try (StrataDB db = StrataDB.open(dir, Options.defaults())) {
      WriteBatch batch = new WriteBatch();
      for (long i = 0; i < n; i++) {
        long k = scrambled(i, n);
        batch.put(key(k), value(k, valueBytes));
        if (batch.count() == 1000) {
          db.write(batch);
          batch.clear();
        }
      }
      if (batch.count() > 0) {
        db.write(batch);
      }
      db.flush();
      long load = System.nanoTime() - start;
      while (!"false".equals(db.getProperty("strata.compaction-pending"))) {
        Thread.sleep(100);
      }
      long settled = System.nanoTime() - start;
      long written =
          Long.parseLong(db.getProperty("strata.bytes-written-wal"))
              + Long.parseLong(db.getProperty("strata.bytes-written-tables"));
      out.append(figures(load, settled, written, userBytes(n, valueBytes)));
      out.append(" db_bytes=").append(DirectoryTree.sizeBytes(dir));
      out.append(checkpoints(dir, otherFs, db::createCheckpoint));
    }
    return out.toString();
  }

  private static String strataIngest(Path dir, long n, int valueBytes) throws IOException {
    Path staging = dir.resolveSibling(dir.getFileName() + "-staging");
    Files.createDirectories(staging);
    long start = System.nanoTime();
    List<Path> files = new ArrayList<>();
    long written = 0;
    try (StrataDB db = StrataDB.open(dir, Options.defaults());
        SstFileWriter w = new SstFileWriter(Options.defaults())) {
      for (long i = 0; i < n; ) {
        Path f = staging.resolve("part-" + files.size() + ".sst");
        w.open(f);
        for (; i < n && w.fileSize() < TABLE_BYTES; i++) {
          w.put(key(i), value(i, valueBytes));
        }
        written += w.finish().fileSize();
        files.add(f);
      }
      long written1 = System.nanoTime() - start;
      db.ingestExternalFiles(files, IngestOptions.builder().moveFiles(true).build());
      long load = System.nanoTime() - start;
      return figures(load, load, written, userBytes(n, valueBytes))
          + String.format(Locale.ROOT, " write_files_s=%.2f files=%d", written1 / 1e9, files.size())
          + " bottom_files=" + db.getProperty("strata.num-files-at-level6")
          + " db_bytes=" + DirectoryTree.sizeBytes(dir);
    }
  }

  // ---- RocksDB ----

  private static org.rocksdb.Options rocksOptions(Statistics stats) {
    BlockBasedTableConfig table =
        new BlockBasedTableConfig()
            .setBlockCache(new LRUCache(64L << 20))
            .setBlockSize(4096)
            .setFilterPolicy(new BloomFilter(10));
    return new org.rocksdb.Options()
        .setCreateIfMissing(true)
        .setWriteBufferSize(64L << 20)
        .setMaxBackgroundJobs(2)
        .setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setLevelCompactionDynamicLevelBytes(true)
        .setStatistics(stats)
        .setTableFormatConfig(table);
  }

  private static String rocksWrite(Path dir, long n, int valueBytes, Path otherFs)
      throws Exception {
    RocksDB.loadLibrary();
    long start = System.nanoTime();
    try (Statistics stats = new Statistics();
        org.rocksdb.Options options = rocksOptions(stats);
        RocksDB db = RocksDB.open(options, dir.toString());
        WriteOptions wo = new WriteOptions();
        org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch()) {
      for (long i = 0; i < n; i++) {
        long k = scrambled(i, n);
        batch.put(key(k), value(k, valueBytes));
        if (batch.count() == 1000) {
          db.write(wo, batch);
          batch.clear();
        }
      }
      if (batch.count() > 0) {
        db.write(wo, batch);
      }
      try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
        db.flush(fo);
      }
      long load = System.nanoTime() - start;
      while (db.getLongProperty("rocksdb.compaction-pending") != 0
          || db.getLongProperty("rocksdb.num-running-compactions") != 0
          || db.getLongProperty("rocksdb.num-running-flushes") != 0) {
        Thread.sleep(100);
      }
      long settled = System.nanoTime() - start;
      long written =
          stats.getTickerCount(TickerType.WAL_FILE_BYTES)
              + stats.getTickerCount(TickerType.FLUSH_WRITE_BYTES)
              + stats.getTickerCount(TickerType.COMPACT_WRITE_BYTES);
      String cp;
      try (Checkpoint checkpoint = Checkpoint.create(db)) {
        cp =
            checkpoints(
                dir,
                otherFs,
                target -> {
                  try {
                    checkpoint.createCheckpoint(target.toString());
                  } catch (RocksDBException e) {
                    throw new IllegalStateException(e);
                  }
                });
      }
      return figures(load, settled, written, userBytes(n, valueBytes))
          + " db_bytes=" + DirectoryTree.sizeBytes(dir) + cp;
    }
  }

  private static String rocksIngest(Path dir, long n, int valueBytes) throws Exception {
    RocksDB.loadLibrary();
    Path staging = dir.resolveSibling(dir.getFileName() + "-staging");
    Files.createDirectories(staging);
    long start = System.nanoTime();
    List<String> files = new ArrayList<>();
    long written = 0;
    try (Statistics stats = new Statistics();
        org.rocksdb.Options options = rocksOptions(stats);
        EnvOptions env = new EnvOptions();
        RocksDB db = RocksDB.open(options, dir.toString())) {
      for (long i = 0; i < n; ) {
        Path f = staging.resolve("part-" + files.size() + ".sst");
        try (org.rocksdb.SstFileWriter w = new org.rocksdb.SstFileWriter(env, options)) {
          w.open(f.toString());
          for (; i < n && w.fileSize() < TABLE_BYTES; i++) {
            w.put(key(i), value(i, valueBytes));
          }
          w.finish();
        }
        written += Files.size(f);
        files.add(f.toString());
      }
      long written1 = System.nanoTime() - start;
      try (IngestExternalFileOptions io = new IngestExternalFileOptions().setMoveFiles(true)) {
        db.ingestExternalFile(files, io);
      }
      long load = System.nanoTime() - start;
      return figures(load, load, written, userBytes(n, valueBytes))
          + String.format(Locale.ROOT, " write_files_s=%.2f files=%d", written1 / 1e9, files.size())
          + " bottom_files=" + db.getProperty("rocksdb.num-files-at-level6")
          + " db_bytes=" + DirectoryTree.sizeBytes(dir);
    }
  }

  // ---- checkpoints ----

  private interface CheckpointCall {
    void create(Path target) throws Exception;
  }

  /** Checkpoint times onto the same file system and, if given, another. */
  private static String checkpoints(Path dir, Path otherFs, CheckpointCall call) throws Exception {
    StringBuilder out = new StringBuilder();
    Path same = dir.resolveSibling(dir.getFileName() + "-checkpoint");
    long t = System.nanoTime();
    call.create(same);
    out.append(String.format(Locale.ROOT, " checkpoint_same_fs_s=%.3f", (System.nanoTime() - t) / 1e9));
    if (otherFs != null) {
      Path other = otherFs.resolve(dir.getFileName() + "-checkpoint");
      t = System.nanoTime();
      call.create(other);
      out.append(
          String.format(Locale.ROOT, " checkpoint_other_fs_s=%.3f checkpoint_bytes=%d",
              (System.nanoTime() - t) / 1e9, DirectoryTree.sizeBytes(other)));
    }
    return out.toString();
  }
}
