// Append throughput without syncing: FileOutputStream.write against FileChannel.write.
// Run: java AppendProbe.java
import java.io.*;
import java.nio.*;
import java.nio.channels.*;
import java.nio.file.*;

public class AppendProbe {
  public static void main(String[] a) throws Exception {
    Path dir = Files.createTempDirectory("append");
    long total = 128L << 20;
    for (int size : new int[] {4096, 65536}) {
      byte[] rec = new byte[size];
      for (int round = 0; round < 4; round++) {
        Path p1 = dir.resolve("fos");
        long t0 = System.nanoTime();
        try (FileOutputStream out = new FileOutputStream(p1.toFile())) {
          for (long w = 0; w < total; w += size) out.write(rec, 0, size);
        }
        long fos = System.nanoTime() - t0;
        Files.delete(p1);
        Path p2 = dir.resolve("ch");
        t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(p2, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          for (long w = 0; w < total; w += size) { ByteBuffer b = ByteBuffer.wrap(rec, 0, size); while (b.hasRemaining()) ch.write(b); }
        }
        long chn = System.nanoTime() - t0;
        Files.delete(p2);
        System.out.printf("%6d B appends, round %d: FileOutputStream %.0f MB/s, FileChannel %.0f MB/s%n", size, round, total / 1e6 / (fos / 1e9), total / 1e6 / (chn / 1e9));
      }
    }
    Files.delete(dir);
  }
}
