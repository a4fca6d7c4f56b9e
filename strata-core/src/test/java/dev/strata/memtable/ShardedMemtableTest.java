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

  private static Memtable make(int shards) {
    return shards == 0 ? new SkipListMemtable(1 << 30) : new ShardedMemtable(shards, 1 << 30);
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

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4, 16})
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
  @ValueSource(ints = {0, 1, 4, 16})
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
}
