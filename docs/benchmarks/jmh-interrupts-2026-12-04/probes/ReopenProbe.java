// The cost of one interrupt landing inside a read, when the reader reopens and retries.
// Run: java ReopenProbe.java
import java.nio.*;
import java.nio.channels.*;
import java.nio.file.*;
import java.nio.file.attribute.*;

public class ReopenProbe {
  public static void main(String[] a) throws Exception {
    Path f = Files.createTempFile("reopen", ".sst");
    Files.write(f, new byte[1 << 20]);
    ByteBuffer b = ByteBuffer.allocate(4096);
    for (int round = 0; round < 5; round++) {
      int n = 20000;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        // What one interrupt inside a read costs: the JDK's close, the exception, the reopen
        // with its identity check, and the retried read.
        FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
        Thread.currentThread().interrupt();
        try { ch.read(b.clear(), 0); } catch (ClosedByInterruptException e) { Thread.interrupted(); }
        FileChannel fresh = FileChannel.open(f, StandardOpenOption.READ);
        Files.readAttributes(f, BasicFileAttributes.class).fileKey();
        fresh.read(b.clear(), 0);
        fresh.close();
      }
      System.out.printf("round %d: %.1f us per interrupted read (close by interrupt + exception + reopen + stat + retry)%n", round, (System.nanoTime() - t0) / 1e3 / n);
    }
    Files.delete(f);
  }
}
