package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.key.ValueKind;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The memtable's size accounting includes Java object overhead: the heap a full memtable really
 * holds (measured with {@link MemoryMXBean} around full collections) is within 25% of what it
 * reports.
 */
class MemtableHeapAccountingTest {
  private static final long SIZE = 32L << 20;

  @ParameterizedTest
  @ValueSource(ints = {0, 16})
  void fullMemtable_heapWithin25PercentOfAccounting(int shards) {
    MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
    long before = usedAfterGc(mx);
    Memtable m = shards == 0 ? new SkipListMemtable(SIZE) : new ShardedMemtable(shards, SIZE);
    fillUntilFull(m, new Random(1));
    long after = usedAfterGc(mx);
    long held = after - before;
    double ratio = (double) held / m.approximateBytes();
    System.out.printf("shards=%d entries=%d accounted=%d heap=%d ratio=%.3f%n", shards, m.entryCount(), m.approximateBytes(), held, ratio);
    assertThat(ratio).isBetween(0.75, 1.25);
    assertThat(m.entryCount()).isPositive();
  }

  /** Adds random 16-byte keys with random 100-byte values, sequences from 1, until {@code m} is full. */
  static void fillUntilFull(Memtable m, Random rnd) {
    long seq = 0;
    while (!m.isFull()) {
      byte[] key = new byte[16];
      rnd.nextBytes(key);
      byte[] value = new byte[100];
      rnd.nextBytes(value);
      m.add(++seq, ValueKind.VALUE, key, value);
    }
  }

  private static long usedAfterGc(MemoryMXBean mx) {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, mx.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
