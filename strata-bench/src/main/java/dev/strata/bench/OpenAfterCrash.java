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
 * How long a fresh JVM takes to open a database whose WAL holds a nearly full memtable, as after a
 * crash: the time of {@code StrataDB.open} or {@code RocksDB.open}, WAL replay and the flush that
 * follows it included.
 *
 * <p>For each engine and run: a child JVM writes {@code --entries} random 16-byte keys with
 * 100-byte random values (64 MiB memtable or write buffer, LZ4, bloom 10, 64 MiB cache, no fsync
 * per write) and halts without closing, leaving everything in the WAL; a second child JVM opens
 * the directory and prints the time. The default of 420,000 entries stays below both engines'
 * memtable size, so that neither flushes during the fill. Prints each time and the median.
 *
 * <pre>
 * java -cp strata-bench/target/strata-bench.jar dev.strata.bench.OpenAfterCrash [--entries N]
 *     [--runs N] [--dir DIR] [--engines strata,rocksdb]
 * </pre>
 */
public final class OpenAfterCrash {
  private OpenAfterCrash() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 5 && args[0].equals("child")) {
      child(args[1], args[2], Path.of(args[3]), Integer.parseInt(args[4]));
      return;
    }
    int entries = 420_000;
    int runs = 3;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "strata-open-after-crash");
    String engines = "strata,rocksdb";
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--entries" -> entries = Integer.parseInt(args[i + 1]);
        case "--runs" -> runs = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        case "--engines" -> engines = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.printf(
        "open after a crash: %,d entries of 16 B keys and 100 B values in the WAL, %d runs%n",
        entries, runs);
    for (String engine : engines.split(",")) {
      List<Double> seconds = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        Path db = dir.resolve(engine);
        DirectoryTree.delete(db);
        Files.createDirectories(db);
        run("fill", engine, db, entries);
        String walBytes = walBytes(db);
        double s = Double.parseDouble(run("open", engine, db, entries).trim());
        seconds.add(s);
        System.out.printf("%-8s run %d: WAL %s, open %.3f s%n", engine, r + 1, walBytes, s);
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
      StrataDB s = StrataDB.open(db, Options.defaults());
      if (fill) {
        SplittableRandom rnd = new SplittableRandom(301);
        for (int i = 0; i < entries; i++) {
          s.put(key(rnd), value(rnd));
        }
        Runtime.getRuntime().halt(0);
      }
      System.out.println((System.nanoTime() - t0) / 1e9);
      s.close();
    } else if (engine.equals("rocksdb")) {
      RocksDB.loadLibrary();
      org.rocksdb.Options o =
          new org.rocksdb.Options()
              .setCreateIfMissing(true)
              .setWriteBufferSize(64L << 20)
              .setCompressionType(CompressionType.LZ4_COMPRESSION)
              .setTableFormatConfig(
                  new BlockBasedTableConfig()
                      .setFilterPolicy(new BloomFilter(10))
                      .setBlockCache(new LRUCache(64L << 20)));
      t0 = System.nanoTime();
      RocksDB r = open(o, db);
      if (fill) {
        SplittableRandom rnd = new SplittableRandom(301);
        for (int i = 0; i < entries; i++) {
          r.put(key(rnd), value(rnd));
        }
        Runtime.getRuntime().halt(0);
      }
      System.out.println((System.nanoTime() - t0) / 1e9);
      r.close();
    } else {
      throw new IllegalArgumentException("unknown engine " + engine);
    }
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
