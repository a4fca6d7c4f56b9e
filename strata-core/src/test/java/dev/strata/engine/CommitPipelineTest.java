package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.strata.StrataException;
import dev.strata.key.ValueKind;
import dev.strata.memtable.Memtable;
import dev.strata.testing.Seeds;
import dev.strata.wal.WalOps;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The commit pipeline against a scripted engine: the next group reaches the WAL while an earlier
 * group still inserts, groups are published in WAL order, and a memtable switch or a control
 * action waits for every insert in flight. A randomized run checks the same invariants under
 * contention.
 */
class CommitPipelineTest {
  private static final long TIMEOUT_SECONDS = 30;

  private final List<Thread> threads = new ArrayList<>();

  /** The randomized test's pipeline, for its engine's memtable switches. */
  private final CommitPipeline[] pipelineRef = new CommitPipeline[1];

  /** The randomized test's visible sequence. */
  private final AtomicLong visibleRef = new AtomicLong();

  /** Opens writer A's blocked insert; a failed test leaves it for teardown. */
  private final CountDownLatch releaseA = new CountDownLatch(1);

  @AfterEach
  void joinThreads() {
    releaseA.countDown();
    joinAll();
  }

  /**
   * What every test engine shares: no memtable (the scripted operations insert nowhere), no
   * sticky error, and a background error reported as {@code description}.
   */
  private abstract static class TestEngine implements CommitPipeline.Engine {
    abstract void failure(String description);

    @Override
    public final Memtable[] activeMemtables() {
      return new Memtable[1];
    }

    @Override
    public final void recordBackgroundError(Throwable t) {
      failure("background error " + t);
    }

    @Override
    public final Throwable backgroundError() {
      return null;
    }
  }

  /** An engine that logs what the pipeline asks of it. */
  private static final class ScriptedEngine extends TestEngine {
    final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    final AtomicLong visible = new AtomicLong();
    volatile CommitPipeline pipeline;
    /** When set, the next makeRoomForWrite switches the memtable (waits for inserts first). */
    volatile boolean switchNext;
    final CountDownLatch switching = new CountDownLatch(1);

    @Override
    public void makeRoomForWrite(boolean noSlowdown) {
      if (switchNext) {
        switchNext = false;
        events.add("switch-start");
        switching.countDown();
        pipeline.awaitInsertsDrained();
        events.add("switched");
      }
    }

    /** When set, the next append fails (and clears the flag). */
    volatile boolean failNextAppend;

    @Override
    public void appendToWal(long firstSequence, WalOps[] members, int count, boolean sync)
        throws IOException {
      if (failNextAppend) {
        failNextAppend = false;
        events.add("append failed " + firstSequence);
        throw new IOException("injected append failure");
      }
      events.add("append " + firstSequence);
    }

    @Override
    public void publishSequence(long sequence) {
      events.add("publish " + sequence);
      visible.set(sequence);
    }

    @Override
    void failure(String description) {
      events.add(description);
    }

    int indexOf(String event) {
      int i = 0;
      for (String e : events) {
        if (e.equals(event)) {
          return i;
        }
        i++;
      }
      return -1;
    }
  }

  /** Operations that take {@code count} sequence numbers and hand the first to a callback. */
  private static final class ScriptedOps extends CommitPipeline.Ops {
    private final int count;
    private final LongConsumer onInsert;

    ScriptedOps(int count, LongConsumer onInsert) {
      this.count = count;
      this.onInsert = onInsert;
    }

    @Override
    public int count() {
      return count;
    }

    @Override
    public int encodedBytes() {
      return 16 * count;
    }

    @Override
    public int encode(byte[] dst, int pos) {
      return pos;
    }

    @Override
    void insert(Memtable[] mems, long firstSequence) {
      onInsert.accept(firstSequence);
    }
  }

  private final ScriptedEngine engine = new ScriptedEngine();
  private final CommitPipeline pipeline = newPipeline(engine);

  private static CommitPipeline newPipeline(ScriptedEngine engine) {
    CommitPipeline p = new CommitPipeline(engine, 0);
    engine.pipeline = p;
    return p;
  }

