package dev.strata.memtable;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.key.InternalKey;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One shard of a {@link ShardedMemtable}: an ordered map of internal keys to values behind its own
 * read-write lock. Readers (gets, chunk copies) share the read lock; an add takes the write lock.
 * Thread-safe; owned by its memtable.
 *
 * <p>Lock order: shard locks are rank 3 in {@code docs/design/locking.md}. A thread holds at most
 * one shard lock at a time and does no I/O and no waiting on other threads while holding it.
 */
final class MemtableShard implements ChunkSource {
  /** Rank 3 (shards), never held with another shard's lock. Non-fair: throughput over fairness. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  @GuardedBy("lock")
  private final TreeMap<InternalKey, byte[]> map = new TreeMap<>();

  void add(InternalKey key, byte[] value) {
    lock.writeLock().lock();
    try {
      map.put(key, value);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** See {@link Memtable#get}. */
  byte[] get(byte[] userKey, long snapshot) {
    InternalKey target = new InternalKey(userKey, Trailer.seekTrailer(snapshot));
    Map.Entry<InternalKey, byte[]> e;
    lock.readLock().lock();
    try {
      e = map.ceilingEntry(target);
    } finally {
      lock.readLock().unlock();
    }
    if (e == null || !Arrays.equals(e.getKey().userKey(), userKey)) {
      return null;
    }
    return e.getKey().isDelete() ? Lookup.DELETED : e.getValue();
  }

  @Override
  public int copyChunk(
      InternalKey from, boolean inclusive, boolean forward, InternalKey[] keys, byte[][] values) {
    lock.readLock().lock();
    try {
      return copyChunkLocked(from, inclusive, forward, keys, values);
    } finally {
      lock.readLock().unlock();
    }
  }

  @GuardedBy("lock")
  private int copyChunkLocked(
      InternalKey from, boolean inclusive, boolean forward, InternalKey[] keys, byte[][] values) {
    assert lock.getReadHoldCount() > 0;
    return ChunkSource.copyFrom(map, from, inclusive, forward, keys, values);
  }

  /** Entry value stored for a kind: tombstones keep a shared empty array. */
  static byte[] storedValue(ValueKind kind, byte[] value) {
    return kind == ValueKind.DELETE ? EMPTY : value;
  }

  static final byte[] EMPTY = new byte[0];
}
