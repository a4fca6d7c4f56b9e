package dev.strata.bench.engine;

import java.util.Iterator;
import java.util.Map;

/**
 * An {@link EngineCursor} over an engine whose iterator hands out {@code Map.Entry} objects
 * (iq80 LevelDB, the skip-list map): it holds the entry the cursor is on. Subclasses position the
 * underlying iterator and call {@link #advance}. Not thread-safe, like every cursor.
 */
abstract class EntryIteratorCursor implements EngineCursor {
  private Map.Entry<byte[], byte[]> current;

  /** Moves to the iterator's next entry, or past the end. */
  final void advance(Iterator<Map.Entry<byte[], byte[]>> it) {
    current = it != null && it.hasNext() ? it.next() : null;
  }

  final void clear() {
    current = null;
  }

  @Override
  public final boolean isValid() {
    return current != null;
  }

  @Override
  public final byte[] key() {
    return current.getKey();
  }

  @Override
  public final byte[] value() {
    return current.getValue();
  }
}
