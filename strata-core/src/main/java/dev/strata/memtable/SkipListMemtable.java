package dev.strata.memtable;

import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The alternative memtable: one lock-free {@link ConcurrentSkipListMap} of internal keys. Kept so
 * that the sharded design is measured against the obvious concurrent structure
 * ({@code MemtableKind.SKIPLIST}). Thread-safe without locks; iteration uses the map's weakly
 * consistent views through the same {@link ChunkedCursor} as the sharded memtable, so both kinds
 * behave identically to readers. Same size-accounting protocol as {@link ShardedMemtable}.
 */
public final class SkipListMemtable implements Memtable, ChunkSource {
  private final ConcurrentSkipListMap<InternalKey, byte[]> map = new ConcurrentSkipListMap<>();
  private final long maxBytes;
  /** Heap bytes of all entries; incremented by writers after the insert, read lock-free. */
  private final AtomicLong sizeBytes = new AtomicLong();

  private final AtomicLong entries = new AtomicLong();

  public SkipListMemtable(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public void add(long sequence, ValueKind kind, byte[] key, byte[] value) {
    byte[] stored = MemtableShard.storedValue(kind, value);
    map.put(new InternalKey(key, sequence, kind), stored);
    sizeBytes.addAndGet(EntrySizes.skipListEntry(key.length, stored.length));
    entries.incrementAndGet();
  }

  @Override
  public byte[] get(byte[] key, long snapshot) {
    Map.Entry<InternalKey, byte[]> e = map.ceilingEntry(new InternalKey(key, Trailer.seekTrailer(snapshot)));
    if (e == null || !Arrays.equals(e.getKey().userKey(), key)) {
      return null;
    }
    return e.getKey().isDelete() ? Lookup.DELETED : e.getValue();
  }

  @Override
  public int copyChunk(
      InternalKey from, boolean inclusive, boolean forward, InternalKey[] keys, byte[][] values) {
    return ChunkSource.copyFrom(map, from, inclusive, forward, keys, values);
  }

  @Override
  public InternalIterator newIterator() {
    return new ChunkedCursor(this);
  }

  @Override
  public long approximateBytes() {
    return sizeBytes.get();
  }

  @Override
  public boolean isFull() {
    return sizeBytes.get() >= maxBytes;
  }

  @Override
  public long entryCount() {
    return entries.get();
  }
}