  private Thread start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    threads.add(t);
    t.start();
    return t;
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail("timed out waiting for a latch");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits until {@code t} is parked (its progress depends on another thread) or finished. */
  private static void awaitBlockedOrDone(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      Thread.State s = t.getState();
      if (s == Thread.State.WAITING || s == Thread.State.TERMINATED) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        fail(t.getName() + " neither parked nor finished: " + s);
      }
      Thread.onSpinWait();
    }
  }

  /** Starts writer A, whose insert blocks until {@link #releaseA} opens, and waits for it. */
  private void startBlockedWriter() {
    CountDownLatch inserting = new CountDownLatch(1);
    start(
        "writer-A",
        () ->
            pipeline.commit(
                new ScriptedOps(
                    1,
                    seq -> {
                      engine.events.add("insert-start " + seq);
                      inserting.countDown();
                      await(releaseA);
                      engine.events.add("insert-end " + seq);
                    }),
                false,
                false,
                false));
    await(inserting);
  }

  @Test
  void nextGroupAppendsWhileEarlierGroupInserts_andPublishesInWalOrder() {
    startBlockedWriter();

    CountDownLatch bInserted = new CountDownLatch(1);
    Thread b =
        start(
            "writer-B",
            () ->
                pipeline.commit(
                    new ScriptedOps(
                        2,
                        seq -> {
                          engine.events.add("insert " + seq);
                          bInserted.countDown();
                        }),
                    true,
                    false,
                    false));
    // B leads its own group and inserts while A's group is still inserting.
    await(bInserted);
    assertThat(engine.events).contains("append 2", "insert 2");
    // B's group is inserted but not published: A's earlier group is not.
    awaitBlockedOrDone(b);
    assertThat(b.getState()).as("B returned before A's earlier group").isNotEqualTo(
        Thread.State.TERMINATED);
    assertThat(engine.visible.get()).isZero();
    assertThat(engine.events).doesNotContain("publish 1", "publish 3");

    releaseA.countDown();
    joinAll();
    assertThat(engine.visible.get()).isEqualTo(3);
    assertThat(engine.indexOf("insert-end 1")).isLessThan(engine.indexOf("publish 1"));
    assertThat(engine.indexOf("publish 1")).isLessThan(engine.indexOf("publish 3"));
  }

  @Test
  void memtableSwitchWaitsForInsertsInFlight() {
    startBlockedWriter();

    engine.switchNext = true;
    Thread b =
        start(
            "writer-B",
            () -> pipeline.commit(new ScriptedOps(1, seq -> {}), false, false, false));
    await(engine.switching);
    awaitBlockedOrDone(b);
    assertThat(engine.events).doesNotContain("switched", "append 2");

    releaseA.countDown();
    joinAll();
    assertThat(engine.indexOf("publish 1")).isLessThan(engine.indexOf("switched"));
    assertThat(engine.indexOf("switched")).isLessThan(engine.indexOf("append 2"));
    assertThat(engine.visible.get()).isEqualTo(2);
  }

  @Test
  void controlActionWaitsForInsertsInFlight() {
    startBlockedWriter();

    Thread c = start("control", () -> pipeline.runExclusive(() -> engine.events.add("control")));
    awaitBlockedOrDone(c);
    assertThat(engine.events).doesNotContain("control");

    releaseA.countDown();
    joinAll();
    assertThat(engine.indexOf("publish 1")).isLessThan(engine.indexOf("control"));
  }

  /**
   * Writers are reused from one write to the next: a write after a failed one on the same thread
   * starts with no error, no group and no sequence of the failed one.
   */
  @Test
  void writeAfterFailedGroupOnSameThread_startsClean() {
    engine.failNextAppend = true;
    assertThatThrownBy(
            () -> pipeline.commit(
                new ScriptedOps(2, seq -> engine.events.add("insert " + seq)), false, false, false))
        .isInstanceOf(StrataException.class)
        .hasRootCauseMessage("injected append failure");
    assertThat(engine.events).containsExactly("append failed 1", "background error "
        + new IOException("injected append failure"));

    for (int i = 0; i < 2; i++) {
      pipeline.commit(
          new ScriptedOps(1, seq -> engine.events.add("insert " + seq)), false, false, false);
    }
    assertThat(engine.events)
        .containsSubsequence(
            "append 1", "insert 1", "publish 1", "append 2", "insert 2", "publish 2")
        .doesNotContain("insert 3");
    assertThat(engine.visible.get()).isEqualTo(2);
  }

  /**
   * A reused writer keeps nothing of the write it made: once a commit returns, its operations
   * (and through them the caller's arrays) are the collector's.
   */
  @Test
  void committedOperations_areNotRetained() {
    List<WeakReference<ScriptedOps>> committed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ScriptedOps ops = new ScriptedOps(1 + i, seq -> {});
      committed.add(new WeakReference<>(ops));
      pipeline.commit(ops, false, false, false);
    }
    List<WeakReference<byte[]>> arrays = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      byte[] key = new byte[] {(byte) i};
      byte[] value = new byte[100];
      arrays.add(new WeakReference<>(key));
      arrays.add(new WeakReference<>(value));
      pipeline.commitSingle(0, ValueKind.VALUE, key, value, false, false, false);
    }
    for (int i = 0;
        i < 20
            && (committed.stream().anyMatch(r -> r.get() != null)
                || arrays.stream().anyMatch(r -> r.get() != null));
        i++) {
      System.gc();
    }
    assertThat(committed).allSatisfy(r -> assertThat(r.get()).isNull());
    assertThat(arrays).allSatisfy(r -> assertThat(r.get()).isNull());
    assertThat(engine.visible.get()).isEqualTo(9);
  }

  @Test
  void randomizedCommits_publishOnlyInsertedPrefixes() {
    long seed = Seeds.seed("CommitPipelineTest.randomizedCommits");
    int writers = 4;
    int commitsPerWriter = 3_000;
    int maxOps = 3;
    AtomicLongArray inserted = new AtomicLongArray(writers * commitsPerWriter * maxOps + 1);
    AtomicLong appendedThrough = new AtomicLong();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    Random switches = new Random(seed);
    CommitPipeline.Engine checking =
        new TestEngine() {
          private long published;
          private final Random rnd = switches;

          @Override
          public void makeRoomForWrite(boolean noSlowdown) {
            // Leader only, so the Random is confined to the leader of the moment.
            if (rnd.nextInt(20) == 0) {
              pipelineRef[0].awaitInsertsDrained();
              long through = appendedThrough.get();
              for (long s = 1; s <= through; s++) {
                if (inserted.get((int) s) == 0) {
                  violations.add("switch with sequence " + s + " still inserting");
                }
              }
            }
          }

          @Override
          public void appendToWal(long firstSequence, WalOps[] members, int count, boolean sync) {
            long expected = appendedThrough.get() + 1;
            if (firstSequence != expected) {
              violations.add("append at " + firstSequence + ", expected " + expected);
            }
            long n = 0;
            for (int i = 0; i < count; i++) {
              n += members[i].count();
            }
            appendedThrough.set(firstSequence + n - 1);
          }

          @Override
          public void publishSequence(long sequence) {
            if (sequence <= published) {
              violations.add("published " + sequence + " after " + published);
            }
            for (long s = published + 1; s <= sequence; s++) {
              if (inserted.get((int) s) == 0) {
                violations.add("published " + sequence + " before " + s + " was inserted");
              }
            }
            published = sequence;
            visibleRef.set(sequence);
          }

          @Override
          void failure(String description) {
            violations.add(description);
          }
        };
    CommitPipeline p = new CommitPipeline(checking, 0);
    pipelineRef[0] = p;
    CountDownLatch go = new CountDownLatch(1);
    for (int w = 0; w < writers; w++) {
      Random rnd = new Random(seed + w);
      start(
          "writer-" + w,
          () -> {
            await(go);
            for (int i = 0; i < commitsPerWriter; i++) {
              int n = 1 + rnd.nextInt(maxOps);
              long[] first = new long[1];
              ScriptedOps ops =
                  new ScriptedOps(
                      n,
                      seq -> {
                        first[0] = seq;
                        for (int k = 0; k < n; k++) {
                          // Stretch some inserts so that later groups overtake them.
                          if (rnd.nextInt(4) == 0) {
                            Thread.yield();
                          }
                          inserted.set((int) (seq + k), 1);
                        }
                      });
              p.commit(ops, rnd.nextInt(10) == 0, false, false);
              if (visibleRef.get() < first[0] + n - 1) {
                violations.add("commit returned before its write was visible");
              }
            }
          });
    }
    go.countDown();
    joinAll();
    assertThat(violations).as("seed %d", seed).isEmpty();
    assertThat(visibleRef.get()).isEqualTo(appendedThrough.get());
    assertThat(appendedThrough.get()).isGreaterThanOrEqualTo((long) writers * commitsPerWriter);
  }

  /** Joins every thread the test started, each within the timeout. */
  private void joinAll() {
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
    }
  }
}
