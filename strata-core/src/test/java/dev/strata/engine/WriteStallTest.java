package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.WriteStallException;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stalled write waits by default, however long background work takes; a write that asked not to
 * wait ({@code noSlowdown}) fails at once with {@link WriteStallException} and writes nothing; a
 * stall timeout is opt-in and its failure leaves the database healthy.
 *
 * <p>The stall is made deterministic by holding the flush worker inside its flush (at {@link
 * CrashPoint#FLUSH_MID}) with one immutable memtable allowed: the next full memtable stalls.
 */
class WriteStallTest {
  private static final Path DIR = Path.of("/db");
  private static final byte[] VALUE = new byte[512];

  private final FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
  private final CountDownLatch flushEntered = new CountDownLatch(1);
  private final CountDownLatch releaseFlush = new CountDownLatch(1);

  private Options.Builder options() {
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.FLUSH_MID && Thread.currentThread().getName().startsWith("strata-flush")) {
            flushEntered.countDown();
            await(releaseFlush);
          }
        });
    return Options.builder()
        .fileSystem(fs)
        .memtableSizeBytes(16 * 1024)
        .maxImmutableMemtables(1);
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch released").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static byte[] key(String prefix, int i) {
    return (prefix + i).getBytes(StandardCharsets.UTF_8);
  }

  /** Writes until a write stalls; returns the future of the writing thread. */
  private static CompletableFuture<Integer> writeUntilStalled(StrataDB db) {
    return CompletableFuture.supplyAsync(
        () -> {
          int i = 0;
          for (; i < 2_000; i++) {
            db.put(key("a", i), VALUE);
          }
          return i;
        });
  }

  private static void awaitStall(StrataDB db) {
    // Polls a counter the stalled writer sets before it waits; each poll is a cheap property read.
    while (Long.parseLong(db.getProperty("strata.stall-count")) == 0) {
      Thread.onSpinWait();
    }
  }

  @Test
  void put_whileStalled_waitsForTheFlushAndSucceeds() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      CompletableFuture<Integer> writer = writeUntilStalled(db);
      await(flushEntered);
      awaitStall(db);
      assertThat(writer).isNotDone();

      releaseFlush.countDown();

      assertThat(writer.get(30, TimeUnit.SECONDS)).isEqualTo(2_000);
      assertThat(db.get(key("a", 1_999))).isEqualTo(VALUE);
    }
  }

  @Test
  void put_noSlowdownWhileStalled_failsAtOnceAndWritesNothing() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      CompletableFuture<Integer> writer = writeUntilStalled(db);
      await(flushEntered);
      awaitStall(db);
      WriteOptions noWait = WriteOptions.builder().noSlowdown(true).build();

      assertThatThrownBy(() -> db.put(key("b", 0), VALUE, noWait))
          .isInstanceOf(WriteStallException.class)
          .hasMessageContaining("immutable memtables");
      assertThat(db.get(key("b", 0))).isNull();

      releaseFlush.countDown();
      assertThat(writer.get(30, TimeUnit.SECONDS)).isEqualTo(2_000);
      // The writer's 2,000 puts made about 60 flushes: level 0 may stand at its slowdown trigger
      // until compaction catches up, and a noSlowdown write would rightly fail there too. Once
      // level 0 is compacted, nothing stalls.
      db.compactRange(null, null);
      db.put(key("b", 1), VALUE, noWait);
      assertThat(db.get(key("b", 1))).isEqualTo(VALUE);
    }
  }

  @Test
  void put_stallLongerThanTheOptInTimeout_failsAndLeavesTheDatabaseWritable() throws Exception {
    Options o = options().writeStallTimeout(Duration.ofMillis(200)).build();
    try (StrataDB db = StrataDB.open(DIR, o)) {
      CompletableFuture<Integer> writer = writeUntilStalled(db);
      await(flushEntered);

      assertThatThrownBy(() -> writer.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(WriteStallException.class)
          .hasMessageContaining("write stalled longer than PT0.2S");

      releaseFlush.countDown();
      db.flush();
      db.put(key("c", 0), VALUE);
      assertThat(db.get(key("c", 0))).isEqualTo(VALUE);
    }
  }
}
