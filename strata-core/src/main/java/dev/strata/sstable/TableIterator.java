package dev.strata.sstable;

import dev.strata.StrataException;
import dev.strata.key.BorrowedValue;
import dev.strata.key.InternalIterator;

/**
 * The two-level iterator over one table: a position in the in-memory {@link TableIndex} picks a
 * data block, read through the cache, and a {@link BlockIterator} moves within it, stepping to the
 * neighbouring block at either end. Data blocks are never empty, so stepping never skips.
 *
 * <p>Not thread-safe: one thread at a time, as every {@link InternalIterator}. The caller closes
 * it, which closes the optional {@code onClose} resource (a {@link TableHandle} when the iterator
 * came from {@link TableCache}); the reader must stay open until then.
 */
final class TableIterator implements InternalIterator {
  private final TableReader reader;
  private final TableIndex index;
  private final boolean verifyChecksums;
  private final boolean fillCache;
  private AutoCloseable onClose;

  /** The data block under {@link #blockIterator}, or -1 before the first load. */
  private int blockIndex = -1;

  private BlockIterator blockIterator;

  /**
   * Where blocks are read: one pair of arrays for all of its blocks instead of an array per block,
   * and for an iterator that does not fill the cache (a compaction's inputs, a bulk scan) the
   * read-ahead window once it steps from one block to the next. Created at the first read.
   */
  private StoredBlock.Scratch buffers;

  /** What {@link #borrowValue} lends, reused. */
  private final BorrowedValue borrowed = new BorrowedValue();

  TableIterator(
      TableReader reader, boolean verifyChecksums, boolean fillCache, AutoCloseable onClose) {
    this.reader = reader;
    this.index = reader.index();
    this.verifyChecksums = verifyChecksums;
    this.fillCache = fillCache;
    this.onClose = onClose;
  }

  @Override
  public boolean isValid() {
    return blockIterator != null && blockIterator.isValid();
  }

  @Override
  public void seekToFirst() {
    if (load(0)) {
      blockIterator.seekToFirst();
    }
  }

  @Override
  public void seekToLast() {
    if (load(index.size() - 1)) {
      blockIterator.seekToLast();
    }
  }

  @Override
  public void seek(byte[] userKey, long trailer) {
    if (load(index.find(userKey, trailer))) {
      // The block's last key equals its index key, which is at or after the target: found here.
      blockIterator.seek(userKey, trailer);
    }
  }

  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    int i = index.find(userKey, trailer);
    if (i == index.size()) {
      seekToLast();
      return;
    }
    load(i);
    blockIterator.seekForPrev(userKey, trailer);
    if (!blockIterator.isValid() && load(i - 1)) {
      blockIterator.seekToLast();
    }
  }

  @Override
  public void next() {
    blockIterator.next();
    if (!blockIterator.isValid() && load(blockIndex + 1)) {
      blockIterator.seekToFirst();
    }
  }

  @Override
  public void prev() {
    blockIterator.prev();
    if (!blockIterator.isValid() && load(blockIndex - 1)) {
      blockIterator.seekToLast();
    }
  }

  @Override
  public byte[] userKey() {
    return blockIterator.userKey();
  }

  @Override
  public long trailer() {
    return blockIterator.trailer();
  }

  @Override
  public byte[] value() {
    return blockIterator.value();
  }

  @Override
  public BorrowedValue borrowValue() {
    return blockIterator.borrowValue(borrowed);
  }

  /**
   * Puts block {@code i} under the cursor, unpositioned; if {@code i} is out of range, leaves the
   * iterator invalid and returns false. Reuses the block already loaded.
   */
  private boolean load(int i) {
    if (i < 0 || i >= index.size()) {
      if (blockIterator != null) {
        blockIterator.reset(blockIterator.block());
      }
      return false;
    }
    if (i != blockIndex) {
      if (buffers == null) {
        buffers = new StoredBlock.Scratch();
      }
      // The block under the cursor is dropped here, so its buffers may take the next one. An
      // iterator that does not fill the cache and steps to the next block reads ahead: the
      // blocks after this one come from the same read (StoredBlock.READ_AHEAD_BYTES).
      Block block =
          !fillCache && i == blockIndex + 1 && blockIndex >= 0
              ? reader.dataBlockAhead(i, verifyChecksums, buffers)
              : reader.dataBlock(i, verifyChecksums, fillCache, buffers);
      if (blockIterator == null) {
        blockIterator = new BlockIterator(block);
      } else {
        blockIterator.reset(block);
      }
      blockIndex = i;
    }
    return true;
  }

  @Override
  public void close() {
    AutoCloseable resource = onClose;
    onClose = null;
    blockIterator = null;
    blockIndex = -1;
    if (resource != null) {
      try {
        resource.close();
      } catch (Exception e) {
        throw new StrataException("releasing table " + reader.fileName() + " failed", e);
      }
    }
  }
}
