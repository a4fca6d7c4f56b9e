package dev.strata.version;

import dev.strata.key.InternalIterator;
import dev.strata.sstable.TableCache;
import java.util.List;

/**
 * Iterates a level >= 1 (disjoint files sorted by key) as one sequence, opening one file at a time.
 * Owns a reference on every file of the level it was made from and drops them on {@link #close()}.
 * Not thread-safe.
 */
final class LevelIterator implements InternalIterator {
  private final TableCache tables;
  private final List<FileMetadata> files;
  private final boolean verifyChecksums;
  private final boolean fillCache;
  private int index = -1;
  private TableFileIterator current;
  private boolean closed;

  LevelIterator(
      TableCache tables, List<FileMetadata> files, boolean verifyChecksums, boolean fillCache) {
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
      current = new TableFileIterator(tables, files.get(i), verifyChecksums, fillCache, false);
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
      if (index + 1 >= files.size()) {
        open(files.size());
        return;
      }
      open(index + 1);
      current.seekToFirst();
    }
  }

  private void skipBackward() {
    while (current != null && !current.isValid()) {
      if (index - 1 < 0) {
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
