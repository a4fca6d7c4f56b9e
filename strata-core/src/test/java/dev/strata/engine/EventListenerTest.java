package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.EventListener;
import dev.strata.EventListener.StallCondition;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Listeners hear every background event with its figures, on the database's event thread, with no
 * engine lock held; a listener that throws changes nothing for the database or other listeners.
 */
class EventListenerTest {
  private static final Path DIR = Path.of("/db");
  private static final long WAIT_SECONDS = 30;

  private final FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);

  /** Records every callback as "name:info" and hands it to the test through a queue. */
  private static final class Recorder implements EventListener {
    final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    final List<String> threads = Collections.synchronizedList(new ArrayList<>());

    private void add(Object info) {
      threads.add(Thread.currentThread().getName());
      events.add(info);
    }

    @Override
    public void onMemtableSealed(MemtableInfo info) {
      add(info);
    }

    @Override
    public void onFlushBegin(FlushInfo info) {
      add(info);
    }

    @Override
    public void onFlushCompleted(FlushInfo info) {
      add(info);
    }

    @Override
    public void onCompactionBegin(CompactionInfo info) {
      add(info);
    }

    @Override
    public void onCompactionCompleted(CompactionInfo info) {
      add(info);
    }

    @Override
    public void onTableFileCreated(TableFileInfo info) {
      add(info);
    }

    @Override
    public void onTableFileDeleted(TableFileInfo info) {
      add(info);
    }

    @Override
    public void onStallConditionsChanged(StallInfo info) {
      add(info);
    }

    @Override
    public void onBackgroundError(BackgroundErrorInfo info) {
      add(info);
    }

    /** The next event of type {@code type}, skipping others. */
    <T> T next(Class<T> type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (true) {
        Object o = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        assertThat(o).as("an event of type %s", type.getSimpleName()).isNotNull();
        if (type.isInstance(o)) {
          return type.cast(o);
        }
      }
    }
  }

  private Options.Builder options(EventListener... listeners) {
    Options.Builder b =
        Options.builder().fileSystem(fs).jmx(false).backgroundCompaction(false).name("events");
    for (EventListener l : listeners) {
      b.listener(l);
    }
    return b;
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void flushAndCompaction_reportTheirFiguresOnTheEventThread() throws Exception {
    Recorder r = new Recorder();
    try (StrataDB db = StrataDB.open(DIR, options(r).build())) {
      for (int i = 0; i < 100; i++) {
        db.put(key(i), new byte[20]);
      }
      db.flush();
      EventListener.MemtableInfo sealed = r.next(EventListener.MemtableInfo.class);
      assertThat(sealed.entries()).isEqualTo(100);
      assertThat(sealed.reason()).isEqualTo("flush");
      assertThat(sealed.dbName()).isEqualTo("events");
      EventListener.FlushInfo begin = r.next(EventListener.FlushInfo.class);
      assertThat(begin.walNumber()).isEqualTo(sealed.walNumber());
      assertThat(begin.fileNumber()).isEqualTo(-1);
      EventListener.TableFileInfo created = r.next(EventListener.TableFileInfo.class);
      EventListener.FlushInfo done = r.next(EventListener.FlushInfo.class);
      long level0 = Long.parseLong(db.getProperty("strata.level-bytes0"));
      assertThat(done.entries()).isEqualTo(100);
      assertThat(done.bytesWritten()).isEqualTo(level0);
      assertThat(done.fileNumber()).isEqualTo(created.fileNumber());
      assertThat(created.fileSize()).isEqualTo(level0);
      assertThat(created.level()).isZero();
      assertThat(created.reason()).isEqualTo("flush");
      assertThat(created.path().getFileName().toString()).endsWith(".sst");

      for (int i = 0; i < 100; i += 2) {
        db.put(key(i), new byte[30]);
      }
      db.compactRange(null, null);
      EventListener.CompactionInfo cb = r.next(EventListener.CompactionInfo.class);
      assertThat(cb.level()).isZero();
      assertThat(cb.inputFiles()).contains(created.fileNumber()).hasSize(2);
      assertThat(cb.outputFiles()).isEmpty();
      assertThat(cb.reason()).isEqualTo("MANUAL");
      EventListener.CompactionInfo cc = r.next(EventListener.CompactionInfo.class);
      assertThat(cc.inputFiles()).isEqualTo(cb.inputFiles());
      assertThat(cc.outputFiles()).hasSize(1);
      assertThat(cc.bytesRead()).isGreaterThan(level0);
      assertThat(cc.bytesWritten())
          .isEqualTo(Long.parseLong(db.getProperty("strata.level-bytes" + cc.outputLevel())));
      assertThat(cc.duration()).isPositive();
      List<Long> deleted = new ArrayList<>();
      while (deleted.size() < 2) {
        EventListener.TableFileInfo f = r.next(EventListener.TableFileInfo.class);
        if (f.reason().equals("obsolete")) {
          deleted.add(f.fileNumber());
        }
      }
      assertThat(deleted).containsExactlyInAnyOrderElementsOf(cb.inputFiles());
    }
    assertThat(r.threads).isNotEmpty().allMatch(t -> t.equals("strata-events-events"));
  }

  @Test
  void callback_holdsNoEngineLock_anotherThreadWritesReadsAndFlushes() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    CountDownLatch bothFlushesHeard = new CountDownLatch(2);
    StrataDB[] self = new StrataDB[1];
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    EventListener l =
        new EventListener() {
          @Override
          public void onFlushCompleted(FlushInfo info) {
            // Counted before the latch opens: the test reads the count once both flushes are
            // heard (counting after it raced with that read).
            int call = calls.incrementAndGet();
            bothFlushesHeard.countDown();
            if (call != 1) {
              return;
            }
            // Had the engine called this under any of its locks (the commit queue, the memtable
            // switch, the version or compaction lock), the other thread's put, flush or get would
            // wait for it, and the callback waits for them: a deadlock the timeout turns into a
            // failure.
            try {
              CompletableFuture.runAsync(
                      () -> {
                        StrataDB db = self[0];
                        db.put(key(999), "from-listener".getBytes(StandardCharsets.UTF_8));
                        db.flush();
                        assertThat(db.get(key(999))).asString().isEqualTo("from-listener");
                        db.compactRange(null, null);
                      })
                  .get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception | AssertionError e) {
              failures.add(e);
            } finally {
              done.countDown();
            }
          }
        };
    try (StrataDB db = StrataDB.open(DIR, options(l).build())) {
      self[0] = db;
      db.put(key(1), new byte[10]);
      db.flush();
      assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(failures).isEmpty();
      assertThat(db.get(key(999))).isNotNull();
      // The listener's own flush is heard too, once the first callback returned.
      assertThat(bothFlushesHeard.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(calls.get()).isEqualTo(2);
    }
  }

  @Test
  void throwingListener_isLogged_andNeitherTheDatabaseNorTheNextListenerNotice() throws Exception {
    AtomicInteger thrown = new AtomicInteger();
    EventListener bad =
        new EventListener() {
          @Override
          public void onFlushBegin(FlushInfo info) {
            thrown.incrementAndGet();
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onFlushCompleted(FlushInfo info) {
            thrown.incrementAndGet();
            throw new AssertionError("listener assertion");
          }
        };
    Recorder good = new Recorder();
    try (StrataDB db = StrataDB.open(DIR, options(bad, good).build())) {
      for (int round = 0; round < 3; round++) {
        db.put(key(round), new byte[10]);
        db.flush();
        assertThat(good.next(EventListener.FlushInfo.class).fileNumber()).isEqualTo(-1);
        assertThat(good.next(EventListener.FlushInfo.class).fileNumber()).isPositive();
      }
      assertThat(thrown.get()).isEqualTo(6);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("3");
      db.put(key(10), new byte[1]);
      assertThat(db.get(key(10))).hasSize(1);
    }
  }

  @Test
  void stall_reportsStoppedThenNormal_withTheCause() throws Exception {
    CountDownLatch flushEntered = new CountDownLatch(1);
    CountDownLatch releaseFlush = new CountDownLatch(1);
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.FLUSH_MID && Thread.currentThread().getName().startsWith("strata-flush")) {
            flushEntered.countDown();
            try {
              releaseFlush.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    Recorder r = new Recorder();
    Options o = options(r).memtableSizeBytes(16 * 1024).maxImmutableMemtables(1).build();
    try (StrataDB db = StrataDB.open(DIR, o)) {
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 200; i++) {
                  db.put(key(i), new byte[512]);
                }
              });
      assertThat(flushEntered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      EventListener.StallInfo stopped = r.next(EventListener.StallInfo.class);
      assertThat(stopped.previous()).isEqualTo(StallCondition.NORMAL);
      assertThat(stopped.current()).isEqualTo(StallCondition.STOPPED);
      assertThat(stopped.cause()).contains("immutable memtables wait for flush");
      assertThat(db.getProperty("strata.stall-condition")).isEqualTo("STOPPED");
      releaseFlush.countDown();
      EventListener.StallInfo normal = r.next(EventListener.StallInfo.class);
      assertThat(normal.previous()).isEqualTo(StallCondition.STOPPED);
      assertThat(normal.current()).isEqualTo(StallCondition.NORMAL);
      writer.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(db.getStatistics().tickerCount(dev.strata.Ticker.STALLS)).isPositive();
      // The first stop of the minute is a WARN; the stops after it within the minute are not.
      String log = new String(fs.read(DIR.resolve("LOG")), StandardCharsets.UTF_8);
      assertThat(log.split("WARN \\[", -1)).hasSize(2);
      assertThat(log).contains("writes stopped (1 immutable memtables wait for flush)");
    }
  }

  @Test
  void failedFlush_reportsTheErrorAndThatWritesGoOn() throws Exception {
    Recorder r = new Recorder();
    try (StrataDB db = StrataDB.open(DIR, options(r).build())) {
      db.put(key(1), new byte[10]);
      // Twice: an attempt woken by the switch may fail before flush() asks for one at once.
      fs.failNext(FaultInjectionFileSystem.Op.SYNC, p -> p.toString().endsWith(".sst"));
      fs.failNext(FaultInjectionFileSystem.Op.SYNC, p -> p.toString().endsWith(".sst"));
      assertThatThrownBy(db::flush).isInstanceOf(StrataException.class);
      fs.healthy();
      EventListener.BackgroundErrorInfo e = r.next(EventListener.BackgroundErrorInfo.class);
      assertThat(e.operation()).isEqualTo("flush");
      assertThat(e.writesAccepted()).isTrue();
      assertThat(e.error()).isNotNull();
      assertThat(e.dbName()).isEqualTo("events");
      assertThat(db.getStatistics().tickerCount(dev.strata.Ticker.BACKGROUND_ERRORS))
          .isBetween(1L, 2L);
      db.put(key(2), new byte[10]);
      db.flush();
    }
  }

  @Test
  void failedWalSync_reportsTheErrorAndThatWritesAreRefused() throws Exception {
    Recorder r = new Recorder();
    try (StrataDB db = StrataDB.open(DIR, options(r).build())) {
      db.put(key(1), new byte[10]);
      fs.failNext(FaultInjectionFileSystem.Op.SYNC, p -> p.toString().endsWith(".log"));
      assertThatThrownBy(() -> db.put(key(2), new byte[10], dev.strata.WriteOptions.SYNC))
          .isInstanceOf(StrataException.class);
      EventListener.BackgroundErrorInfo e = r.next(EventListener.BackgroundErrorInfo.class);
      assertThat(e.operation()).isNotEqualTo("flush");
      assertThat(e.writesAccepted()).isFalse();
      assertThat(e.error()).isNotNull();
      assertThat(db.getStatistics().tickerCount(dev.strata.Ticker.BACKGROUND_ERRORS)).isEqualTo(1);
      assertThatThrownBy(() -> db.put(key(3), new byte[10])).isInstanceOf(StrataException.class);
    }
  }

  @Test
  void close_deliversPendingEvents_andEndsTheEventThread() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger delivered = new AtomicInteger();
    EventListener slow =
        new EventListener() {
          @Override
          public void onMemtableSealed(MemtableInfo info) {
            try {
              release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            delivered.incrementAndGet();
          }

          @Override
          public void onFlushCompleted(FlushInfo info) {
            delivered.incrementAndGet();
          }
        };
    DbImpl db = (DbImpl) StrataDB.open(DIR, options(slow).build());
    List<Thread> threads = db.backgroundThreadsForTesting();
    assertThat(threads).anyMatch(t -> t.getName().equals("strata-events-events"));
    db.put(key(1), new byte[10]);
    db.flush();
    release.countDown();
    db.close();
    assertThat(delivered.get()).isEqualTo(2);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      assertThat(t.isAlive()).as("%s alive", t.getName()).isFalse();
    }
  }
}
