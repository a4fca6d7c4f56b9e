package dev.strata.bench;

import dev.strata.Options;
import dev.strata.StrataDB;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * How long a fresh JVM takes to open a database whose WAL holds a full memtable, as after a crash:
 * the time of {@code StrataDB.open} or {@code RocksDB.open}, WAL replay and the flush that follows
 * it included.
 *
 * <p>For each engine and run: a child JVM writes random 16-byte keys with 100-byte random values
 * (64 MiB memtable or write buffer, LZ4, bloom 10, 64 MiB cache, no fsync per write) until the
 * engine's own active memtable reports {@value #FULL_PERCENT}% of its 64 MiB, checks that nothing
 * was flushed (no immutable memtable, no level-0 table: the whole fill is in one WAL), and halts
 * without closing; a second child JVM opens the directory and prints the time. The engines hold
 * different numbers of entries in a full memtable, so each run prints how many it wrote and the
 * WAL's size. {@code --entries N} writes N entries instead, whatever the memtables make of them.
 * Prints each run and the median.
 *
 * <pre>
 * java -cp strata-bench/target/strata-bench.jar dev.strata.bench.OpenAfterCrash [--entries N]
 *     [--runs N] [--dir DIR] [--engines strata,rocksdb]
 * </pre>
 */
public final class OpenAfterCrash {
  private OpenAfterCrash() {}

  /** A fill stops when the active memtable reports this share of its size, in percent. */
  static final int FULL_PERCENT = 95;

  /** The memtable or write buffer size of both engines. */
  static final long MEMTABLE_BYTES = 64L << 20;

  /** How many puts the fill makes between two reads of the memtable's size. */
  private static final int CHECK_EVERY = 64;

  /** {@code --entries} meaning "until the memtable is full". */
  private static final int FULL = -1;

