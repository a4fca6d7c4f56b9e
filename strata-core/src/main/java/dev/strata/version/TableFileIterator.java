package dev.strata.version;

import dev.strata.key.BorrowedValue;
import dev.strata.key.InternalIterator;
import dev.strata.sstable.PrefixBound;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableHandle;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Iterates one table file, opening it through the table cache on first use. Holds a reference on
 * the file (taken by its creator) and the table handle until closed. Not thread-safe.
 *
 * <p>Given a {@link PrefixBound}, each positioning while the bound is set first asks the table's
 * prefix filter ({@link dev.strata.sstable.TableReader#prefixMayMatch}); if it rules the prefix
 * out, the iterator is left invalid without reading a data block. Only point entries are skipped:
 * range tombstones are read from the table apart from this iterator ({@link
 * ConcurrentLevel#newIterator(boolean, boolean, java.util.List, PrefixBound)}).
 */
public final class TableFileIterator implements InternalIterator {
  private final TableCache tables;
  private final FileMetadata file;
  private final boolean verifyChecksums;
  private final boolean fillCache;
  /** Whether {@link #close()} drops the file reference the creator took. */
  private final boolean ownsRef;

  /** The bound of a prefix-bounded iterator, or null. */
  private final PrefixBound prefix;

  /** Whether the last positioning was skipped because the prefix filter ruled the table out. */
  private boolean ruledOut;

  private TableHandle handle;
  private InternalIterator it;
  private boolean closed;

  public TableFileIterator(
      TableCache tables,
      FileMetadata file,
      boolean verifyChecksums,
      boolean fillCache,
      boolean ownsRef) {
    this(tables, file, verifyChecksums, fillCache, ownsRef, null);
  }

  /** As above, skipping the table while {@code prefix} (unless null) is set and ruled out. */
  public TableFileIterator(
      TableCache tables,
      FileMetadata file,
      boolean verifyChecksums,
      boolean fillCache,
      boolean ownsRef,
      PrefixBound prefix) {
    this.prefix = prefix;
    this.tables = tables;
    this.file = file;
    this.verifyChecksums = verifyChecksums;
    this.fillCache = fillCache;
    this.ownsRef = ownsRef;
  }

  private TableHandle handle() {
    if (handle == null) {
      try {
        handle = file.acquireTable(tables);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return handle;
  }

  private InternalIterator it() {
    if (it == null) {
      it = handle().reader().newIterator(verifyChecksums, fillCache);
    }
    return it;
  }

  /**
   * Decides, before a positioning, whether the table can hold no key of the bound's prefix: its
   * key range lies wholly outside the prefix's (no table is opened for that), or its prefix filter
   * rules the prefix out. If so the positioning is skipped and the iterator stays invalid until
   * the next one.
   */
  private boolean skipForPrefix() {
    ruledOut =
        prefix != null
            && prefix.isSet()
            && (prefix.allAbove(file.smallestUserKey())
                || prefix.allBelow(file.largestUserKey())
                || !handle().reader().prefixMayMatch(prefix));
    return ruledOut;
  }

  @Override
  public boolean isValid() {
    return !ruledOut && it != null && it.isValid();
  }

  @Override
  public void seekToFirst() {
    if (!skipForPrefix()) {
      it().seekToFirst();
    }
  }

  @Override
  public void seekToLast() {
    if (!skipForPrefix()) {
      it().seekToLast();
    }
  }

  @Override
  public void seek(byte[] userKey, long trailer) {
    if (!skipForPrefix()) {
      it().seek(userKey, trailer);
    }
  }

  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    if (!skipForPrefix()) {
      it().seekForPrev(userKey, trailer);
    }
  }

  @Override
  public void next() {
    it.next();
  }

  @Override
  public void prev() {
    it.prev();
  }

  @Override
  public byte[] userKey() {
    return it.userKey();
  }

  @Override
  public long trailer() {
    return it.trailer();
  }

  @Override
  public byte[] value() {
    return it.value();
  }

  @Override
  public BorrowedValue borrowValue() {
    return it.borrowValue();
  }

  /** Closes the table iterator and handle but keeps the file reference (for re-opening). */
  void release() {
    ruledOut = false;
    if (it != null) {
      it.close();
      it = null;
    }
    if (handle != null) {
      handle.close();
      handle = null;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    release();
    if (ownsRef) {
      file.unref();
    }
  }
}
