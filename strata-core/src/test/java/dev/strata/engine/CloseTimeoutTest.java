package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A close whose wait for background work runs out keeps the directory lock until that work ends:
 * no other open can take the directory while a flush of the closed database still writes to it.
 *
 * <p>Failed on 161ccc5 (with the close wait shortened as here): close released the lock while the
 * flush was held inside its table, and the second open succeeded beside it.
 */
class CloseTimeoutTest {
  private static final Path DIR = Path.of("/db");
  private static final byte[] K = "k".getBytes(StandardCharsets.UTF_8);
  private static final byte[] V = "v".getBytes(StandardCharsets.UTF_8);

  @Test
  void close_whileAFlushOutlivesTheWait_keepsTheLockUntilTheFlushEnds() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    CountDownLatch inFlush = new CountDownLatch(1);
    CountDownLatch releaseFlush = new CountDownLatch(1);
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.FLUSH_MID
              && Thread.currentThread().getName().startsWith("strata-flush")) {
            inFlush.countDown();
            try {
              releaseFlush.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    Options o = Options.builder().fileSystem(fs).build();
    DbImpl db = (DbImpl) StrataDB.open(DIR, o);
    db.put(K, V);
    CompletableFuture<Void> flush = CompletableFuture.runAsync(db::flush);
    assertThat(inFlush.await(30, TimeUnit.SECONDS)).isTrue();
    db.setCloseTimeoutForTesting(50);

    db.close();

    assertThat(db.releasedForTesting()).isNotDone();
    assertThatThrownBy(() -> StrataDB.open(DIR, o))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("lock");
    releaseFlush.countDown();
    db.releasedForTesting().get(30, TimeUnit.SECONDS);
    // The waiting flush call ends either way: failed by the close, or done if the flush won.
    flush.handle((done, failure) -> null).get(30, TimeUnit.SECONDS);
    try (StrataDB reopened = StrataDB.open(DIR, o)) {
      assertThat(reopened.get(K)).isEqualTo(V);
    }
  }
}
