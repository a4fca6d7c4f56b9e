import dev.strata.*;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
public class ManyThreads {
  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[0]); int keys = Integer.parseInt(a[1]); int threads = Integer.parseInt(a[2]);
    Path root = Files.createTempDirectory("manyt");
    List<StrataDB> dbs = new ArrayList<>();
    for (int i = 0; i < n; i++) dbs.add(StrataDB.open(root.resolve("db" + i), Options.defaults()));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> fs = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      fs.add(pool.submit(() -> {
        Random r = new Random(tt);
        byte[] v = new byte[1000];
        for (int k = 0; k < keys; k++) {
          r.nextBytes(v);
          StrataDB db = dbs.get(r.nextInt(n));
          db.put(("t" + tt + "k" + k).getBytes(), v.clone());
          if (k % 3 == 0) db.get(("t" + tt + "k" + r.nextInt(k + 1)).getBytes());
        }
        return null;
      }));
    }
    for (Future<?> f : fs) f.get();
    pool.shutdown();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    System.out.println("done in " + (System.nanoTime()-t0)/1_000_000 + " ms; heap MiB " + (rt.totalMemory()-rt.freeMemory())/1048576 + " budget bytes " + WriteBufferManager.processDefault().memtableBytes() + " switches " + WriteBufferManager.processDefault().switchesAsked());
    long flushes = 0, l0 = 0; for (StrataDB db : dbs) { flushes += db.getStatistics().tickerCount(Ticker.FLUSHES); l0 += Long.parseLong(db.getProperty("strata.num-files-at-level0")); }
    System.out.println("flushes " + flushes + " level-0 files now " + l0);
    for (StrataDB db : dbs) db.close();
  }
}
