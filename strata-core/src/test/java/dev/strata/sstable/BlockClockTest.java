package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.CallerThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The block cache's CLOCK: what a sweep evicts and spares, the weight bound, removals, and the
 * accounting under threads that insert, look up and remove the same keys at once.
 */
class BlockClockTest {
  /** A layout shared by the test entries: its weight is all that matters here. */
  private static final Block LAYOUT =
      BlockTest.build(List.of(Entry.put("k", 1, "v")), 16).withData(null);

  private static final int PAGES = 8;
  private static final long WEIGHT = BlockCache.Entry.weightOf(LAYOUT, PAGES);

  private static BlockCache.Key key(long offset) {
    return new BlockCache.Key(1, offset);
  }

  private static BlockCache.Entry entry(BlockCache.Key key) {
    return new BlockCache.Entry(key, LAYOUT, new int[PAGES]);
  }

  /** Records what the clock removed, in order. */
  private static final class Removals implements BlockClock.Listener {
    final List<BlockCache.Key> evicted = new ArrayList<>();
    final List<BlockCache.Key> removed = new ArrayList<>();

    @Override
    public void removed(BlockCache.Entry e, boolean forRoom) {
      (forRoom ? evicted : removed).add(e.key);
      e.live = false;
    }
  }

  /**
   * A clock holding {@code n} entries of {@link #WEIGHT}, keys 0 to {@code n - 1} inserted in
   * order, and no room for another.
   */
  private static BlockClock full(int n, Removals removals) {
    BlockClock clock = new BlockClock(n * WEIGHT, removals);
    for (long i = 0; i < n; i++) {
      assertThat(insert(clock, i)).isTrue();
    }
    return clock;
  }

  private static boolean insert(BlockClock clock, long offset) {
    BlockCache.Key k = key(offset);
    return clock.insert(k, WEIGHT, () -> entry(k));
  }

  @Test
  void anEntryLookedUpSinceTheLastSweep_getsASecondChance_andTheFirstOneNotIsEvicted() {
    Removals removals = new Removals();
    BlockClock clock = full(3, removals);
    assertThat(clock.get(key(0))).isNotNull();

    assertThat(insert(clock, 3)).isTrue();
    assertThat(removals.evicted).as("0 was looked up; 1 was not").containsExactly(key(1));
    assertThat(clock.peek(key(0))).isNotNull();
    assertThat(clock.peek(key(1))).isNull();

    // The sweep cleared 0's bit: unless looked up again, 0 goes before 2 and 3.
    assertThat(insert(clock, 4)).isTrue();
    assertThat(removals.evicted).containsExactly(key(1), key(2));
    assertThat(insert(clock, 5)).isTrue();
    assertThat(removals.evicted).containsExactly(key(1), key(2), key(0));
    assertThat(clock.size()).isEqualTo(3);
    assertThat(clock.weight()).isEqualTo(3 * WEIGHT);
  }

  @Test
  void whenEveryEntryWasLookedUp_theSweepClearsThemAll_andEvictsWhereItStarted() {
    Removals removals = new Removals();
    BlockClock clock = full(4, removals);
    for (long i = 0; i < 4; i++) {
      clock.get(key(i));
    }
    assertThat(insert(clock, 9)).isTrue();
    assertThat(removals.evicted).containsExactly(key(0));
    for (long i = 1; i < 4; i++) {
      assertThat(clock.peek(key(i)).referenced).as("bit of %d cleared by the sweep", i).isFalse();
    }
  }

