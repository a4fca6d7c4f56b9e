package dev.strata.version;

import dev.strata.key.InternalIterator;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableHandle;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Iterates one table file, opening it through the table cache on first use. Holds a reference on
 * the file (taken by its creator) and the table handle until closed. Not thread-safe.
 */
public final class TableFileIterator implements InternalIterator {
  private final TableCache tables;
  private final FileMetadata file;
  private final boolean verifyChecksums;
  private final boolean fillCache;
  /** Whether {@link #close()} drops the file reference the creator took. */
  private final boolean ownsRef;

  private TableHandle handle;
  private InternalIterator it;
  private boolean closed;

  public TableFileIterator(
      TableCache tables,
      FileMetadata file,
      boolean verifyChecksums,
      boolean fillCache,
      boolean ownsRef) {
    this.tables = tables;
    this.file = file;
    this.verifyChecksums = verifyChecksums;
    this.fillCache = fillCache;
    this.ownsRef = ownsRef;
  }

  private InternalIterator it() {
    if (it == null) {
      try {
        handle = tables.acquire(file.number(), file.fileSize());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      it = handle.reader().newIterator(verifyChecksums, fillCache);
    }
    return it;
  }

  @Override
  public boolean isValid() {
    return it != null && it.isValid();
  }

  @Override
  public void seekToFirst() {
    it().seekToFirst();
  }

  @Override
  public void seekToLast() {
    it().seekToLast();
  }

  @Override
  public void seek(byte[] userKey, long trailer) {
    it().seek(userKey, trailer);
  }

  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    it().seekForPrev(userKey, trailer);
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

  /** Closes the table iterator and handle but keeps the file reference (for re-opening). */
  void release() {
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
