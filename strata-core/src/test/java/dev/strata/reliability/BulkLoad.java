package dev.strata.reliability;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Child process of {@link ResourceExhaustionTest}: {@code BulkLoad dir keys seed [defaults]}.
 * Loads {@code keys} keys of 16 bytes with 100-byte values, in batches of 100 and in an order
 * that scatters them over the key space, into a database whose memory settings suit a small heap
 * (or with {@link Options#defaults()}, given {@code defaults}); closes, reopens and reads back
 * 2,000 keys chosen by the seed. Prints {@code LOADED n} every million keys, {@code HEAP used
 * max} (after a collection, with the database open), {@code SAMPLE n} and {@code DONE}; any
 * failure exits with status 1. The parent starts it with {@code -Xmx256m
 * -XX:+ExitOnOutOfMemoryError}, so an {@link OutOfMemoryError} anywhere, also in a background
 * thread, ends it with status 3.
 */
public final class BulkLoad {
  private BulkLoad() {}

  /** The options of the load: the defaults, with memory bounded for a 256 MiB heap. */
  static Options options() {
    return Options.builder()
        .memtableSizeBytes(16 << 20)
        .maxImmutableMemtables(2)
        .blockCacheBytes(32 << 20)
        .build();
  }

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int keys = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    try {
      long multiplier = multiplier(keys);
      boolean defaults = args.length > 3 && args[3].equals("defaults");
      Options options = defaults ? Options.defaults() : options();
      try (StrataDB db = StrataDB.open(dir, options)) {
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < keys; i++) {
          int k = (int) ((i * multiplier) % keys);
          batch.put(key(k), value(k));
          if (batch.count() == 100 || i == keys - 1) {
            db.write(batch, WriteOptions.DEFAULT);
            batch = new WriteBatch();
          }
          if ((i + 1) % 1_000_000 == 0) {
            System.out.println("LOADED " + (i + 1));
          }
        }
        db.flush();
        // What the open database keeps: memtables, block cache, open tables and their indexes.
        printHeap();
      }
      Random rnd = new Random(seed);
      int sampled = 0;
      try (StrataDB db = StrataDB.open(dir, options)) {
        for (int s = 0; s < 2000; s++) {
          int k = rnd.nextInt(keys);
          byte[] v = db.get(key(k));
          if (!Arrays.equals(v, value(k))) {
            System.out.println("WRONG key " + k + ": "
                + (v == null ? "null" : new String(v, StandardCharsets.UTF_8)));
            System.exit(1);
          }
          sampled++;
        }
      }
      System.out.println("SAMPLE " + sampled);
      System.out.println("DONE");
    } catch (RuntimeException e) {
      e.printStackTrace(System.out);
      System.exit(1);
    }
  }

  /** Prints {@code HEAP used max}, the heap in use after a collection and the heap's maximum. */
  static void printHeap() {
    System.gc();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.out.println("HEAP " + memory.getHeapMemoryUsage().getUsed() + " "
        + memory.getHeapMemoryUsage().getMax());
  }

  /** A multiplier coprime to n: i -> i * m mod n visits every key once, scattered. */
  private static long multiplier(int n) {
    long m = 2_654_435_761L % n;
    while (m < 2 && n > 2 || java.math.BigInteger.valueOf(m).gcd(java.math.BigInteger.valueOf(n))
        .intValue() != 1) {
      m++;
    }
    return n <= 2 ? 1 : m;
  }

  static byte[] key(int k) {
    return String.format("key%013d", k).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] value(int k) {
    byte[] v = new byte[100];
    byte[] tag = Integer.toString(k).getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < v.length; i++) {
      v[i] = i < tag.length ? tag[i] : (byte) ('a' + (k + i) % 26);
    }
    return v;
  }
}
