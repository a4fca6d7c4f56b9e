package dev.strata.bench.jmh;

import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the ways to read 4 KiB at a random position of a table file that is in the page
 * cache, shared by all benchmark threads (JMH's {@code -t}; compare 1 and 2): a raw {@link
 * FileChannel} read (what Strata did before, closed for everyone by one interrupt), Strata's
 * interrupt-safe {@link ReadableFile#readFully} (a channel read plus the interrupt bookkeeping of
 * {@code NioReadableFile}), a {@link RandomAccessFile} seek and read under the file's monitor
 * (its file pointer is shared), and a copy out of a {@link MappedByteBuffer}. The choice they
 * informed is in {@code docs/design/interrupts.md}.
 *
 * <p>Positions are uniform over the file and not aligned, like table blocks. The file (64 MiB of
 * random bytes by default) is written and read once at setup so that it is cached; {@code -p
 * dir=} puts it elsewhere than {@code java.io.tmpdir}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PositionalReadBenchmark {
  static final int READ_BYTES = 4096;

  /** The file and the four readers of it, shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class TableFile {
    /** Directory of the file; empty means {@code java.io.tmpdir}. */
    @Param({""})
    public String dir;

    @Param({"64"})
    public int fileMiB;

    Path path;
    FileChannel channel;
    ReadableFile strata;
    RandomAccessFile raf;
    MappedByteBuffer mapped;
    int fileBytes;

    @Setup(Level.Trial)
    public void create() throws IOException {
      Path parent = dir.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(dir);
      path = Files.createTempFile(parent, "positional-read", ".sst");
      fileBytes = fileMiB << 20;
      byte[] chunk = new byte[1 << 20];
      SplittableRandom rnd = new SplittableRandom(42);
      try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
        for (int i = 0; i < fileMiB; i++) {
          rnd.nextBytes(chunk);
          out.write(ByteBuffer.wrap(chunk));
        }
      }
      // Read it once so that every benchmark reads from the page cache.
      try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
        ByteBuffer b = ByteBuffer.allocate(chunk.length);
        while (in.read(b) > 0) {
          b.clear();
        }
      }
      channel = FileChannel.open(path, StandardOpenOption.READ);
      strata = FileSystem.nio().openRead(path);
      raf = new RandomAccessFile(path.toFile(), "r");
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, fileBytes);
      }
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
      channel.close();
      strata.close();
      raf.close();
      // The mapping lives until the buffer is collected; the file's blocks are freed then.
      Files.deleteIfExists(path);
    }
  }

  /** Each benchmark thread's buffer, random positions and view of the mapping. */
  @State(Scope.Thread)
  public static class Reader {
    private static final AtomicInteger SEEDS = new AtomicInteger();
    final byte[] buf = new byte[READ_BYTES];
    SplittableRandom rnd;
    /** A per-thread view, so that no buffer state is shared even in principle. */
    ByteBuffer mapped;

    @Setup(Level.Trial)
    public void seed(TableFile f) {
      rnd = new SplittableRandom(1000L + SEEDS.incrementAndGet());
      mapped = f.mapped.duplicate();
    }

    int nextPosition(TableFile f) {
      return rnd.nextInt(f.fileBytes - READ_BYTES + 1);
    }
  }

  @Benchmark
  public byte[] fileChannel(TableFile f, Reader r) throws IOException {
    long position = r.nextPosition(f);
    ByteBuffer b = ByteBuffer.wrap(r.buf);
    while (b.hasRemaining()) {
      if (f.channel.read(b, position + b.position()) < 0) {
        throw new EOFException();
      }
    }
    return r.buf;
  }

  @Benchmark
  public byte[] strataReadFully(TableFile f, Reader r) throws IOException {
    f.strata.readFully(r.nextPosition(f), r.buf, 0, READ_BYTES);
    return r.buf;
  }

  @Benchmark
  public byte[] synchronizedRandomAccessFile(TableFile f, Reader r) throws IOException {
    long position = r.nextPosition(f);
    synchronized (f.raf) {
      f.raf.seek(position);
      f.raf.readFully(r.buf);
    }
    return r.buf;
  }

  @Benchmark
  public byte[] mappedByteBuffer(TableFile f, Reader r) {
    r.mapped.get(r.nextPosition(f), r.buf);
    return r.buf;
  }
}