  public static void main(String[] args) throws Exception {
    if (args.length == 5 && args[0].equals("child")) {
      child(args[1], args[2], Path.of(args[3]), Integer.parseInt(args[4]));
      return;
    }
    int entries = FULL;
    int runs = 3;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "strata-open-after-crash");
    String engines = "strata,rocksdb";
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--entries" -> entries = positive("--entries", args[i + 1]);
        case "--runs" -> runs = positive("--runs", args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        case "--engines" -> engines = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.printf(
        "open after a crash: %s of 16 B keys and 100 B values in the WAL, %d runs%n",
        entries == FULL
            ? "a full memtable (" + FULL_PERCENT + "% of 64 MiB, no flush)"
            : String.format("%,d entries", entries),
        runs);
    for (String engine : engines.split(",")) {
      List<Double> seconds = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        Path db = dir.resolve(engine);
        DirectoryTree.delete(db);
        Files.createDirectories(db);
        long written = Long.parseLong(run("fill", engine, db, entries).trim());
        String walBytes = walBytes(db);
        double s = Double.parseDouble(run("open", engine, db, entries).trim());
        seconds.add(s);
        System.out.printf(
            "%-8s run %d: %,d entries, WAL %s, open %.3f s%n", engine, r + 1, written, walBytes, s);
      }
      seconds.sort(Comparator.naturalOrder());
      System.out.printf("%-8s median open %.3f s%n", engine, seconds.get(seconds.size() / 2));
      DirectoryTree.delete(dir.resolve(engine));
    }
  }

  private static String run(String mode, String engine, Path db, int entries)
      throws IOException, InterruptedException {
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            OpenAfterCrash.class.getName(),
            "child",
            mode,
            engine,
            db.toString(),
            Integer.toString(entries));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    if (rc != 0) {
      throw new IllegalStateException(mode + " of " + engine + " exited with " + rc);
    }
    return out;
  }

  private static int positive(String option, String value) {
    int n = Integer.parseInt(value);
    if (n < 1) {
      throw new IllegalArgumentException(option + " must be at least 1, not " + value);
    }
    return n;
  }

  private static String walBytes(Path db) throws IOException {
    try (Stream<Path> files = Files.list(db)) {
      long bytes =
          files
              .filter(f -> f.getFileName().toString().endsWith(".log"))
              .mapToLong(f -> f.toFile().length())
              .sum();
      return String.format("%.1f MiB", bytes / 1048576.0);
    }
  }

  private static void child(String mode, String engine, Path db, int entries) throws Exception {
    boolean fill = mode.equals("fill");
    long t0 = System.nanoTime();
    if (engine.equals("strata")) {
      StrataDB s = StrataDB.open(db, Options.builder().memtableSizeBytes(MEMTABLE_BYTES).build());
      if (fill) {
        halt(fillStrata(s, MEMTABLE_BYTES, entries, new SplittableRandom(301)));
      }
      System.out.println((System.nanoTime() - t0) / 1e9);
      s.close();
    } else if (engine.equals("rocksdb")) {
      RocksDB.loadLibrary();
      org.rocksdb.Options o =
          new org.rocksdb.Options()
              .setCreateIfMissing(true)
              .setWriteBufferSize(MEMTABLE_BYTES)
              .setCompressionType(CompressionType.LZ4_COMPRESSION)
              .setTableFormatConfig(
                  new BlockBasedTableConfig()
                      .setFilterPolicy(new BloomFilter(10))
                      .setBlockCache(new LRUCache(64L << 20)));
      t0 = System.nanoTime();
      RocksDB r = open(o, db);
      if (fill) {
        halt(fillRocksDb(r, entries, new SplittableRandom(301)));
      }
      System.out.println((System.nanoTime() - t0) / 1e9);
      r.close();
    } else {
      throw new IllegalArgumentException("unknown engine " + engine);
    }
  }

  /** Prints the entries written and ends the JVM at once, as a crash would: nothing is closed. */
  private static void halt(long written) {
    System.out.println(written);
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  /**
   * Writes {@code entries} entries, or with {@link #FULL} until the active memtable reports
   * {@link #FULL_PERCENT}% of {@code memtableBytes} (the size it was opened with); returns how
   * many.
   *
   * @throws IllegalStateException if a memtable was switched or a level-0 table written: the WAL
   *     no longer holds the whole fill
   */
  static long fillStrata(StrataDB s, long memtableBytes, int entries, SplittableRandom rnd) {
    return fill(
        "strata",
        memtableBytes,
        entries,
        rnd,
        s::put,
        () -> Long.parseLong(s.getProperty("strata.cur-size-active-mem-table")),
        () -> Long.parseLong(s.getProperty("strata.num-immutable-memtables")),
        () -> Long.parseLong(s.getProperty("strata.num-files-at-level0")));
  }

  /** As {@link #fillStrata}, for RocksDB and its own properties. */
  private static long fillRocksDb(RocksDB r, int entries, SplittableRandom rnd)
      throws RocksDBException {
    return fill(
        "rocksdb",
        MEMTABLE_BYTES,
        entries,
        rnd,
        r::put,
        () -> r.getLongProperty("rocksdb.cur-size-active-mem-table"),
        () -> r.getLongProperty("rocksdb.num-immutable-mem-table"),
        () -> Long.parseLong(r.getProperty("rocksdb.num-files-at-level0").trim()));
  }

  /** An engine's write. */
  @FunctionalInterface
  private interface Put<E extends Exception> {
    void put(byte[] key, byte[] value) throws E;
  }

  /** One of an engine's figures (a property). */
  @FunctionalInterface
  private interface Figure<E extends Exception> {
    long read() throws E;
  }

  /** The fill of {@link #fillStrata} and {@link #fillRocksDb}, over an engine's own calls. */
  private static <E extends Exception> long fill(
      String engine,
      long memtableBytes,
      int entries,
      SplittableRandom rnd,
      Put<E> put,
      Figure<E> activeBytes,
      Figure<E> immutableMemtables,
      Figure<E> level0Files)
      throws E {
    long limit = memtableBytes * FULL_PERCENT / 100;
    long n = 0;
    while (entries == FULL
        ? n % CHECK_EVERY != 0 || activeBytes.read() < limit
        : n < entries) {
      put.put(key(rnd), value(rnd));
      n++;
    }
    if (entries == FULL) {
      long immutable = immutableMemtables.read();
      long level0 = level0Files.read();
      if (immutable != 0 || level0 != 0) {
        throw new IllegalStateException(
            engine + "'s fill switched its memtable (" + immutable + " immutable, " + level0
                + " level-0 tables): the WAL does not hold the whole fill");
      }
    }
    return n;
  }

  private static RocksDB open(org.rocksdb.Options o, Path db) throws RocksDBException {
    return RocksDB.open(o, db.toString());
  }

  private static byte[] key(SplittableRandom rnd) {
    return String.format("%016d", rnd.nextLong(10_000_000_000L)).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] value(SplittableRandom rnd) {
    byte[] v = new byte[100];
    rnd.nextBytes(v);
    return v;
  }
}
