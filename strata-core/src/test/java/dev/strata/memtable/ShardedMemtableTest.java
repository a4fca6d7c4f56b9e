package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ShardedMemtableTest {
  private static byte[] k(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * 0: the skip-list memtable; n > 0: n shards, values on the heap; n < 0: -n shards with every
   * value off the heap from the first write.
   */
  private static Memtable make(int shards) {
    if (shards < 0) {
      return offHeap(-shards, 1L << 30);
    }
    return shards == 0 ? new SkipListMemtable(1 << 30) : new ShardedMemtable(shards, 1 << 30);
  }

  /** A sharded memtable whose values all go off the heap, in chunks of a pool of its own. */
  static ShardedMemtable offHeap(int shards, long maxBytes) {
    return new ShardedMemtable(
        shards, maxBytes, dev.strata.stats.LockWaits.NONE, null,
        new ValueChunks(new ValueChunkPool(maxBytes), 1), 0);
  }

  @Test
  void shardOf_isHashMaskedAndStable() {
    ShardedMemtable m = new ShardedMemtable(16, 1 << 20);
    int[] counts = new int[16];
    for (int i = 0; i < 16_000; i++) {
      byte[] key = k("key" + i);
      int s = m.shardOf(key);
      assertThat(s).isEqualTo((int) (Bytes.hash64(key) & 15)).isEqualTo(m.shardOf(key.clone()));
      counts[s]++;
    }
    for (int c : counts) {
      assertThat(c).isBetween(800, 1200);
    }
  }

  @Test
  void constructor_rejectsNonPowerOfTwo() {
    assertThatThrownBy(() -> new ShardedMemtable(12, 1024)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A snapshot above every sequence a write may carry (Long.MAX_VALUE, as a caller meaning "the
   * newest" passes) reads the newest version; the seek trailer of such a sequence once overflowed
   * to a negative number and every lookup missed.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 16, -16})
  void get_withASnapshotAboveEverySequence_readsTheNewest(int shards) {
    Memtable m = make(shards);
    m.add(10, ValueKind.VALUE, k("a"), k("v10"));
    m.add(Trailer.MAX_SEQUENCE, ValueKind.VALUE, k("b"), k("newest"));
    assertThat(m.get(k("a"), Long.MAX_VALUE)).isEqualTo(k("v10"));
    assertThat(m.get(k("b"), Long.MAX_VALUE)).isEqualTo(k("newest"));
    assertThat(m.get(k("b"), Trailer.MAX_SEQUENCE)).isEqualTo(k("newest"));
    assertThat(m.get(k("b"), Trailer.MAX_SEQUENCE - 1)).isNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4, 16, -1, -16})
  void get_atSnapshot_seesNewestVersionAtOrBelow(int shards) {
    Memtable m = make(shards);
    m.add(10, ValueKind.VALUE, k("a"), k("v10"));
    m.add(20, ValueKind.DELETE, k("a"), new byte[0]);
    m.add(30, ValueKind.VALUE, k("a"), k("v30"));
    assertThat(m.get(k("a"), 9)).isNull();
    assertThat(m.get(k("a"), 10)).isEqualTo(k("v10"));
    assertThat(m.get(k("a"), 19)).isEqualTo(k("v10"));
    assertThat(m.get(k("a"), 20)).isSameAs(Lookup.DELETED);
    assertThat(m.get(k("a"), 1000)).isEqualTo(k("v30"));
    assertThat(m.get(k("b"), 1000)).isNull();
    assertThat(m.get(k("a\0"), 1000)).isNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4, 16, -1, -16})
  void iterator_mergesShardsInInternalOrder_bothDirections(int shards) {
    Memtable m = make(shards);
    long seq = 1;
    for (int i = 0; i < 1000; i++) {
      m.add(seq++, ValueKind.VALUE, k(String.format("k%04d", i % 300)), k("v" + i));
    }
    List<String> fwd = new ArrayList<>();
    try (InternalIterator it = m.newIterator()) {
      byte[] pk = null;
      long pt = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (pk != null) {
          assertThat(dev.strata.key.InternalKey.compare(pk, pt, it.userKey(), it.trailer())).isNegative();
        }
        pk = it.userKey();
        pt = it.trailer();
        fwd.add(new String(it.userKey()) + "@" + Trailer.sequence(it.trailer()));
      }
      assertThat(fwd).hasSize(1000);
      List<String> back = new ArrayList<>();
      for (it.seekToLast(); it.isValid(); it.prev()) {
        back.add(new String(it.userKey()) + "@" + Trailer.sequence(it.trailer()));
      }
      java.util.Collections.reverse(back);
      assertThat(back).isEqualTo(fwd);
      it.seek(k("k0150"), Trailer.seekTrailer(Long.MAX_VALUE >>> 8));
      assertThat(new String(it.userKey())).isEqualTo("k0150");
      it.prev();
      assertThat(new String(it.userKey())).isEqualTo("k0149");
      it.next();
      assertThat(new String(it.userKey())).isEqualTo("k0150");
      it.seekForPrev(k("k0150"), 0);
      assertThat(new String(it.userKey())).isEqualTo("k0150");
      it.next();
      assertThat(new String(it.userKey())).isEqualTo("k0151");
    }
  }

  @Test
  void size_includesObjectOverhead_andTurnsFull() {
    ShardedMemtable m = new ShardedMemtable(4, 10_000);
    m.add(1, ValueKind.VALUE, new byte[10], new byte[10]);
    assertThat(m.approximateBytes()).isGreaterThan(20 + 64);
    long seq = 2;
    while (!m.isFull()) {
      m.add(seq++, ValueKind.VALUE, k("k" + seq), new byte[100]);
    }
    assertThat(m.approximateBytes()).isGreaterThanOrEqualTo(10_000);
    assertThat(m.entryCount()).isEqualTo(seq - 1);
  }

  @Test
  void concurrentWritersOnDifferentShards_allEntriesPresent() throws Exception {
    ShardedMemtable m = new ShardedMemtable(16, 1L << 40);
    AtomicLong seq = new AtomicLong();
    int threads = 8;
    CyclicBarrier barrier = new CyclicBarrier(threads);
    CountDownLatch done = new CountDownLatch(threads);
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int id = t;
      new Thread(
              () -> {
                try {
                  barrier.await();
                  for (int i = 0; i < 5000; i++) {
                    m.add(seq.incrementAndGet(), ValueKind.VALUE, k(id + "-" + i), k("v"));
                  }
                } catch (Throwable e) {
                  errors.add(e);
                } finally {
                  done.countDown();
                }
              })
          .start();
    }
    done.await();
    assertThat(errors).isEmpty();
    assertThat(m.entryCount()).isEqualTo(40_000);
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < 5000; i += 97) {
        assertThat(m.get(k(t + "-" + i), Long.MAX_VALUE >>> 8)).isEqualTo(k("v"));
      }
    }
  }

  /**
   * Readers beside writers on one shard: gets and iterator chunks read optimistically while adds
   * link nodes. Each writer announces how far it got only after an add returned, so every get of
   * an announced key must find exactly its value, and every scan must see keys in order with
   * intact values, at any moment.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void readersBesideWriters_oneShard_seeEveryFinishedAddIntact(boolean valuesOffHeap)
      throws Exception {
    ShardedMemtable m =
        valuesOffHeap ? offHeap(1, 1L << 40) : new ShardedMemtable(1, 1L << 40);
    AtomicLong seq = new AtomicLong();
    int writers = 2;
    int readers = 2;
    int perWriter = 40_000;
    java.util.concurrent.atomic.AtomicIntegerArray written =
        new java.util.concurrent.atomic.AtomicIntegerArray(writers);
    CyclicBarrier start = new CyclicBarrier(writers + readers);
    CountDownLatch writersDone = new CountDownLatch(writers);
    CountDownLatch done = new CountDownLatch(writers + readers);
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int w = 0; w < writers; w++) {
      int id = w;
      new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < perWriter; i++) {
                    // Values of many lengths, so nodes straddle slab growth.
                    m.add(seq.incrementAndGet(), ValueKind.VALUE, key(id, i), value(id, i));
                    written.set(id, i + 1);
                  }
                } catch (Throwable e) {
                  errors.add(e);
                } finally {
                  writersDone.countDown();
                  done.countDown();
                }
              })
          .start();
    }
    for (int r = 0; r < readers; r++) {
      int rid = r;
      new Thread(
              () -> {
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(rid);
                try {
                  start.await();
                  long checks = 0;
                  while (writersDone.getCount() > 0 || checks < 1000) {
                    int w = rnd.nextInt(writers);
                    int n = written.get(w);
                    if (n > 0) {
                      int i = rnd.nextInt(n);
                      byte[] got = m.get(key(w, i), Long.MAX_VALUE >>> 8);
                      if (!java.util.Arrays.equals(got, value(w, i))) {
                        throw new AssertionError("key " + w + "-" + i + " of " + n + " read wrong");
                      }
                    }
                    if (rnd.nextInt(64) == 0) {
                      try (InternalIterator it = m.newIterator()) {
                        byte[] prev = null;
                        int steps = 0;
                        for (it.seek(key(w, rnd.nextInt(perWriter)), Trailer.MAX_SEQUENCE);
                            it.isValid() && steps < 300;
                            it.next(), steps++) {
                          byte[] k = it.userKey();
                          if (prev != null && Bytes.compare(prev, k) >= 0) {
                            throw new AssertionError("scan out of order");
                          }
                          String[] parts = new String(k, StandardCharsets.UTF_8).split("-");
                          byte[] expected =
                              value(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
                          if (!java.util.Arrays.equals(it.value(), expected)) {
                            throw new AssertionError("scan read a damaged value");
                          }
                          prev = k;
                        }
                      }
                    }
                    checks++;
                  }
                } catch (Throwable e) {
                  errors.add(e);
                } finally {
                  done.countDown();
                }
              })
          .start();
    }
    done.await();
    assertThat(errors).isEmpty();
    assertThat(m.entryCount()).isEqualTo((long) writers * perWriter);
  }

  private static byte[] key(int writer, int i) {
    return k(String.format("%d-%07d", writer, i));
  }

  private static byte[] value(int writer, int i) {
    byte[] v = new byte[(i * 7 + writer) % 200];
    java.util.Arrays.fill(v, (byte) (i + writer));
    return v;
  }
}
