package dev.strata.bench.jmh;

import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.memtable.Memtable;
import dev.strata.memtable.ShardedMemtable;
import dev.strata.memtable.SkipListMemtable;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Memtable throughput: puts of fresh random keys, gets of present keys, and mixes of both, for
 * {@link ShardedMemtable} with 1, 4, 16 and 64 shards and for {@link SkipListMemtable}. Thread
 * count is JMH's {@code -t} (or {@link MemtableScaling} for a sweep). Keys are 16 random bytes,
 * values 100 bytes. Sequence numbers come from a range of each thread's own ({@code
 * sequences=per-thread}, the default), so that the benchmark itself shares nothing between threads
 * but the memtable; {@code sequences=shared} takes them from one atomic counter, to show what that
 * counter costs. (The engine hands out sequences once per commit group, not per entry.)
 *
 * <p>Each iteration starts from a fresh memtable holding {@link #PRELOADED_KEYS} keys, with no
 * size limit, so that puts never find it full and the heap used by one iteration's puts is freed
 * before the next.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class MemtableBenchmark {
  /** Keys present at the start of every iteration; gets and mixed reads choose among them. */
  static final int PRELOADED_KEYS = 1 << 18;

  /**
   * The snapshot of every read: the largest sequence a write may carry, so reads see the newest
   * version. (Until 2026-12-05 reads passed {@code Long.MAX_VALUE}, whose seek trailer overflowed:
   * every get found its key and then missed it, in every memtable kind.)
   */
  static final long NEWEST = Trailer.MAX_SEQUENCE;

  static final int KEY_BYTES = 16;
  static final int VALUE_BYTES = 100;

  /** The memtable under test, shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Table {
    @Param({"sharded-1", "sharded-4", "sharded-16", "sharded-64", "skiplist"})
    public String memtable;

    Memtable table;
    byte[][] keys;
    final byte[] value = new byte[VALUE_BYTES];
    /** Sequence numbers of the preload, and of every add when {@code sequences=shared}. */
    final AtomicLong sequence = new AtomicLong();

    long nextSequence(ThreadRandom r) {
      return r.ownSequences ? ++r.sequence : sequence.incrementAndGet();
    }

    @Setup(Level.Iteration)
    public void fill() {
      table = create(memtable);
      SplittableRandom rnd = new SplittableRandom(42);
      rnd.nextBytes(value);
      keys = new byte[PRELOADED_KEYS][];
      for (int i = 0; i < PRELOADED_KEYS; i++) {
        keys[i] = randomKey(rnd);
        table.add(sequence.incrementAndGet(), ValueKind.VALUE, keys[i], value);
      }
      if (!java.util.Arrays.equals(table.get(keys[PRELOADED_KEYS - 1], NEWEST), value)) {
        throw new IllegalStateException("a preloaded key does not read back from " + memtable);
      }
      // Collect the previous iteration's table and the preload's garbage now, so that where the
      // collector moves the live keys and slabs is settled before the measurement: without it,
      // reads ran twice as fast in iterations that happened to follow a collection.
      System.gc();
    }

    static Memtable create(String kind) {
      if (kind.equals("skiplist")) {
        return new SkipListMemtable(Long.MAX_VALUE);
      }
      if (kind.startsWith("sharded-")) {
        return new ShardedMemtable(Integer.parseInt(kind.substring(8)), Long.MAX_VALUE);
      }
      throw new IllegalArgumentException("unknown memtable " + kind);
    }
  }

  /** The table of {@link #mixed}, with the share of reads. */
  @State(Scope.Benchmark)
  public static class MixedTable extends Table {
    @Param({"90", "50"})
    public int readPercent;
  }

  /** Each benchmark thread's random source. */
  @State(Scope.Thread)
  public static class ThreadRandom {
    private static final AtomicInteger SEEDS = new AtomicInteger();
    /** {@code per-thread}: each thread its own range of sequences; {@code shared}: one counter. */
    @Param({"per-thread"})
    public String sequences;

    SplittableRandom rnd;
    boolean ownSequences;

    /** This thread's last sequence; threads' ranges start 2^40 apart, above the preload's. */
    long sequence;

    @Setup(Level.Trial)
    public void seed() {
      int id = SEEDS.incrementAndGet();
      rnd = new SplittableRandom(1000L + id);
      ownSequences = sequences.equals("per-thread");
      sequence = (long) id << 40;
    }
  }

  /**
   * Keys for {@link #putFromPool}, generated before the trial so that generating and filtering
   * them costs nothing inside the measurement. {@code any-shard}: random keys, as {@link #put}
   * writes; {@code own-shards}: random keys of the shards this thread owns (shard {@code hash &
   * 15}, owned by thread {@code shard % threads}), so that with sharded-16 no two threads ever
   * write the same shard. The pair shows what the threads' sharing of a shard costs: its lock word
   * and its arena's tail move between cores on every put otherwise. Each iteration starts from the
   * pool's first key again (its memtable is fresh).
   */
  @State(Scope.Thread)
  public static class KeyPool {
    /** Keys per thread: more than one thread puts in one 2-second iteration. */
    static final int SIZE = 2_000_000;

    @Param({"any-shard", "own-shards"})
    public String keys;

    byte[][] pool;
    int next;

    @Setup(Level.Trial)
    public void generate(ThreadRandom r, org.openjdk.jmh.infra.ThreadParams thread) {
      int threads = thread.getThreadCount();
      int index = thread.getThreadIndex();
      boolean own = keys.equals("own-shards");
      SplittableRandom rnd = new SplittableRandom(r.rnd.nextLong());
      pool = new byte[SIZE][];
      for (int i = 0; i < SIZE; ) {
        byte[] k = randomKey(rnd);
        if (!own || (int) (dev.strata.util.Bytes.hash64(k) & 15) % threads == index) {
          pool[i++] = k;
        }
      }
    }

    @Setup(Level.Iteration)
    public void rewind() {
      next = 0;
    }

    byte[] nextKey() {
      byte[] k = pool[next];
      next = next + 1 == SIZE ? 0 : next + 1;
      return k;
    }
  }

  static byte[] randomKey(SplittableRandom rnd) {
    byte[] k = new byte[KEY_BYTES];
    rnd.nextBytes(k);
    return k;
  }

  @Benchmark
  public void put(Table t, ThreadRandom r) {
    t.table.add(t.nextSequence(r), ValueKind.VALUE, randomKey(r.rnd), t.value);
  }

  /** As {@link #put}, with keys from the thread's {@link KeyPool}. */
  @Benchmark
  public void putFromPool(Table t, ThreadRandom r, KeyPool k) {
    t.table.add(t.nextSequence(r), ValueKind.VALUE, k.nextKey(), t.value);
  }

  @Benchmark
  public byte[] get(Table t, ThreadRandom r) {
    return t.table.get(t.keys[r.rnd.nextInt(PRELOADED_KEYS)], NEWEST);
  }

  /** A read of a present key or an overwrite of one, {@code readPercent} to the rest. */
  @Benchmark
  public byte[] mixed(MixedTable t, ThreadRandom r) {
    byte[] key = t.keys[r.rnd.nextInt(PRELOADED_KEYS)];
    if (r.rnd.nextInt(100) < t.readPercent) {
      return t.table.get(key, NEWEST);
    }
    t.table.add(t.nextSequence(r), ValueKind.VALUE, key, t.value);
    return key;
  }
}
