// Append 4 KiB then fsync (FileDescriptor.sync) against append then fdatasync (force(false)).
// Run: java SyncProbe.java 2000
import java.io.*;
import java.nio.*;
import java.nio.channels.*;
import java.nio.file.*;

public class SyncProbe {
  public static void main(String[] a) throws Exception {
    Path dir = Files.createTempDirectory("sync");
    int n = Integer.parseInt(a[0]);
    byte[] rec = new byte[4096];
    for (int round = 0; round < 3; round++) {
      try (FileOutputStream fos = new FileOutputStream(dir.resolve("fsync" + round).toFile())) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) { fos.write(rec); fos.getFD().sync(); }
        System.out.printf("round %d append 4KiB + FileDescriptor.sync (fsync):        %.1f us/op%n", round, (System.nanoTime() - t0) / 1e3 / n);
      }
      try (FileChannel ch = FileChannel.open(dir.resolve("fdatasync" + round), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) { ch.write(ByteBuffer.wrap(rec)); ch.force(false); }
        System.out.printf("round %d append 4KiB + FileChannel.force(false) (fdatasync): %.1f us/op%n", round, (System.nanoTime() - t0) / 1e3 / n);
      }
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
