package dev.strata.sstable;

import dev.strata.StrataException;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import java.util.function.Consumer;

/**
 * A forward-only iterator over every entry of a table that can still be read, for repair and
 * salvage: a data block that fails its checksum, does not decode, or disagrees with the index is
 * skipped whole and reported ({@link LostBlock}), and iteration goes on with the next block. Only
 * {@link #seekToFirst()} and {@link #next()} move it; seeks and backward moves are refused.
 *
 * <p>Not thread-safe; the caller keeps the reader open while using it and closes the reader.
 */
public final class SalvagingTableIterator implements InternalIterator {
  /**
   * A data block that could not be read: the keys after {@code afterKey} (the previous block's
   * last internal key, null for the first block) up to and including {@code upToKey} (the block's
   * index key) are lost from this table.
   */
  public record LostBlock(
      String fileName, long offset, byte[] afterKey, byte[] upToKey, String reason) {}

  private final TableReader reader;
  private final TableIndex index;
  private final Consumer<LostBlock> onLost;
  private int blockIndex = -1;
  private BlockIterator blockIterator;

  /**
   * @param onLost told of each block skipped, in order, as iteration reaches it
   */
  public SalvagingTableIterator(TableReader reader, Consumer<LostBlock> onLost) {
    this.reader = reader;
    this.index = reader.index();
    this.onLost = onLost;
  }

  @Override
  public boolean isValid() {
    return blockIterator != null && blockIterator.isValid();
  }

  @Override
  public void seekToFirst() {
    blockIndex = -1;
    blockIterator = null;
    loadNextReadable();
  }

  @Override
  public void next() {
    blockIterator.next();
    if (!blockIterator.isValid()) {
      loadNextReadable();
    }
  }

  /** Positions at the first entry of the next block after {@code blockIndex} that reads. */
  private void loadNextReadable() {
    for (int i = blockIndex + 1; i < index.size(); i++) {
      blockIndex = i;
      Block block;
      try {
        block = reader.dataBlock(i, true, false);
      } catch (StrataException e) {
        // CorruptionException (a failed check) or an I/O error reading the block.
        onLost.accept(
            new LostBlock(
                reader.fileName(),
                index.blockOffset(i),
                i == 0 ? null : index.lastKey(i - 1),
                index.lastKey(i),
                e.getMessage()));
        continue;
      }
      if (blockIterator == null) {
        blockIterator = new BlockIterator(block);
      } else {
        blockIterator.reset(block);
      }
      blockIterator.seekToFirst();
      if (blockIterator.isValid()) {
        return;
      }
    }
    if (blockIterator != null) {
      blockIterator.reset(blockIterator.block());
    }
  }

  @Override
  public byte[] userKey() {
    return blockIterator.userKey();
  }

  @Override
  public long trailer() {
    long stored = blockIterator.trailer();
    long global = reader.globalSequence();
    // An ingested table's entries read at its global sequence, as through its ordinary iterator.
    return global == 0 ? stored : Trailer.withSequence(stored, global);
  }

  @Override
  public byte[] value() {
    return blockIterator.value();
  }

  @Override
  public void seekToLast() {
    throw new UnsupportedOperationException("a salvaging iterator only moves forward");
  }

  @Override
  public void seek(byte[] userKey, long trailer) {
    throw new UnsupportedOperationException("a salvaging iterator only moves forward");
  }

  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    throw new UnsupportedOperationException("a salvaging iterator only moves forward");
  }

  @Override
  public void prev() {
    throw new UnsupportedOperationException("a salvaging iterator only moves forward");
  }

  @Override
  public void close() {
    blockIterator = null;
  }
}
