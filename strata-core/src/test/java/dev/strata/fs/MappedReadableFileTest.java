package dev.strata.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.testing.Seeds;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NioFileSystem#openMapped}: the same bytes as a channel read at every position, the same
 * errors at the end of the file and after close, the interrupt contract of {@link FileSystem}, and
 * a mapping that is gone from the process once the file is closed.
 */
class MappedReadableFileTest {
  private static final int FILE_BYTES = 300_001;

  @TempDir Path dir;

  private final FileSystem fs = FileSystem.nio();

  @Test
  void openMapped_onTheDefaultFileSystem_mapsAndUnmapsAtClose() throws IOException {
    write("a.sst", 10, 1);
    try (ReadableFile file = fs.openMapped(dir.resolve("a.sst"))) {
      assertThat(file).isInstanceOf(MappedReadableFile.class);
    }
    assertThat(MappedReadableFile.unmapsAtClose()).as("Java 17's invokeCleaner found").isTrue();
  }

  @Test
  void reads_matchTheFile_atRandomPositionsAndLengths() throws IOException {
    long seed = Seeds.seed("MappedReadableFileTest.reads");
    byte[] content = write("a.sst", FILE_BYTES, seed);
    SplittableRandom rnd = new SplittableRandom(seed);
    try (ReadableFile mapped = fs.openMapped(dir.resolve("a.sst"));
        ReadableFile channel = fs.openRead(dir.resolve("a.sst"))) {
      assertThat(mapped.size()).isEqualTo(FILE_BYTES);
      for (int i = 0; i < 2_000; i++) {
        int length = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(1, 20_000);
        // Every fourth read ends exactly at the end of the file.
        long position =
            i % 4 == 0 ? FILE_BYTES - length : rnd.nextLong(FILE_BYTES - length + 1);
        byte[] a = new byte[length + 7];
        byte[] b = new byte[length + 7];
        mapped.readFully(position, a, 3, length);
        channel.readFully(position, b, 3, length);
        assertThat(a).as("seed %d, %d bytes at %d", seed, length, position).isEqualTo(b);
        assertThat(Arrays.copyOfRange(a, 3, 3 + length))
            .isEqualTo(Arrays.copyOfRange(content, (int) position, (int) position + length));
      }
    }
  }

  @Test
  void readPastTheEnd_throwsEofNamingTheFile() throws IOException {
    write("a.sst", 1000, 2);
    try (ReadableFile file = fs.openMapped(dir.resolve("a.sst"))) {
      assertThatThrownBy(() -> file.readFully(990, new byte[20], 0, 20))
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("a.sst")
          .hasMessageContaining("990");
      assertThatThrownBy(() -> file.readFully(-1, new byte[1], 0, 1))
          .isInstanceOf(EOFException.class);
    }
  }

  @Test
  void emptyFile_mapsAndReadsNothing() throws IOException {
    write("empty.sst", 0, 3);
    try (ReadableFile file = fs.openMapped(dir.resolve("empty.sst"))) {
      assertThat(file.size()).isZero();
      file.readFully(0, new byte[0], 0, 0);
      assertThatThrownBy(() -> file.readFully(0, new byte[1], 0, 1))
          .isInstanceOf(EOFException.class);
    }
  }

  @Test
  void readAfterClose_failsWithIoException_andCloseIsIdempotent() throws IOException {
    write("a.sst", 1000, 4);
    ReadableFile file = fs.openMapped(dir.resolve("a.sst"));
    file.close();
    file.close();
    assertThatThrownBy(() -> file.readFully(0, new byte[10], 0, 10))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("a.sst")
        .hasMessageContaining("closed");
  }

  @Test
  void interruptedCaller_opensAndReads_andKeepsItsInterruptStatus() throws IOException {
    byte[] content = write("a.sst", 5000, 5);
    Thread.currentThread().interrupt();
    try (ReadableFile file = fs.openMapped(dir.resolve("a.sst"))) {
      byte[] dst = new byte[100];
      file.readFully(4900, dst, 0, 100);
      assertThat(dst).isEqualTo(Arrays.copyOfRange(content, 4900, 5000));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  /** Readers interrupted over and over while reading: every read completes with the right bytes. */
  @Test
  void interruptStorm_neverFailsOrShortensARead() throws Exception {
    long seed = Seeds.seed("MappedReadableFileTest.storm");
    byte[] content = write("a.sst", FILE_BYTES, seed);
    try (ReadableFile file = fs.openMapped(dir.resolve("a.sst"))) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CountDownLatch started = new CountDownLatch(3);
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        SplittableRandom rnd = new SplittableRandom(seed + r);
        Thread t =
            new Thread(
                () -> {
                  started.countDown();
                  byte[] dst = new byte[4096];
                  while (!stop.get()) {
                    int pos = rnd.nextInt(FILE_BYTES - dst.length);
                    try {
                      file.readFully(pos, dst, 0, dst.length);
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                      return;
                    }
                    if (!Arrays.equals(dst, 0, dst.length, content, pos, pos + dst.length)) {
                      failure.compareAndSet(null, new AssertionError("wrong bytes at " + pos));
                      return;
                    }
                  }
                },
                "mapped-reader-" + r);
        readers.add(t);
        t.start();
      }
      started.await();
      for (int i = 0; i < 1_000; i++) {
        readers.get(i % readers.size()).interrupt();
        Thread.yield();
      }
      stop.set(true);
      for (Thread t : readers) {
        t.join();
      }
      assertThat(failure.get()).as("seed %d", seed).isNull();
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void close_removesTheMappingFromTheProcess() throws IOException {
    write("mapped-once.sst", 100_000, 6);
    Path path = dir.resolve("mapped-once.sst").toRealPath();
    ReadableFile file = fs.openMapped(path);
    assertThat(mappingsOf(path.toString())).as("mapped while open").isPositive();
    file.close();
    assertThat(mappingsOf(path.toString())).as("unmapped at close").isZero();
  }

  /** Lines of {@code /proc/self/maps} that name {@code path}. */
  static long mappingsOf(String path) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.contains(path))
        .count();
  }

  private byte[] write(String name, int length, long seed) throws IOException {
    byte[] content = new byte[length];
    new SplittableRandom(seed).nextBytes(content);
    Files.write(dir.resolve(name), content);
    return content;
  }
}
