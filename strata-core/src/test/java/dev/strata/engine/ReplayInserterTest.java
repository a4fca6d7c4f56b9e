package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.StrataException;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.ValueKind;
import dev.strata.memtable.Memtable;
import dev.strata.memtable.ShardedMemtable;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplayInserterTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static final int KEYS = 99;

  @Test
  void manyVersionsOfFewKeys_onFourThreads_newestVersionWins_andEveryEntryIsIn() {
    // 99 keys, 200 versions each, in sequence order as a WAL holds them. The four threads take
    // contiguous ranges of the chunk in key order, 4,950 entries each: every range boundary falls
    // inside a key (after 24.75, 49.5 and 74.25 keys), so that key's versions are inserted by two
    // threads at once and their inserts race.
    ShardedMemtable mem = new ShardedMemtable(4, 1L << 40);
    long seq = 0;
    try (ReplayInserter inserter = new ReplayInserter(4, 1L << 40)) {
      for (int v = 0; v < 200; v++) {
        for (int k = 0; k < KEYS; k++) {
          seq++;
          if (v == 199 && k % 10 == 0) {
            inserter.add(seq, ValueKind.DELETE, b("key" + k), new byte[0]);
          } else {
            inserter.add(seq, ValueKind.VALUE, b("key" + k), b("v" + v));
          }
        }
      }
      assertThat(inserter.isEmpty()).isFalse();
      inserter.drainInto(mem);
      assertThat(inserter.isEmpty()).isTrue();
    }
    assertThat(mem.entryCount()).isEqualTo(KEYS * 200);
    for (int k = 0; k < KEYS; k++) {
      byte[] got = mem.get(b("key" + k), seq);
      if (k % 10 == 0) {
        assertThat(got).isSameAs(Lookup.DELETED);
      } else {
        assertThat(got).isEqualTo(b("v199"));
      }
      // An older snapshot sees the version of its time.
      assertThat(mem.get(b("key" + k), (long) KEYS * 50 + k + 1)).isEqualTo(b("v50"));
    }
    long entries = 0;
    try (InternalIterator it = mem.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        entries++;
      }
    }
    assertThat(entries).isEqualTo(KEYS * 200);
  }

  @Test
  void chunk_isASixteenthOfTheMemtable_atMostFourMiB() {
    try (ReplayInserter small = new ReplayInserter(2, 16_000)) {
      small.add(1, ValueKind.VALUE, new byte[10], new byte[980]);
      assertThat(small.chunkFull()).isFalse();
      small.add(2, ValueKind.VALUE, new byte[10], new byte[10]);
      assertThat(small.chunkFull()).isTrue();
    }
    try (ReplayInserter large = new ReplayInserter(2, 1L << 40)) {
      SplittableRandom rnd = new SplittableRandom(1);
      long bytes = 0;
      while (!large.chunkFull()) {
        byte[] v = new byte[1 + rnd.nextInt(4000)];
        large.add(bytes, ValueKind.VALUE, new byte[16], v);
        bytes += 16 + v.length;
      }
      assertThat(bytes).isBetween((long) ReplayInserter.CHUNK_BYTES, ReplayInserter.CHUNK_BYTES + 4016L);
    }
  }

  /**
   * Each thread inserts its range of the chunk in key order (what keeps its skip-list searches in
   * the cache), versions of one key in log order, and every entry exactly once.
   */
  @Test
  void drain_insertsEachThreadsRangeInKeyOrder_everyEntryOnce() {
    java.util.Map<Thread, java.util.List<long[]>> byThread =
        new java.util.concurrent.ConcurrentHashMap<>();
    java.util.List<byte[]> keyOf = new java.util.ArrayList<>();
    Memtable recording = recordingMemtable(byThread, keyOf);
    SplittableRandom rnd = new SplittableRandom(42);
    int n = 10_000;
    byte[][] keys = new byte[n][];
    for (int i = 0; i < n; i++) {
      // About 3,000 distinct keys: many have several versions.
      keys[i] = b(String.format("key%05d", rnd.nextInt(3_000)));
      keyOf.add(keys[i]);
    }
    for (int threads : new int[] {1, 2}) {
      byThread.clear();
      try (ReplayInserter inserter = new ReplayInserter(threads, 1L << 40)) {
        for (int i = 0; i < n; i++) {
          inserter.add(i, ValueKind.VALUE, keys[i], b("v" + i));
        }
        inserter.drainInto(recording);
      }
      assertThat(byThread).hasSize(threads);
      java.util.Set<Long> seen = new java.util.HashSet<>();
      for (java.util.List<long[]> inserts : byThread.values()) {
        for (int k = 1; k < inserts.size(); k++) {
          byte[] prev = keyOf.get((int) inserts.get(k - 1)[0]);
          byte[] cur = keyOf.get((int) inserts.get(k)[0]);
          int c = java.util.Arrays.compareUnsigned(prev, cur);
          assertThat(c).as("insert %d of a thread", k).isLessThanOrEqualTo(0);
          if (c == 0) {
            assertThat(inserts.get(k)[0]).isGreaterThan(inserts.get(k - 1)[0]);
          }
        }
        for (long[] e : inserts) {
          assertThat(seen.add(e[0])).as("sequence %d inserted once", e[0]).isTrue();
        }
      }
      assertThat(seen).hasSize(n);
    }
  }

  /** A memtable that records, per inserting thread, the sequences it was given, in order. */
  private static Memtable recordingMemtable(
      java.util.Map<Thread, java.util.List<long[]>> byThread, java.util.List<byte[]> keyOf) {
    return new Memtable() {
      @Override
      public void add(long sequence, ValueKind kind, byte[] key, byte[] value) {
        assertThat(key).isEqualTo(keyOf.get((int) sequence));
        byThread.computeIfAbsent(Thread.currentThread(), t -> new java.util.ArrayList<>())
            .add(new long[] {sequence});
      }

      @Override
      public byte[] get(byte[] key, long snapshot) {
        throw new UnsupportedOperationException();
      }

      @Override
      public dev.strata.key.FragmentedRangeTombstones rangeTombstones() {
        throw new UnsupportedOperationException();
      }

      @Override
      public InternalIterator newIterator() {
        throw new UnsupportedOperationException();
      }

      @Override
      public long approximateBytes() {
        return 0;
      }

      @Override
      public boolean isFull() {
        return false;
      }

      @Override
      public long entryCount() {
        return 0;
      }
    };
  }

  @Test
  void aFailedInsertOnAHelper_failsTheDrain() {
    ShardedMemtable inner = new ShardedMemtable(1, 1L << 40);
    Memtable failing =
        new Memtable() {
          @Override
          public void add(long sequence, ValueKind kind, byte[] key, byte[] value) {
            if (sequence == 4001) {
              throw new IllegalStateException("boom at 4001");
            }
            inner.add(sequence, kind, key, value);
          }

          @Override
          public byte[] get(byte[] key, long snapshot) {
            return inner.get(key, snapshot);
          }

          @Override
          public dev.strata.key.FragmentedRangeTombstones rangeTombstones() {
            return inner.rangeTombstones();
          }

          @Override
          public InternalIterator newIterator() {
            return inner.newIterator();
          }

          @Override
          public long approximateBytes() {
            return inner.approximateBytes();
          }

          @Override
          public boolean isFull() {
            return inner.isFull();
          }

          @Override
          public long entryCount() {
            return inner.entryCount();
          }
        };
    try (ReplayInserter inserter = new ReplayInserter(2, 1L << 40)) {
      for (int i = 0; i < 5000; i++) {
        inserter.add(i, ValueKind.VALUE, b("k" + i), b("v"));
      }
      // "k4001" sorts into the upper half of the keys, the helper's range with two threads.
      assertThatThrownBy(() -> inserter.drainInto(failing))
          .isInstanceOf(StrataException.class)
          .hasRootCauseMessage("boom at 4001");
    }
  }
}
