package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.key.ValueKind;
import dev.strata.stats.LockWaits;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;
import org.junit.jupiter.api.Test;

/** A writer that finds its shard's lock taken is counted, with its wait, per shard and in total. */
class ShardLockWaitsTest {
  @Test
  void add_whileTheShardIsLocked_countsOneWait() throws Exception {
    LongAdder count = new LongAdder();
    LongAdder nanos = new LongAdder();
    ShardedMemtable m = new ShardedMemtable(2, 1 << 20, new LockWaits(count, nanos));
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    int shard = m.shardOf(key);

    m.add(1, ValueKind.VALUE, key, new byte[1]);
    assertThat(count.sum()).isZero();

    StampedLock lock = m.shardForTesting(shard).lockForTesting();
    long stamp = lock.writeLock();
    Thread writer = new Thread(() -> m.add(2, ValueKind.VALUE, key, new byte[1]), "blocked-writer");
    writer.start();
    // The writer parks in writeLock(); its state says so (no sleep, no time limit of ours).
    while (writer.getState() != Thread.State.WAITING && writer.isAlive()) {
      Thread.onSpinWait();
    }
    lock.unlockWrite(stamp);
    writer.join();

    assertThat(count.sum()).isEqualTo(1);
    assertThat(nanos.sum()).isPositive();
    long[] perShard = m.lockWaitsPerShard();
    assertThat(perShard[shard]).isEqualTo(1);
    assertThat(perShard[1 - shard]).isZero();
    assertThat(m.entryCount()).isEqualTo(2);
  }
}
