package dev.strata.reliability;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Child process of {@link ResourceExhaustionTest}: {@code DefaultDatabases dir count keys seed}.
 * Opens {@code count} databases with {@link Options#defaults()} (nothing sized for the heap, no
 * shared cache or budget named), all open at once, and writes {@code keys} keys of 1 KiB values
 * into each, ten keys to one database and then ten to the next, so that every memtable grows
 * together; then reads every key of every database back twice in a seeded order (the second pass
 * from the block caches), and closes them all. Prints {@code WRITTEN n}, {@code HEAP used max}
 * (after a collection, every database open), {@code READ n} and {@code DONE}; a wrong or missing
 * value exits with status 1. The parent starts it with a small {@code -Xmx} and {@code
 * -XX:+ExitOnOutOfMemoryError}, so an {@link OutOfMemoryError} anywhere, also in a background
 * thread, ends it with status 3.
 */
public final class DefaultDatabases {
  private static final int VALUE_BYTES = 1024;

  private static final int RUN = 10;

  private DefaultDatabases() {}

  public static void main(String[] args) {
    Path root = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    int keys = Integer.parseInt(args[2]);
    long seed = Long.parseLong(args[3]);
    List<StrataDB> dbs = new ArrayList<>();
    try {
      for (int d = 0; d < count; d++) {
        dbs.add(StrataDB.open(root.resolve("db" + d), Options.defaults()));
      }
      for (int from = 0; from < keys; from += RUN) {
        for (int d = 0; d < count; d++) {
          WriteBatch batch = new WriteBatch();
          for (int k = from; k < Math.min(keys, from + RUN); k++) {
            batch.put(key(k), value(d, k));
          }
          dbs.get(d).write(batch, WriteOptions.DEFAULT);
        }
      }
      System.out.println("WRITTEN " + (long) count * keys);
      BulkLoad.printHeap();
      Random rnd = new Random(seed);
      long read = 0;
      for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < keys; k++) {
          int key = (int) ((k * 7919L + rnd.nextInt(keys)) % keys);
          for (int d = 0; d < count; d++) {
            byte[] v = dbs.get(d).get(key(key));
            if (!Arrays.equals(v, value(d, key))) {
              System.out.println("WRONG database " + d + " key " + key + ": "
                  + (v == null ? "null" : v.length + " bytes"));
              System.exit(1);
            }
            read++;
          }
        }
      }
      System.out.println("READ " + read);
      for (StrataDB db : dbs) {
        db.close();
      }
      System.out.println("DONE");
    } catch (RuntimeException e) {
      e.printStackTrace(System.out);
      System.exit(1);
    }
  }

  static byte[] key(int k) {
    return String.format("key%013d", k).getBytes(StandardCharsets.UTF_8);
  }

  /** Incompressible bytes of database {@code d}'s key {@code k}. */
  static byte[] value(int d, int k) {
    byte[] v = new byte[VALUE_BYTES];
    new Random(((long) d << 32) ^ k).nextBytes(v);
    return v;
  }
}
