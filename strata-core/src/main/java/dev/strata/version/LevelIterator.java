package dev.strata.version;

import dev.strata.key.InternalIterator;
import dev.strata.sstable.PrefixBound;
import dev.strata.sstable.TableCache;
import java.util.List;

/**
 * Iterates a level >= 1 (disjoint files sorted by key) as one sequence, opening one file at a time.
 * Owns a reference on every file of the level it was made from and drops them on {@link #close()}.
 * Not thread-safe.
 *
 * <p>While a {@link PrefixBound} is set, each file is skipped if its prefix filter rules the
 * prefix out ({@link TableFileIterator}), and the iterator stops, rather than open the next file,
 * at a file whose key range lies wholly past the prefix in the direction of travel: a seek to an
 * absent prefix consults at most the files whose ranges reach it.
 */
final class LevelIterator implements InternalIterator {
  private final TableCache tables;
  private final List<FileMetadata> files;
  private final boolean verifyChecksums;
  private final boolean fillCache;

  /** The bound of a prefix-bounded iterator, or null. */
  private final PrefixBound prefix;

  private int index = -1;
  private TableFileIterator current;
  private boolean closed;

  LevelIterator(
      TableCache tables,
      List<FileMetadata> files,
      boolean verifyChecksums,
      boolean fillCache,
      PrefixBound prefix) {
    this.prefix = prefix;
    this.tables = tables;
    this.files = files;
    this.verifyChecksums = verifyChecksums;
    this.fillCache = fillCache;
  }

  private void open(int i) {
    if (i == index && current != null) {
      return;
    }
    if (current != null) {
      current.release();
      current = null;
    }
    index = i;
    if (i >= 0 && i < files.size()) {
      current =
          new TableFileIterator(tables, files.get(i), verifyChecksums, fillCache, false, prefix);
    }
  }

  @Override
  public boolean isValid() {
    return current != null && current.isValid();
  }

  @Override
  public void seekToFirst() {
    open(0);
    if (current != null) {
      current.seekToFirst();
      skipForward();
    }
  }

  @Override
  public void seekToLast() {
    open(files.size() - 1);
    if (current != null) {
      current.seekToLast();
      skipBackward();
    }
  }

  @Override
  public void seek(byte[] userKey, long trailer) {
    int i = findFile(userKey);
    open(i);
    if (current != null) {
      current.seek(userKey, trailer);
      skipForward();
    }
  }

  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    int i = findFile(userKey);
    if (i >= files.size()) {
      i = files.size() - 1;
    }
    open(i);
    if (current != null) {
      current.seekForPrev(userKey, trailer);
      skipBackward();
    }
  }

  private int findFile(byte[] userKey) {
    return Level.findFile(files, userKey);
  }

  @Override
  public void next() {
    current.next();
    skipForward();
  }

  @Override
  public void prev() {
    current.prev();
    skipBackward();
  }

  private void skipForward() {
    while (current != null && !current.isValid()) {
      if (index + 1 >= files.size()
          || (prefix != null && prefix.allAbove(files.get(index + 1).smallestUserKey()))) {
        open(files.size());
        return;
      }
      open(index + 1);
      current.seekToFirst();
    }
  }

  private void skipBackward() {
    while (current != null && !current.isValid()) {
      if (index - 1 < 0
          || (prefix != null && prefix.allBelow(files.get(index - 1).largestUserKey()))) {
        open(-1);
        return;
      }
      open(index - 1);
      current.seekToLast();
    }
  }

  @Override
  public byte[] userKey() {
    return current.userKey();
  }

  @Override
  public long trailer() {
    return current.trailer();
  }

  @Override
  public byte[] value() {
    return current.value();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (current != null) {
      current.release();
      current = null;
    }
    for (FileMetadata f : files) {
      f.unref();
    }
  }
}
