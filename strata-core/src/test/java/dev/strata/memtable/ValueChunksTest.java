package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.key.BorrowedValue;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.stats.LockWaits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Memtable values off the heap ({@link ValueChunks}, {@link ValueChunkPool}): every size of value
 * reads back through a get, an iterator's copy and its borrowed value; a pool without direct
 * memory leaves values on the heap and loses none; flushed memtables' chunks serve the next
 * memtable, which overwrites them with its own values; an idle memtable holds no chunk.
 */
class ValueChunksTest {
  private static final long SNAPSHOT = Trailer.MAX_SEQUENCE;

  private static byte[] key(int i) {
    return String.format("key%08d", i).getBytes(StandardCharsets.UTF_8);
  }

  /** {@code length} bytes that name key {@code i} and {@code version} in every position. */
  private static byte[] value(int i, int version, int length) {
    byte[] v = new byte[length];
    for (int p = 0; p < length; p++) {
      v[p] = (byte) (i * 31 + version * 7 + p);
    }
    return v;
  }

  private static ShardedMemtable memtable(ValueChunkPool pool, long maxBytes, long heapFirst) {
    return new ShardedMemtable(
        4, maxBytes, LockWaits.NONE, null, new ValueChunks(pool, 1), heapFirst);
  }

  @Test
  void valuesOfEverySize_readBackThroughGetsIteratorsAndBorrowedValues() {
    ValueChunkPool pool = new ValueChunkPool(64L << 20);
    ShardedMemtable m = memtable(pool, 64L << 20, 0);
    // Up to the direct limit (a quarter of the largest slab, 256 KiB here) and past it.
    int[] lengths = {0, 1, 3, 100, 1000, 4096, 65_000, 262_000, 300_000, 1 << 20};
    int n = 400;
    for (int i = 0; i < n; i++) {
      m.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, lengths[i % lengths.length]));
    }
    assertThat(m.offHeapBytes()).isPositive();
    assertThat(pool.allocatedChunks()).isEqualTo(m.valueChunkCount());
    for (int i = 0; i < n; i++) {
      assertThat(m.get(key(i), SNAPSHOT)).as("key %d", i).isEqualTo(value(i, 1, lengths[i % lengths.length]));
    }
    int seen = 0;
    try (InternalIterator it = m.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        int i = Integer.parseInt(new String(it.userKey(), StandardCharsets.UTF_8).substring(3));
        byte[] expected = value(i, 1, lengths[i % lengths.length]);
        BorrowedValue b = it.borrowValue();
        assertThat(Arrays.copyOfRange(b.array(), b.offset(), b.offset() + b.length()))
            .as("borrowed value of key %d", i)
            .isEqualTo(expected);
        assertThat(it.value()).as("value of key %d", i).isEqualTo(expected);
        seen++;
      }
    }
    assertThat(seen).isEqualTo(n);
  }

  @Test
  void poolWithoutDirectMemory_keepsTheRestOnTheHeap_andLosesNothing() {
    AtomicInteger made = new AtomicInteger();
    ValueChunkPool pool =
        new ValueChunkPool(
            64L << 20,
            () -> {
              if (made.getAndIncrement() >= 1) {
                throw new OutOfMemoryError("Cannot reserve direct buffer memory (test)");
              }
              return ByteBuffer.allocateDirect(ValueChunkPool.CHUNK_BYTES);
            });
    ShardedMemtable m = memtable(pool, 64L << 20, 0);
    int n = 5000;
    for (int i = 0; i < n; i++) {
      m.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, 1000));
    }
    assertThat(m.valueChunkCount()).isEqualTo(1);
    // One refused allocation per memtable: later windows do not ask again.
    assertThat(made.get()).isEqualTo(2);
    for (int i = 0; i < n; i++) {
      assertThat(m.get(key(i), SNAPSHOT)).as("key %d", i).isEqualTo(value(i, 1, 1000));
    }
  }

  @Test
  void reclaimedChunks_serveTheNextMemtable_whoseValuesReplaceTheOldBytes() {
    ValueChunkPool pool = new ValueChunkPool(4L * ValueChunkPool.CHUNK_BYTES);
    ShardedMemtable first = memtable(pool, 64L << 20, 0);
    int n = 6000;
    for (int i = 0; i < n; i++) {
      first.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, 1000));
    }
    int taken = first.valueChunkCount();
    assertThat(taken).isGreaterThan(4);
    first.reclaim();
    assertThat(first.offHeapBytes()).isZero();
    // At most the pool's size is kept; the rest goes to the collector.
    assertThat(pool.pooledBytes()).isEqualTo(4L * ValueChunkPool.CHUNK_BYTES);

    ShardedMemtable second = memtable(pool, 64L << 20, 0);
    for (int i = 0; i < n; i++) {
      second.add(n + i + 1, ValueKind.VALUE, key(i), value(i, 2, 1000));
    }
    assertThat(pool.reusedChunks()).isEqualTo(4);
    assertThat(pool.allocatedChunks()).isEqualTo(taken + second.valueChunkCount() - 4);
    for (int i = 0; i < n; i++) {
      assertThat(second.get(key(i), SNAPSHOT)).as("key %d", i).isEqualTo(value(i, 2, 1000));
    }
    // Its writes after the reclaim would land in memory another memtable owns: refused.
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < n; i++) {
                first.add(2 * n + i + 1, ValueKind.VALUE, key(i), value(i, 3, 1000));
              }
            })
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("after its values went back");
  }

  /**
   * Chunks the pool keeps no more are released at once, not when the collector gets to them:
   * with the memtables off the heap it may not look at the old generation for a long time.
   */
  @Test
  void chunksThePoolDeclines_andAClosedPoolsChunks_areReleasedAtOnce() {
    assertThat(dev.strata.util.DirectBuffers.freesAtOnce()).isTrue();
    ValueChunkPool pool = new ValueChunkPool(2L * ValueChunkPool.CHUNK_BYTES);
    ShardedMemtable m = memtable(pool, 64L << 20, 0);
    for (int i = 0; i < 6000; i++) {
      m.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, 1000));
    }
    int taken = m.valueChunkCount();
    assertThat(taken).isGreaterThan(4);
    long before = directBytes();
    m.reclaim();
    long afterReclaim = directBytes();
    assertThat(before - afterReclaim)
        .as("all but the two pooled chunks released")
        .isGreaterThanOrEqualTo((long) (taken - 2) * ValueChunkPool.CHUNK_BYTES);
    assertThat(pool.pooledBytes()).isEqualTo(2L * ValueChunkPool.CHUNK_BYTES);
    pool.close();
    assertThat(pool.pooledBytes()).isZero();
    assertThat(afterReclaim - directBytes())
        .as("the pooled chunks released at close")
        .isGreaterThanOrEqualTo(2L * ValueChunkPool.CHUNK_BYTES);
    // A memtable reclaimed after its pool closed (an iterator closed after the database did)
    // releases its chunks too.
    ValueChunkPool closed = new ValueChunkPool(64L << 20);
    ShardedMemtable late = memtable(closed, 64L << 20, 0);
    for (int i = 0; i < 3000; i++) {
      late.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, 1000));
    }
    int lateChunks = late.valueChunkCount();
    assertThat(lateChunks).isPositive();
    closed.close();
    long beforeLate = directBytes();
    late.reclaim();
    assertThat(beforeLate - directBytes())
        .isGreaterThanOrEqualTo((long) lateChunks * ValueChunkPool.CHUNK_BYTES);
    assertThat(closed.pooledBytes()).isZero();
  }

  private static long directBytes() {
    for (java.lang.management.BufferPoolMXBean b :
        java.lang.management.ManagementFactory.getPlatformMXBeans(
            java.lang.management.BufferPoolMXBean.class)) {
      if (b.getName().equals("direct")) {
        return b.getMemoryUsed();
      }
    }
    throw new AssertionError("no direct buffer pool");
  }

  @Test
  void idleMemtable_holdsNoChunk_untilItsFirstMiBOfValues() {
    ValueChunkPool pool = new ValueChunkPool(64L << 20);
    ShardedMemtable m = new ShardedMemtable(16, 64L << 20, LockWaits.NONE, pool);
    for (int i = 0; i < 100; i++) {
      m.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, 1000));
    }
    assertThat(m.offHeapBytes()).isZero();
    assertThat(pool.allocatedChunks()).isZero();
    for (int i = 100; i < 4000; i++) {
      m.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, 1000));
    }
    assertThat(m.offHeapBytes()).isPositive();
    for (int i = 0; i < 4000; i += 7) {
      assertThat(m.get(key(i), SNAPSHOT)).as("key %d", i).isEqualTo(value(i, 1, 1000));
    }
  }

  /**
   * Once a database filled a memtable with values off the heap, its next memtables put their
   * values there from the first one (and their slabs in region-sized chunks): their first MiB on
   * the heap would be young and alive at every young collection until their flush.
   */
  @Test
  void memtableOfABusyDatabase_putsItsFirstValueOffTheHeap() {
    ValueChunkPool pool = new ValueChunkPool(64L << 20);
    ShardedMemtable first = new ShardedMemtable(16, 64L << 20, LockWaits.NONE, pool);
    first.add(1, ValueKind.VALUE, key(0), value(0, 1, 1000));
    assertThat(first.offHeapBytes()).as("an idle database's memtable").isZero();
    for (int i = 1; i < 4000; i++) {
      first.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, 1000));
    }
    assertThat(pool.allocatedChunks()).isPositive();
    ShardedMemtable next = new ShardedMemtable(16, 64L << 20, LockWaits.NONE, pool);
    next.add(1, ValueKind.VALUE, key(0), value(0, 2, 1000));
    assertThat(next.offHeapBytes()).isEqualTo(ValueChunkPool.CHUNK_BYTES);
    assertThat(next.get(key(0), SNAPSHOT)).isEqualTo(value(0, 2, 1000));
  }

  @Test
  void valuesShorterThan256Bytes_stayOnTheHeap() {
    ValueChunkPool pool = new ValueChunkPool(64L << 20);
    ShardedMemtable m = new ShardedMemtable(16, 64L << 20, LockWaits.NONE, pool);
    for (int i = 0; i < 30_000; i++) {
      m.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, ValueChunks.MIN_VALUE_BYTES - 1));
    }
    assertThat(m.offHeapBytes()).isZero();
    for (int i = 30_000; i < 31_000; i++) {
      m.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, ValueChunks.MIN_VALUE_BYTES));
    }
    assertThat(m.offHeapBytes()).isPositive();
    for (int i = 0; i < 31_000; i += 13) {
      int length = i < 30_000 ? ValueChunks.MIN_VALUE_BYTES - 1 : ValueChunks.MIN_VALUE_BYTES;
      assertThat(m.get(key(i), SNAPSHOT)).as("key %d", i).isEqualTo(value(i, 1, length));
    }
  }

  @Test
  void smallMemtable_keepsItsValuesOnTheHeap() {
    ValueChunkPool pool = new ValueChunkPool(64L << 20);
    ShardedMemtable m =
        new ShardedMemtable(4, ShardedMemtable.MIN_OFF_HEAP_BYTES - 1, LockWaits.NONE, pool);
    for (int i = 0; i < 3000; i++) {
      m.add(i + 1, ValueKind.VALUE, key(i), value(i, 1, 1000));
    }
    assertThat(m.offHeapBytes()).isZero();
    assertThat(pool.allocatedChunks()).isZero();
  }
}
