package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A monitoring call never waits behind disk I/O: every property answers while an install holds
 * the version lock across its manifest append and fsync (here held there on purpose).
 *
 * <p>Failed on 161ccc5: {@code getProperty("strata.num-files-at-level0")} took the version lock
 * and waited for the held install; the call did not return within 10 s (TimeoutException).
 */
class PropertiesDuringInstallTest {
  private static final Path DIR = Path.of("/db");

  @Test
  void getProperty_whileAnInstallHoldsTheManifest_answersAtOnce() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.MANIFEST_AFTER_APPEND
              && Thread.currentThread().getName().startsWith("strata-flush")) {
            held.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    try (StrataDB db = StrataDB.open(DIR, Options.builder().fileSystem(fs).build())) {
      db.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
      CompletableFuture<Void> flush = CompletableFuture.runAsync(db::flush);
      try {
        assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();

        for (String name :
            List.of(
                "strata.num-files-at-level0",
                "strata.level-bytes1",
                "strata.total-sst-bytes",
                "strata.compaction-pending",
                "strata.cur-size-all-mem-tables",
                "strata.size-all-mem-tables",
                "strata.estimate-pinned-iterator-mem",
                "strata.block-cache-usage",
                "strata.estimate-table-readers-mem",
                "strata.num-open-table-readers",
                "strata.compaction-buffer-bytes",
                "strata.estimate-heap-bytes",
                "strata.stats")) {
          CompletableFuture<String> answer =
              CompletableFuture.supplyAsync(() -> db.getProperty(name));
          assertThat(answer.get(10, TimeUnit.SECONDS)).as(name).isNotNull();
        }
      } finally {
        release.countDown();
      }
      flush.get(30, TimeUnit.SECONDS);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("1");
    }
  }
}