  /**
   * Lookups that set every bit again as fast as the hand clears them (here: at each step of the
   * sweep) cannot hold an insert forever: after two turns the entry under the hand goes.
   */
  @Test
  void lookupsThatKeepEveryBitSet_stillLetAnInsertEvict() {
    Removals removals = new Removals();
    BlockClock clock = full(4, removals);
    clock.setSweepStepHookForTesting(
        () -> {
          for (long i = 0; i < 4; i++) {
            BlockCache.Entry e = clock.peek(key(i));
            if (e != null) {
              e.referenced = true;
            }
          }
        });
    boolean inserted =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(10), () -> insert(clock, 9));
    assertThat(inserted).isTrue();
    assertThat(removals.evicted).hasSize(1);
    assertThat(clock.size()).isEqualTo(4);
    assertThat(clock.weight()).isEqualTo(4 * WEIGHT);
  }

  @Test
  void anEntryHeavierThanTheCapacity_orAKeyAlreadyCached_isRefused_withoutMakingAnEntry() {
    Removals removals = new Removals();
    BlockClock clock = new BlockClock(2 * WEIGHT, removals);
    AtomicInteger made = new AtomicInteger();
    assertThat(
            clock.insert(
                key(0), 2 * WEIGHT + 1, () -> {
                  made.incrementAndGet();
                  return entry(key(0));
                }))
        .isFalse();
    assertThat(insert(clock, 1)).isTrue();
    BlockCache.Entry first = clock.peek(key(1));
    assertThat(
            clock.insert(
                key(1), WEIGHT, () -> {
                  made.incrementAndGet();
                  return entry(key(1));
                }))
        .isFalse();
    assertThat(made).hasValue(0);
    assertThat(clock.peek(key(1))).isSameAs(first);
    assertThat(clock.weight()).isEqualTo(WEIGHT);
    assertThat(removals.evicted).isEmpty();
  }

  @Test
  void anEntryThatCannotBeMade_isNotInserted_butTheRoomMadeForItStaysFree() {
    Removals removals = new Removals();
    BlockClock clock = full(2, removals);
    assertThat(clock.insert(key(2), WEIGHT, () -> null)).isFalse();
    assertThat(clock.peek(key(2))).isNull();
    assertThat(removals.evicted).containsExactly(key(0));
    assertThat(clock.weight()).isEqualTo(WEIGHT);
    assertThat(insert(clock, 3)).as("fits without another eviction").isTrue();
    assertThat(removals.evicted).containsExactly(key(0));
  }

  @Test
  void removals_tellTheListener_freeTheWeight_andReuseSlots() {
    Removals removals = new Removals();
    BlockClock clock = new BlockClock(100 * WEIGHT, removals);
    for (int round = 0; round < 50; round++) {
      for (long i = 0; i < 10; i++) {
        assertThat(insert(clock, round * 100 + i)).isTrue();
      }
      for (long i = 0; i < 10; i++) {
        clock.remove(key(round * 100 + i));
      }
      clock.remove(key(round * 100 + 50)); // never cached: nothing happens
    }
    assertThat(removals.removed).hasSize(500);
    assertThat(removals.evicted).isEmpty();
    assertThat(clock.size()).isZero();
    assertThat(clock.weight()).isZero();
    assertThat(clock.ringLengthForTesting()).as("slots reused").isLessThanOrEqualTo(64);
  }

  /**
   * Threads insert, look up and remove overlapping keys of a cache that holds a tenth of them:
   * the weight never passes the capacity, every entry made is either still mapped or was removed
   * exactly once, and a lookup never returns an entry for another key.
   */
  @Test
  void underThreads_theWeightStaysWithinTheCapacity_andEveryEntryLeavesOnce() throws Exception {
    int keys = 2_000;
    long capacity = keys / 10 * WEIGHT;
    ConcurrentHashMap<BlockCache.Entry, Boolean> gone = new ConcurrentHashMap<>();
    AtomicLong twice = new AtomicLong();
    BlockClock clock =
        new BlockClock(
            capacity,
            (e, forRoom) -> {
              if (gone.put(e, Boolean.TRUE) != null) {
                twice.incrementAndGet();
              }
              e.live = false;
            });
    ConcurrentHashMap<BlockCache.Entry, Boolean> made = new ConcurrentHashMap<>();
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicLong overweight = new AtomicLong();
    AtomicLong wrongKey = new AtomicLong();
    ExecutorService pool = CallerThreads.newExecutor(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = 17 + t;
        done.add(
            pool.submit(
                () -> {
                  Random rnd = new Random(seed);
                  start.await();
                  for (int i = 0; i < 50_000; i++) {
                    BlockCache.Key k = key(rnd.nextInt(keys));
                    int op = rnd.nextInt(10);
                    if (op < 5) {
                      BlockCache.Entry e = clock.get(k);
                      if (e != null && !e.key.equals(k)) {
                        wrongKey.incrementAndGet();
                      }
                    } else if (op < 9) {
                      clock.insert(
                          k,
                          WEIGHT,
                          () -> {
                            BlockCache.Entry e = entry(k);
                            made.put(e, Boolean.TRUE);
                            return e;
                          });
                    } else {
                      clock.remove(k);
                    }
                    if (clock.weight() > capacity) {
                      overweight.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(overweight).hasValue(0);
    assertThat(wrongKey).hasValue(0);
    assertThat(twice).as("entries removed twice").hasValue(0);
    int mapped = 0;
    for (BlockCache.Entry e : made.keySet()) {
      BlockCache.Entry now = clock.peek(e.key);
      if (now == e) {
        mapped++;
        assertThat(gone).doesNotContainKey(e);
        assertThat(e.live).isTrue();
      } else {
        assertThat(gone).as("an entry no longer mapped was removed").containsKey(e);
      }
    }
    assertThat(mapped).isEqualTo(clock.size());
    assertThat(clock.weight()).isEqualTo(mapped * WEIGHT);
  }
}
