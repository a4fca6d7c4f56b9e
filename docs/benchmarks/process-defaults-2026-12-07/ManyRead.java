import dev.strata.*;
import java.nio.file.*;
import java.util.*;
public class ManyRead {
  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[0]); int keys = Integer.parseInt(a[1]); int vsize = Integer.parseInt(a[2]);
    Path root = Files.createTempDirectory("many");
    List<StrataDB> dbs = new ArrayList<>();
    byte[] v = new byte[vsize]; new Random(1).nextBytes(v);
    for (int i = 0; i < n; i++) {
      StrataDB db = StrataDB.open(root.resolve("db" + i), Options.defaults());
      for (int k = 0; k < keys; k++) db.put(("key" + k).getBytes(), v);
      db.flush();
      dbs.add(db);
      if (i % 10 == 9) { System.gc(); System.out.println("db " + i + " heap used MiB " + (Runtime.getRuntime().totalMemory()-Runtime.getRuntime().freeMemory())/1048576); }
    }
    Runtime rt = Runtime.getRuntime();
    System.gc();
    System.out.println("wrote; heap used MiB " + (rt.totalMemory()-rt.freeMemory())/1048576);
    for (int k = 0; k < keys; k++) for (StrataDB db : dbs) if (db.get(("key" + k).getBytes()) == null) throw new AssertionError();
    System.gc();
    System.out.println("read; heap used MiB " + (rt.totalMemory()-rt.freeMemory())/1048576);
    for (StrataDB db : dbs) db.close();
  }
}
