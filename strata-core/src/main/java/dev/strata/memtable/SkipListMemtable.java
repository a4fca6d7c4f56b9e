package dev.strata.memtable;

import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The alternative memtable: one lock-free {@link ConcurrentSkipListMap} of internal keys. Kept so
 * that the sharded design is measured against the obvious concurrent structure
 * ({@code MemtableKind.SKIPLIST}). Thread-safe without locks; iteration uses the map's weakly
 * consistent views through a {@link ChunkedCursor} as the sharded memtable does, so both kinds
 * behave identically to readers. Same size-accounting protocol as {@link ShardedMemtable}.
 */
public final class SkipListMemtable implements Memtable {
  private final ConcurrentSkipListMap<InternalKey, byte[]> map = new ConcurrentSkipListMap<>();
  private final long maxBytes;
  /** Heap bytes of all entries; incremented by writers after the insert, read lock-free. */
  private final AtomicLong sizeBytes = new AtomicLong();

  private final AtomicLong entries = new AtomicLong();

  public SkipListMemtable(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Range tombstones; see {@link MemtableRangeTombstones}. */
  private final MemtableRangeTombstones rangeTombstones = new MemtableRangeTombstones();

  @Override
  public void add(long sequence, ValueKind kind, byte[] key, byte[] value) {
    if (kind == ValueKind.RANGE_DELETE) {
      sizeBytes.addAndGet(rangeTombstones.add(sequence, key, value));
      entries.incrementAndGet();
      return;
    }
    byte[] stored = MemtableShard.storedValue(kind, value);
    map.put(new InternalKey(key, sequence, kind), stored);
    sizeBytes.addAndGet(EntrySizes.skipListEntry(key.length, stored.length));
    entries.incrementAndGet();
  }

  @Override
  public byte[] get(byte[] key, long snapshot) {
    Map.Entry<InternalKey, byte[]> e = map.ceilingEntry(new InternalKey(key, Trailer.seekTrailer(snapshot)));
    FragmentedRangeTombstones ranges = rangeTombstones.fragments();
    long covering = ranges.isEmpty() ? -1 : ranges.coveringSequence(key, snapshot);
    if (e == null
        || !Arrays.equals(e.getKey().userKey(), key)
        || e.getKey().sequence() <= covering) {
      return covering < 0 ? null : Lookup.DELETED;
    }
    if (e.getKey().isDelete()) {
      return Lookup.DELETED;
    }
    return Trailer.isMerge(e.getKey().trailer()) ? Lookup.MERGE : e.getValue().clone();
  }

  @Override
  public FragmentedRangeTombstones rangeTombstones() {
    return rangeTombstones.fragments();
  }

  @Override
  public InternalIterator newIterator() {
    return new MapCursor(map);
  }

  /** A {@link ChunkedCursor} over the map's weakly consistent views. */
  private static final class MapCursor extends ChunkedCursor {
    private final NavigableMap<InternalKey, byte[]> map;
    private InternalKey[] keys = new InternalKey[FIRST_CHUNK];
    private byte[][] values = new byte[FIRST_CHUNK][];

    MapCursor(NavigableMap<InternalKey, byte[]> map) {
      this.map = map;
    }

    @Override
    int fill(byte[] fromKey, long fromTrailer, boolean inclusive, boolean forward, int capacity) {
      if (keys.length < capacity) {
        keys = new InternalKey[capacity];
        values = new byte[capacity][];
      }
      InternalKey from = fromKey == null ? null : new InternalKey(fromKey, fromTrailer);
      NavigableMap<InternalKey, byte[]> view;
      if (forward) {
        view = from == null ? map : map.tailMap(from, inclusive);
      } else {
        view = from == null ? map.descendingMap() : map.headMap(from, inclusive).descendingMap();
      }
      int n = 0;
      Iterator<Map.Entry<InternalKey, byte[]>> it = view.entrySet().iterator();
      while (n < capacity && it.hasNext()) {
        Map.Entry<InternalKey, byte[]> e = it.next();
        keys[n] = e.getKey();
        values[n] = e.getValue();
        n++;
      }
      return n;
    }

    @Override
    public byte[] userKey() {
      return keys[position()].userKey();
    }

    @Override
    public long trailer() {
      return keys[position()].trailer();
    }

    @Override
    public byte[] value() {
      return values[position()];
    }

    @Override
    public void close() {
      super.close();
      Arrays.fill(keys, null);
      Arrays.fill(values, null);
    }
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
