import dev.strata.*;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
public class ReadCost {
  public static void main(String[] a) throws Exception {
    boolean own = a[0].equals("own");
    Path dir = Path.of(a[1]);
    Options o = own ? Options.builder().blockCacheBytes(64L << 20).build() : Options.defaults();
    try (StrataDB db = StrataDB.open(dir, o)) {
      if (db.get(key(0)) == null) {
        byte[] v = new byte[100];
        for (int i = 0; i < 1_000_000; i++) { v[0] = (byte) i; db.put(key(i), v); }
        db.flush(); db.compactRange(null, null);
      }
      for (int round = 0; round < 2; round++) {
        AtomicLong ops = new AtomicLong();
        long end = System.nanoTime() + 8_000_000_000L;
        Thread[] ts = new Thread[2];
        for (int t = 0; t < 2; t++) {
          int seed = t + round * 10;
          ts[t] = new Thread(() -> {
            Random r = new Random(seed); long n = 0;
            while (System.nanoTime() < end) { for (int k = 0; k < 100; k++) db.get(key(r.nextInt(1_000_000))); n += 100; }
            ops.addAndGet(n);
          });
          ts[t].start();
        }
        for (Thread t : ts) t.join();
        System.out.println((own ? "own " : "default ") + "round " + round + ": " + ops.get() / 8 + " gets/s");
      }
    }
  }
  static byte[] key(int i) { return String.format("key%013d", i).getBytes(); }
}
