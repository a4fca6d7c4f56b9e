import dev.strata.*;
import java.nio.file.*;
import java.util.*;
public class Fds {
  public static void main(String[] a) throws Exception {
    Path root = Files.createTempDirectory("fds");
    int before = new java.io.File("/proc/self/fd").list().length;
    List<StrataDB> dbs = new ArrayList<>();
    for (int i = 0; i < 10; i++) dbs.add(StrataDB.open(root.resolve("db" + i), Options.defaults()));
    int afterOpen = new java.io.File("/proc/self/fd").list().length;
    for (StrataDB db : dbs) { db.put("k".getBytes(), "v".getBytes()); db.flush(); db.get("k".getBytes()); }
    int afterFlush = new java.io.File("/proc/self/fd").list().length;
    System.out.println("per db after open " + (afterOpen - before) / 10.0 + ", after flush+get " + (afterFlush - before) / 10.0);
    for (String f : new java.io.File("/proc/self/fd").list()) {
      try { String t = Files.readSymbolicLink(Path.of("/proc/self/fd/" + f)).toString(); if (t.contains("/db3")) System.out.println(t); } catch (Exception e) {}
    }
    for (StrataDB db : dbs) db.close();
  }
}
