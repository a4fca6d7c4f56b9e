import dev.strata.*;
import java.nio.file.*;
import java.util.*;
public class Many {
  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[0]); int keys = Integer.parseInt(a[1]); int vsize = Integer.parseInt(a[2]);
    Path root = Files.createTempDirectory("many");
    List<StrataDB> dbs = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) dbs.add(StrataDB.open(root.resolve("db" + i), Options.defaults()));
    System.out.println("opened " + n + " in " + (System.nanoTime()-t0)/1_000_000 + " ms, threads " + Thread.activeCount());
    byte[] v = new byte[vsize]; new Random(1).nextBytes(v);
    for (int k = 0; k < keys; k++) for (StrataDB db : dbs) db.put(("key" + k).getBytes(), v);
    Runtime rt = Runtime.getRuntime();
    System.gc();
    System.out.println("wrote; heap used MiB " + (rt.totalMemory()-rt.freeMemory())/1048576 + " threads " + Thread.activeCount());
    for (StrataDB db : dbs) if (!Arrays.equals(db.get("key0".getBytes()), v)) throw new AssertionError();
    for (StrataDB db : dbs) db.close();
    System.out.println("closed; threads " + Thread.activeCount());
  }
}
