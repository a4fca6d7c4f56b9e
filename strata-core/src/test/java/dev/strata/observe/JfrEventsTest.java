package dev.strata.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.EventListener;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JFR events, recorded with the settings file the jar ships ({@code
 * META-INF/jfr/strata.jfc}) and read back with {@code jdk.jfr.consumer}: each carries the figures
 * of the work the test did.
 */
class JfrEventsTest {
  private static final long WAIT_SECONDS = 30;

  @TempDir Path tmp;

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static Configuration shippedSettings() throws Exception {
    try (Reader r =
        new InputStreamReader(
            JfrEventsTest.class.getResourceAsStream("/META-INF/jfr/strata.jfc"),
            StandardCharsets.UTF_8)) {
      return Configuration.create(r);
    }
  }

  @Test
  void shippedSettings_enableEveryStrataEvent() throws Exception {
    Configuration c = shippedSettings();
    for (String e : List.of("Flush", "Compaction", "WriteStall", "WalSync", "SlowGet")) {
      assertThat(c.getSettings()).containsEntry("dev.strata." + e + "#enabled", "true");
    }
  }

  @Test
  void recording_holdsFlushCompactionStallWalSyncAndSlowGet() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    CountDownLatch flushEntered = new CountDownLatch(1);
    CountDownLatch releaseFlush = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.FLUSH_MID
              && Thread.currentThread().getName().startsWith("strata-flush")
              && flushEntered.getCount() > 0) {
            flushEntered.countDown();
            try {
              releaseFlush.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    Path file = tmp.resolve("strata.jfr");
    long level0;
    long compactedBytes;
    try (Recording recording = new Recording(shippedSettings())) {
      // The in-memory file system forces in no time: the shipped 1 ms threshold would hide them.
      recording.enable("dev.strata.WalSync").withThreshold(Duration.ZERO);
      recording.start();
      Options o =
          Options.builder()
              .fileSystem(fs)
              .jmx(false)
              .name("jfr")
              .backgroundCompaction(false)
              .memtableSizeBytes(16 * 1024)
              .maxImmutableMemtables(1)
              .slowGetThreshold(Duration.ZERO)
              .listener(
                  new EventListener() {
                    @Override
                    public void onStallConditionsChanged(EventListener.StallInfo info) {
                      if (info.current() == EventListener.StallCondition.STOPPED) {
                        stopped.countDown();
                      }
                    }
                  })
              .build();
      try (StrataDB db = StrataDB.open(Path.of("/db"), o)) {
        CompletableFuture<Void> writer =
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < 100; i++) {
                    db.put(key(i), new byte[512]);
                  }
                });
        assertThat(flushEntered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        // The writer fills the next memtable and stops behind the held flush.
        assertThat(stopped.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        releaseFlush.countDown();
        writer.get(WAIT_SECONDS, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
          db.put(key(1000 + i), new byte[8], WriteOptions.SYNC);
        }
        db.flush();
        level0 = Long.parseLong(db.getProperty("strata.level-bytes0"));
        db.compactRange(null, null);
        compactedBytes = Long.parseLong(db.getProperty("strata.total-sst-bytes"));
        assertThat(db.get(key(7))).hasSize(512);
        assertThat(db.get("nope".getBytes(StandardCharsets.UTF_8))).isNull();
        // Gets are timed one in 8 for the histogram, but every one while SlowGet is enabled.
        for (int i = 0; i < 40; i++) {
          assertThat(db.get(key(i))).hasSize(512);
        }
      }
      recording.stop();
      recording.dump(file);
    }
    // -Dstrata.jfrExample=PATH keeps the recording, for docs/operations.md.
    String example = System.getProperty("strata.jfrExample");
    if (example != null) {
      java.nio.file.Files.copy(file, Path.of(example), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    List<RecordedEvent> events =
        RecordingFile.readAllEvents(file).stream()
            .filter(e -> e.getEventType().getName().startsWith("dev.strata."))
            .collect(Collectors.toList());

    List<RecordedEvent> flushes = ofType(events, "dev.strata.Flush");
    assertThat(flushes).hasSizeGreaterThanOrEqualTo(2);
    assertThat(flushes.stream().mapToLong(e -> e.getLong("bytesWritten")).sum()).isEqualTo(level0);
    assertThat(flushes).allMatch(e -> e.getString("db").equals("jfr") && e.getLong("entries") > 0);

    List<RecordedEvent> compactions = ofType(events, "dev.strata.Compaction");
    assertThat(compactions).isNotEmpty();
    RecordedEvent last = compactions.get(compactions.size() - 1);
    assertThat(last.getLong("bytesWritten")).isEqualTo(compactedBytes);
    assertThat(last.getString("reason")).isEqualTo("MANUAL");
    assertThat(last.getInt("inputFiles")).isGreaterThanOrEqualTo(1);

    List<RecordedEvent> stalls = ofType(events, "dev.strata.WriteStall");
    assertThat(stalls).isNotEmpty();
    assertThat(stalls.get(0).getString("condition")).isEqualTo("STOPPED");
    assertThat(stalls.get(0).getString("cause")).contains("immutable memtables");
    assertThat(stalls.get(0).getDuration()).isPositive();

    List<RecordedEvent> syncs = ofType(events, "dev.strata.WalSync");
    assertThat(syncs).hasSize(3);
    assertThat(syncs).allMatch(e -> e.getInt("writers") == 1);

    List<RecordedEvent> gets = ofType(events, "dev.strata.SlowGet");
    assertThat(gets).hasSize(2 + 40);
    assertThat(gets.get(0).getBoolean("found")).isTrue();
    assertThat(gets.get(1).getBoolean("found")).isFalse();
    assertThat(gets.get(1).getInt("keyBytes")).isEqualTo(4);
    assertThat(gets.get(0).getLong("nanos")).isPositive();
  }

  /** Below StatisticsLevel.ALL gets are not timed, so a recording sees no slow ones. */
  @Test
  void slowGet_belowLevelAll_isNotRaised() throws Exception {
    Path file = tmp.resolve("ticks.jfr");
    try (Recording recording = new Recording(shippedSettings())) {
      recording.start();
      Options o =
          Options.builder()
              .fileSystem(new FaultInjectionFileSystem(1))
              .jmx(false)
              .name("ticks")
              .slowGetThreshold(Duration.ZERO)
              .statisticsLevel(dev.strata.StatisticsLevel.TICKERS_ONLY)
              .build();
      try (StrataDB db = StrataDB.open(Path.of("/db"), o)) {
        db.put(key(1), new byte[8]);
        for (int i = 0; i < 20; i++) {
          assertThat(db.get(key(1))).hasSize(8);
        }
        // The same database at ALL raises one per get.
        db.getStatistics().setLevel(dev.strata.StatisticsLevel.ALL);
        for (int i = 0; i < 5; i++) {
          assertThat(db.get(key(1))).hasSize(8);
        }
      }
      recording.stop();
      recording.dump(file);
    }
    List<RecordedEvent> gets =
        ofType(RecordingFile.readAllEvents(file), "dev.strata.SlowGet").stream()
            .filter(e -> e.getString("db").equals("ticks"))
            .collect(Collectors.toList());
    assertThat(gets).hasSize(5);
  }

  private static List<RecordedEvent> ofType(List<RecordedEvent> events, String type) {
    return events.stream()
        .filter(e -> e.getEventType().getName().equals(type))
        .collect(Collectors.toList());
  }
}
