package dev.strata;

/** Which memtable implementation takes writes. */
public enum MemtableKind {
  /**
   * The default: {@code memtableShards} independent ordered maps, each behind its own read-write
   * lock; a key's shard is {@code hash(key) & (shards - 1)}, so writes to different shards never
   * wait for each other.
   */
  SHARDED,
  /** One lock-free {@code ConcurrentSkipListMap}: kept as a measured alternative. */
  SKIPLIST
}
