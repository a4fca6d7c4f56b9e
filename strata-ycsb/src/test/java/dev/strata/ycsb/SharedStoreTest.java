package dev.strata.ycsb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import site.ycsb.DBException;

class SharedStoreTest {
  private final List<MemoryStore> opened = new CopyOnWriteArrayList<>();
  private final List<Path> openedDirs = new CopyOnWriteArrayList<>();
  private final SharedStore shared = new SharedStore("test.dir", "test.options",
      Set.of("size"), (dir, settings) -> {
        settings.intValue("size", 0);
        MemoryStore s = new MemoryStore();
        opened.add(s);
        openedDirs.add(dir);
        return s;
      });

  private static Properties props(String dir) {
    Properties p = new Properties();
    p.setProperty("test.dir", dir);
    return p;
  }

  @Test
  void acquire_threeTimes_opensOnceAndOnlyTheLastReleaseCloses() throws DBException {
    RecordStore a = shared.acquire(props("/tmp/x"));
    RecordStore b = shared.acquire(props("/tmp/x"));
    RecordStore c = shared.acquire(props("/tmp/x"));

    assertThat(a).isSameAs(b).isSameAs(c);
    assertThat(shared.opensForTesting()).isEqualTo(1);
    shared.release();
    shared.release();
    assertThat(opened.get(0).closed).isFalse();
    assertThat(shared.referencesForTesting()).isEqualTo(1);
    shared.release();
    assertThat(opened.get(0).closed).isTrue();
    assertThat(shared.isOpenForTesting()).isFalse();
  }

  @Test
  void acquire_afterLastRelease_opensAgain() throws DBException {
    shared.acquire(props("/tmp/x"));
    shared.release();

    RecordStore again = shared.acquire(props("/tmp/y"));

    assertThat(shared.opensForTesting()).isEqualTo(2);
    assertThat(again).isSameAs(opened.get(1));
    assertThat(openedDirs).containsExactly(Path.of("/tmp/x"), Path.of("/tmp/y"));
    shared.release();
  }

  @Test
  void acquire_fromEightThreadsAtOnce_opensOnce() throws Exception {
    int threads = 8;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<RecordStore>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          return shared.acquire(props("/tmp/x"));
        }));
      }
      for (Future<RecordStore> f : futures) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(opened.get(0));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(shared.opensForTesting()).isEqualTo(1);
    assertThat(shared.referencesForTesting()).isEqualTo(threads);
    for (int i = 0; i < threads; i++) {
      shared.release();
    }
    assertThat(opened).hasSize(1);
    assertThat(opened.get(0).closed).isTrue();
  }

  @Test
  void acquire_noDirectoryProperty_refusedNamingIt() {
    assertThatThrownBy(() -> shared.acquire(new Properties()))
        .isInstanceOf(DBException.class).hasMessageContaining("test.dir");
    assertThat(shared.referencesForTesting()).isZero();
  }

  @Test
  void acquire_badOptions_refusedAndNothingCounted() {
    Properties p = props("/tmp/x");
    p.setProperty("test.options", "colour=blue");

    assertThatThrownBy(() -> shared.acquire(p))
        .isInstanceOf(DBException.class).hasMessageContaining("colour");
    assertThat(shared.referencesForTesting()).isZero();
    assertThat(shared.isOpenForTesting()).isFalse();
  }

  @Test
  void acquire_otherDirectoryWhileOpen_refused() throws DBException {
    shared.acquire(props("/tmp/x"));

    assertThatThrownBy(() -> shared.acquire(props("/tmp/other")))
        .isInstanceOf(DBException.class).hasMessageContaining("already open");
    assertThat(shared.referencesForTesting()).isEqualTo(1);
    shared.release();
  }

  @Test
  void release_closeFails_reportedAndStoreCountsAsClosed() throws DBException {
    shared.acquire(props("/tmp/x"));
    opened.get(0).failOnClose = new IllegalStateException("disk gone");

    assertThatThrownBy(shared::release)
        .isInstanceOf(DBException.class).hasMessageContaining("disk gone");
    assertThat(shared.isOpenForTesting()).isFalse();
  }

  @Test
  void release_withoutAcquire_isAnError() {
    assertThatThrownBy(shared::release).isInstanceOf(IllegalStateException.class);
  }
}
