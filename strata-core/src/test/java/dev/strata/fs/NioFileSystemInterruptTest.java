package dev.strata.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.testing.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interrupt contract of {@link NioFileSystem} (see {@code docs/design/interrupts.md}): an
 * interrupted caller's I/O completes, its interrupt status is still set afterwards, and the file
 * stays usable by every other thread; only the owner's {@code close()} ends a file. Real files in
 * a temporary directory.
 *
 * <p>Each test says how it failed against the channel-based {@code NioFileSystem} it replaced.
 */
class NioFileSystemInterruptTest {
  /** Interrupts per storm: hundreds land inside a read; 2 to 5 s on a loaded 2-vCPU machine. */
  private static final int STORM_INTERRUPTS = 3_000;

  private static final int STORM_READERS = 4;
  private static final int FILE_BYTES = 256 * 1024;

  @TempDir Path dir;

  private final FileSystem fs = FileSystem.nio();
  private final ExecutorService other =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "interrupt-test-other"));

  @AfterEach
  void stopOther() throws InterruptedException {
    other.shutdown();
    assertThat(other.awaitTermination(10, TimeUnit.SECONDS)).as("other thread ended").isTrue();
    Thread.interrupted();
  }

  // Failed before the fix: java.nio.channels.ClosedByInterruptException from readFully.
  @Test
  void readFully_withInterruptFlag_readsBytesKeepsFlagAndLeavesFileReadable() throws Exception {
    byte[] content = randomFile("a.sst", FILE_BYTES, 1);
    try (ReadableFile file = fs.openRead(dir.resolve("a.sst"))) {
      byte[] dst = new byte[4096];
      withInterruptFlag(() -> file.readFully(1000, dst, 0, dst.length));
      assertThat(dst).isEqualTo(Arrays.copyOfRange(content, 1000, 1000 + dst.length));

      byte[] later = new byte[100];
      onOtherThread(() -> file.readFully(FILE_BYTES - 100, later, 0, 100));
      assertThat(later).isEqualTo(Arrays.copyOfRange(content, FILE_BYTES - 100, FILE_BYTES));
    }
  }

  // Failed before the fix: java.nio.channels.ClosedByInterruptException from size.
  @Test
  void size_withInterruptFlag_returnsSizeKeepsFlagAndLeavesFileReadable() throws Exception {
    byte[] content = randomFile("a.sst", FILE_BYTES, 2);
    try (ReadableFile file = fs.openRead(dir.resolve("a.sst"))) {
      assertThat(withInterruptFlag(file::size)).isEqualTo(FILE_BYTES);

      byte[] dst = new byte[10];
      onOtherThread(() -> file.readFully(0, dst, 0, 10));
      assertThat(dst).isEqualTo(Arrays.copyOf(content, 10));
    }
  }

  // Failed before the fix: the first reader to be interrupted inside readFully threw
  // java.nio.channels.ClosedByInterruptException, and the other readers then threw
  // java.nio.channels.ClosedChannelException or AsynchronousCloseException.
  @Test
  void readFully_underInterruptStorm_returnsRightBytesAndKeepsEachReadersFlag() throws Exception {
    long seed = Seeds.seed("NioFileSystemInterruptTest.readStorm");
    byte[] content = randomFile("a.sst", FILE_BYTES, seed);
    try (ReadableFile file = fs.openRead(dir.resolve("a.sst"))) {
      ReadStorm storm = new ReadStorm(file, content, STORM_READERS, seed);
      storm.start();
      storm.interrupt(STORM_INTERRUPTS);
      storm.stopAndJoin();

      for (int r = 0; r < STORM_READERS; r++) {
        assertThat(storm.failure(r)).as("reader %d, seed %d", r, seed).isNull();
      }
      for (int r = 0; r < STORM_READERS; r++) {
        assertThat(storm.flagAtEnd(r)).as("reader %d kept its interrupt status", r).isTrue();
      }
      // The storm really closed channels under the readers, so the recovery path ran.
      assertThat(reopens(file)).isPositive();
    }
  }

  // Failed before the fix: a reader threw java.nio.channels.ClosedByInterruptException during
  // the storm, before any descriptor could be counted.
  @Test
  void close_afterInterruptStorm_leavesNoFileDescriptorOpen() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
    long seed = Seeds.seed("NioFileSystemInterruptTest.fdStorm");
    byte[] content = randomFile("a.sst", FILE_BYTES, seed);
    long before = openFileDescriptors();
    ReadableFile file = fs.openRead(dir.resolve("a.sst"));
    ReadStorm storm = new ReadStorm(file, content, STORM_READERS, seed);
    storm.start();
    storm.interrupt(STORM_INTERRUPTS / 2);
    storm.stopAndJoin();
    file.close();

    for (int r = 0; r < STORM_READERS; r++) {
      assertThat(storm.failure(r)).as("reader %d, seed %d", r, seed).isNull();
    }
    assertThat(openFileDescriptors()).as("open descriptors after the storm").isLessThanOrEqualTo(before);
  }

  // Failed before the fix: readers ended with a bare java.nio.channels.ClosedChannelException or
  // ClosedByInterruptException (message null) instead of an IOException naming the closed file.
  @Test
  void readFully_afterCloseDuringInterruptStorm_failsNamingFileAndReopensNothing()
      throws Exception {
    long seed = Seeds.seed("NioFileSystemInterruptTest.closeStorm");
    byte[] content = randomFile("a.sst", FILE_BYTES, seed);
    long before = Files.isDirectory(Path.of("/proc/self/fd")) ? openFileDescriptors() : -1;
    ReadableFile file = fs.openRead(dir.resolve("a.sst"));
    ReadStorm storm = new ReadStorm(file, content, STORM_READERS, seed);
    storm.start();
    storm.interrupt(STORM_INTERRUPTS / 4);
    file.close();
    long reopensAtClose = reopens(file);
    storm.joinUntilEachFails();

    for (int r = 0; r < STORM_READERS; r++) {
      assertThat(storm.failure(r))
          .as("reader %d, seed %d", r, seed)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("a.sst")
          .hasMessageContaining("closed");
    }
    assertThatThrownBy(() -> file.readFully(0, new byte[1], 0, 1))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("a.sst")
        .hasMessageContaining("closed");
    assertThat(reopens(file))
        .as("reopens after close")
        .isEqualTo(reopensAtClose);
    if (before >= 0) {
      assertThat(openFileDescriptors()).as("open descriptors").isLessThanOrEqualTo(before);
    }
  }

  // Failed before the fix: java.nio.channels.ClosedByInterruptException from append (nothing
  // was written and the file was closed).
  @Test
  void appendAndSync_withInterruptFlag_completeKeepFlagAndLaterAppendsWork() throws Exception {
    Path path = dir.resolve("000001.log");
    byte[] first = randomBytes(10_000, 3);
    byte[] second = randomBytes(300, 4);
    WritableFile file = fs.create(path);
    withInterruptFlag(() -> file.append(first, 0, first.length));
    withInterruptFlag(file::sync);

    onOtherThread(
        () -> {
          file.append(second, 0, second.length);
          file.sync();
        });
    withInterruptFlag(file::close);

    assertThat(file.size()).isEqualTo(first.length + second.length);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(first);
    expected.write(second);
    assertThat(Files.readAllBytes(path)).isEqualTo(expected.toByteArray());
  }

  /**
   * {@code openAppend} (a reopened WAL, {@code Options.reuseLogs}) under an interrupted caller:
   * the open, its size, the appends and the force complete, the flag stays, and the bytes follow
   * the file's old ones. A missing file is refused, not created.
   */
  @Test
  void openAppend_withInterruptFlag_appendsAfterTheOldBytesKeepsFlag() throws Exception {
    Path path = dir.resolve("000002.log");
    byte[] old = randomBytes(5_000, 5);
    byte[] more = randomBytes(700, 6);
    Files.write(path, old);

    WritableFile file = withInterruptFlag(() -> fs.openAppend(path));
    assertThat(file.size()).isEqualTo(old.length);
    withInterruptFlag(() -> file.append(more, 0, more.length));
    withInterruptFlag(file::sync);
    withInterruptFlag(file::close);

    assertThat(file.size()).isEqualTo(old.length + more.length);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(old);
    expected.write(more);
    assertThat(Files.readAllBytes(path)).isEqualTo(expected.toByteArray());
    assertThatThrownBy(() -> fs.openAppend(dir.resolve("missing.log")))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
    assertThat(dir.resolve("missing.log")).doesNotExist();
  }

  // Failed before the fix: the writer threw java.nio.channels.ClosedByInterruptException at the
  // first interrupt that landed inside append or sync.
  @Test
  void append_underInterruptStorm_writesEveryByteInOrder() throws Exception {
    long seed = Seeds.seed("NioFileSystemInterruptTest.writeStorm");
    SplittableRandom rnd = new SplittableRandom(seed);
    Path path = dir.resolve("000002.log");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    WritableFile file = fs.create(path);
    IoWorker writer =
        new IoWorker(
            "storm-writer",
            appends -> {
              byte[] record = randomBytes(1 + rnd.nextInt(2000), rnd.nextLong());
              file.append(record, 0, record.length);
              expected.write(record);
              if (appends % 64 == 63) {
                file.sync();
              }
            });
    writer.start();
    for (int i = 0; i < STORM_INTERRUPTS / 4 && writer.failure() == null; i++) {
      writer.interruptAndAwaitProgress();
    }
    writer.stopAndJoin();
    assertThat(writer.failure()).as("seed %d", seed).isNull();
    assertThat(writer.flagAtEnd()).as("writer kept its interrupt status").isTrue();
    file.close();

    assertThat(file.size()).isEqualTo(expected.size());
    assertThat(Files.readAllBytes(path)).isEqualTo(expected.toByteArray());
  }

  // Failed before the fix: java.nio.channels.ClosedByInterruptException from syncDirectory.
  @Test
  void syncDirectory_withInterruptFlag_succeedsAndKeepsFlag() throws Exception {
    fs.create(dir.resolve("000003.sst")).close();
    withInterruptFlag(() -> fs.syncDirectory(dir));
    withInterruptFlag(() -> fs.syncDirectory(dir));
  }

  // Passed before the fix as well: FileChannel.tryLock and FileLock.release do not use the
  // channel's interruptible begin/end, and the lock's channel never does I/O. Kept as a guard.
  @Test
  void lockAndRelease_withInterruptFlag_holdAndFreeLockAndKeepFlag() throws Exception {
    Path lockFile = dir.resolve("LOCK");
    FileLockHandle held = withInterruptFlag(() -> fs.lock(lockFile));
    assertThatThrownBy(() -> fs.lock(lockFile)).isInstanceOf(IOException.class);
    withInterruptFlag(held::close);
    fs.lock(lockFile).close();
  }

  // --- fixtures ---

  private interface IoCall<T> {
    T call() throws IOException;
  }

  private interface IoRun {
    void run() throws IOException;
  }

  /** Runs {@code call} on this thread with its interrupt flag set; asserts the flag survived. */
  private static <T> T withInterruptFlag(IoCall<T> call) throws IOException {
    Thread.currentThread().interrupt();
    boolean flagAfter;
    T result;
    try {
      result = call.call();
    } finally {
      flagAfter = Thread.interrupted();
    }
    assertThat(flagAfter).as("interrupt status kept").isTrue();
    return result;
  }

  private static void withInterruptFlag(IoRun run) throws IOException {
    withInterruptFlag(
        () -> {
          run.run();
          return null;
        });
  }

  /** Runs {@code run} on another thread (its interrupt flag clear) and waits for it. */
  private void onOtherThread(IoRun run) throws Exception {
    other
        .submit(
            () -> {
              run.run();
              return null;
            })
        .get(10, TimeUnit.SECONDS);
  }

  /** Channels the file opened to replace one an interrupt closed; -1 for another implementation. */
  private static long reopens(ReadableFile file) {
    return file instanceof NioReadableFile nio ? nio.reopensForTesting() : -1;
  }

  private byte[] randomFile(String name, int size, long seed) throws IOException {
    byte[] content = randomBytes(size, seed);
    Files.write(dir.resolve(name), content);
    return content;
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /**
   * Descriptors this process holds on files of the test's directory. Not every descriptor of the
   * process: the JVM opens others at any moment (a jar the class loader reaches for the first time,
   * another test's files), which once made the count one higher after the storm than before it.
   */
  private long openFileDescriptors() throws IOException {
    Path real = dir.toRealPath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
            try {
              return Files.readSymbolicLink(fd).startsWith(real);
            } catch (IOException | UnsupportedOperationException e) {
              return false; // closed since it was listed, or not a link
            }
          })
          .count();
    }
  }

  /** One step of an {@link IoWorker}'s loop; {@code step} counts from 0. */
  private interface IoStep {
    void run(long step) throws IOException;
  }

  /**
   * A named thread repeating an I/O step until stopped or until a step throws, counting completed
   * steps and unparking {@link #waiter} after each, so that an interrupter can wait for progress
   * instead of sleeping.
   */
  private static final class IoWorker {
    private final Thread thread;
    /** The thread to unpark after each step (the interrupter); set before the worker starts. */
    private final Thread waiter;
    /** Steps completed; written by the worker, read by the interrupter. */
    private volatile long steps;
    /** Set by the test to end the loop; read by the worker. */
    private volatile boolean stop;
    /** The step's exception or assertion failure; written by the worker before it ends. */
    private volatile Throwable failure;
    /** The worker's interrupt status when its loop ended; written before it ends. */
    private volatile boolean flagAtEnd;

    IoWorker(String name, IoStep step) {
      waiter = Thread.currentThread();
      thread =
          new Thread(
              () -> {
                try {
                  for (long s = 0; !stop; s++) {
                    step.run(s);
                    steps = s + 1;
                    LockSupport.unpark(waiter);
                  }
                } catch (Throwable t) {
                  failure = t;
                } finally {
                  // The test clears the worker's own flag; only this thread can read and clear it.
                  flagAtEnd = Thread.interrupted();
                  LockSupport.unpark(waiter);
                }
              },
              name);
    }

    void start() {
      thread.start();
    }

    /**
     * Interrupts the worker, then waits until it completes a step after the interrupt (or fails),
     * so that interrupts spread over the steps instead of piling onto a flag already set.
     * Requires: called by the thread that constructed the worker.
     */
    void interruptAndAwaitProgress() {
      long seen = steps;
      thread.interrupt();
      awaitStepsBeyond(seen);
    }

    /** Parks until the worker completed more than {@code seen} steps, failed or ended. */
    void awaitStepsBeyond(long seen) {
      while (steps <= seen && failure == null && thread.isAlive()) {
        LockSupport.park(this);
      }
    }

    void interrupt() {
      thread.interrupt();
    }

    long steps() {
      return steps;
    }

    void stopAndJoin() throws InterruptedException {
      stop = true;
      join();
    }

    void join() throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(thread.isAlive()).as(thread.getName() + " ended").isFalse();
    }

    Throwable failure() {
      return failure;
    }

    boolean flagAtEnd() {
      return flagAtEnd;
    }
  }

  /** Readers of random ranges of one file, each checking its bytes, and their interrupter. */
  private static final class ReadStorm {
    private final IoWorker[] readers;
    private final SplittableRandom interrupts;

    ReadStorm(ReadableFile file, byte[] content, int readerCount, long seed) {
      readers = new IoWorker[readerCount];
      for (int r = 0; r < readerCount; r++) {
        SplittableRandom rnd = new SplittableRandom(seed + 1 + r);
        byte[] dst = new byte[8192];
        readers[r] =
            new IoWorker(
                "storm-reader-" + r,
                step -> {
                  int length = 1 + rnd.nextInt(dst.length);
                  int position = rnd.nextInt(content.length - length + 1);
                  file.readFully(position, dst, 0, length);
                  if (!Arrays.equals(dst, 0, length, content, position, position + length)) {
                    throw new AssertionError(
                        "wrong bytes for " + length + " bytes at " + position + ", step " + step);
                  }
                });
      }
      interrupts = new SplittableRandom(seed);
    }

    void start() {
      for (IoWorker r : readers) {
        r.start();
      }
    }

    /**
     * Interrupts randomly chosen readers {@code count} times, or until one fails. After each
     * interrupt it waits for some reader (whichever the scheduler runs) to finish a read, so that
     * interrupts are spread over the reads without waiting for one given thread to be scheduled.
     */
    void interrupt(int count) {
      for (int i = 0; i < count && !anyFailed(); i++) {
        long seen = totalSteps();
        readers[interrupts.nextInt(readers.length)].interrupt();
        while (totalSteps() == seen && !anyFailed()) {
          LockSupport.park(this);
        }
      }
    }

    private long totalSteps() {
      long sum = 0;
      for (IoWorker r : readers) {
        sum += r.steps();
      }
      return sum;
    }

    private boolean anyFailed() {
      for (IoWorker r : readers) {
        if (r.failure() != null) {
          return true;
        }
      }
      return false;
    }

    void stopAndJoin() throws InterruptedException {
      for (IoWorker r : readers) {
        r.stop = true;
      }
      for (IoWorker r : readers) {
        r.join();
      }
    }

    /** Waits for every reader to end by failing (after the file was closed). */
    void joinUntilEachFails() throws InterruptedException {
      for (IoWorker r : readers) {
        r.join();
      }
    }

    Throwable failure(int reader) {
      return readers[reader].failure();
    }

    boolean flagAtEnd(int reader) {
      return readers[reader].flagAtEnd();
    }
  }
}
