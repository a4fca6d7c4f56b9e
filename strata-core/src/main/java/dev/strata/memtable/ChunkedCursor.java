package dev.strata.memtable;

import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;

/**
 * A bidirectional {@link InternalIterator} over a {@link ChunkSource} that copies a bounded chunk
 * of entries under the source's lock and then releases it, so that an iterator never holds a
 * shard lock between calls and never blocks writers for longer than one chunk copy.
 *
 * <p>Consistency comes from sequence numbers rather than from the lock: entries added after the
 * iterator's snapshot may show up in a later chunk, and the reader above skips them. Chunks start
 * at 8 entries and double up to 256, so a seek followed by a few nexts copies little while a long
 * scan amortises each lock acquisition over many entries.
 *
 * <p>Not thread-safe; closing releases nothing but the buffers.
 */
final class ChunkedCursor implements InternalIterator {
  private static final int FIRST_CHUNK = 8;
  private static final int MAX_CHUNK = 256;

  private final ChunkSource source;
  private InternalKey[] keys = new InternalKey[FIRST_CHUNK];
  private byte[][] values = new byte[FIRST_CHUNK][];
  /** Entries in the current chunk; {@code pos} indexes it; {@code count < capacity} = last chunk. */
  private int count;

  private int pos;
  private boolean forward = true;

  ChunkedCursor(ChunkSource source) {
    this.source = source;
  }

  @Override
  public boolean isValid() {
    return pos < count;
  }

  @Override
  public void seekToFirst() {
    load(null, true, true, FIRST_CHUNK);
  }

  @Override
  public void seekToLast() {
    load(null, true, false, FIRST_CHUNK);
  }

  @Override
  public void seek(byte[] userKey, long trailer) {
    load(new InternalKey(userKey, trailer), true, true, FIRST_CHUNK);
  }

  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    load(new InternalKey(userKey, trailer), true, false, FIRST_CHUNK);
  }

  @Override
  public void next() {
    step(true);
  }

  @Override
  public void prev() {
    step(false);
  }

  private void step(boolean wantForward) {
    InternalKey current = keys[pos];
    if (forward != wantForward) {
      load(current, false, wantForward, FIRST_CHUNK);
      return;
    }
    pos++;
    if (pos == count && count == keys.length) {
      // The chunk was full, so more entries may follow: fetch the next, larger chunk.
      load(current, false, wantForward, Math.min(keys.length * 2, MAX_CHUNK));
    }
  }

  private void load(InternalKey from, boolean inclusive, boolean dir, int capacity) {
    if (keys.length != capacity) {
      keys = new InternalKey[capacity];
      values = new byte[capacity][];
    }
    forward = dir;
    count = source.copyChunk(from, inclusive, dir, keys, values);
    pos = 0;
  }

  @Override
  public byte[] userKey() {
    return keys[pos].userKey();
  }

  @Override
  public long trailer() {
    return keys[pos].trailer();
  }

  @Override
  public byte[] value() {
    return values[pos];
  }

  /** The sequence of the current entry; a convenience for tests. */
  long sequence() {
    return Trailer.sequence(keys[pos].trailer());
  }

  @Override
  public void close() {
    count = 0;
    pos = 0;
  }
}
