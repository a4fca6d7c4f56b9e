// What each java.io / java.nio call does when its thread enters it with the interrupt flag set.
// Run: java InterruptProbe.java
import java.io.*;
import java.nio.*;
import java.nio.channels.*;
import java.nio.file.*;

public class InterruptProbe {
  static void report(String what, ThrowingRunnable r) {
    Thread.currentThread().interrupt();
    String out;
    try { r.run(); out = "ok"; } catch (Throwable t) { out = t.getClass().getSimpleName() + ": " + t.getMessage(); }
    boolean flag = Thread.interrupted();
    System.out.println(what + " -> " + out + " (flag after: " + flag + ")");
  }
  interface ThrowingRunnable { void run() throws Exception; }

  public static void main(String[] a) throws Exception {
    Path dir = Files.createTempDirectory("exp");
    Path f = dir.resolve("f");
    Files.write(f, new byte[1 << 16]);
    FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
    report("FileChannel.read(buf,pos)", () -> ch.read(ByteBuffer.allocate(4096), 0));
    System.out.println("  shared channel open afterwards: " + ch.isOpen());
    try { ch.read(ByteBuffer.allocate(10), 0); } catch (Exception e) { System.out.println("  other read: " + e); }
    FileChannel ch2 = FileChannel.open(f, StandardOpenOption.READ);
    report("FileChannel.size()", () -> ch2.size());
    System.out.println("  open: " + ch2.isOpen());
    RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r");
    report("RandomAccessFile seek+readFully", () -> { raf.seek(100); raf.readFully(new byte[4096]); });
    report("RandomAccessFile.length()", () -> raf.length());
    FileChannel mch = FileChannel.open(f, StandardOpenOption.READ);
    MappedByteBuffer mb = mch.map(FileChannel.MapMode.READ_ONLY, 0, 1 << 16);
    mch.close();
    report("MappedByteBuffer.get(idx, dst)", () -> mb.get(100, new byte[4096]));
    FileOutputStream fos = new FileOutputStream(dir.resolve("w").toFile());
    report("FileOutputStream.write", () -> fos.write(new byte[8192]));
    report("FileDescriptor.sync", () -> fos.getFD().sync());
    report("FileOutputStream.write again", () -> fos.write(new byte[10]));
    System.out.println("  w size: " + Files.size(dir.resolve("w")));
    report("FileOutputStream.close", () -> fos.close());
    FileChannel wch = FileChannel.open(dir.resolve("w2"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    report("FileChannel.write", () -> wch.write(ByteBuffer.allocate(100)));
    System.out.println("  w2 size: " + Files.size(dir.resolve("w2")) + " open " + wch.isOpen());
    FileChannel wch3 = FileChannel.open(dir.resolve("w3"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    wch3.write(ByteBuffer.allocate(100));
    report("FileChannel.force(false)", () -> wch3.force(false));
    report("dir FileChannel.open+force(true)", () -> { try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) { d.force(true);} });
    report("new RandomAccessFile(dir)", () -> new RandomAccessFile(dir.toFile(), "r").close());
    report("new FileInputStream(dir)", () -> new FileInputStream(dir.toFile()).close());
    FileChannel lch = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock[] l = new FileLock[1];
    report("FileChannel.tryLock", () -> l[0] = lch.tryLock());
    System.out.println("  lock valid " + l[0].isValid() + " ch open " + lch.isOpen());
    report("FileLock.release", () -> l[0].release());
    report("FileChannel.close", () -> lch.close());
    report("FileChannel.open", () -> FileChannel.open(f, StandardOpenOption.READ).close());
    report("Files.newInputStream read", () -> { try (InputStream in = Files.newInputStream(f)) { in.read(new byte[10]); } });
    report("Files.readAllBytes", () -> Files.readAllBytes(f));
    report("Files.size/list/move/delete", () -> { Files.size(f); try (var s = Files.list(dir)) { s.count(); } Files.copy(f, dir.resolve("g")); Files.move(dir.resolve("g"), dir.resolve("h"), StandardCopyOption.ATOMIC_MOVE); Files.delete(dir.resolve("h")); });
    report("Files.write", () -> Files.write(dir.resolve("x"), new byte[10]));
    // partial-progress question: a ClosedByInterruptException after bytes were copied
    FileChannel pc = FileChannel.open(f, StandardOpenOption.READ);
    ByteBuffer bb = ByteBuffer.allocate(4096);
    Thread.currentThread().interrupt();
    try { pc.read(bb, 0); } catch (ClosedByInterruptException e) { System.out.println("ClosedByInterrupt on entry, buffer position after: " + bb.position()); }
    Thread.interrupted();
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
