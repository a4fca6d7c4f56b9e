package dev.strata.key;

import java.util.List;

/**
 * Merges several {@link InternalIterator}s into one in internal-key order, in both directions: the
 * k-way merge behind memtable iteration, flush, compaction and user iterators. Entries equal in
 * internal order (the same write visible in two sources while a level is replaced) are all
 * returned; consumers skip repeats by user key.
 *
 * <p>Not thread-safe. Owns its children: {@link #close()} closes them all.
 *
 * <p>The current child is found by a linear scan: the children are few (memtable shards or one
 * iterator per memtable and level) and the scan avoids the bookkeeping of a heap when children
 * are exhausted. Direction changes re-position every other child relative to the current key, as
 * LevelDB's {@code MergingIterator} does.
 */
public final class MergingIterator implements InternalIterator {
  private final InternalIterator[] children;
  private InternalIterator current;
  private boolean forward = true;

  public MergingIterator(List<? extends InternalIterator> children) {
    this.children = children.toArray(new InternalIterator[0]);
  }

  @Override
  public boolean isValid() {
    return current != null;
  }

  @Override
  public void seekToFirst() {
    for (InternalIterator c : children) {
      c.seekToFirst();
    }
    forward = true;
    findSmallest();
  }

  @Override
  public void seekToLast() {
    for (InternalIterator c : children) {
      c.seekToLast();
    }
    forward = false;
    findLargest();
  }

  @Override
  public void seek(byte[] userKey, long trailer) {
    for (InternalIterator c : children) {
      c.seek(userKey, trailer);
    }
    forward = true;
    findSmallest();
  }

  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    for (InternalIterator c : children) {
      c.seekForPrev(userKey, trailer);
    }
    forward = false;
    findLargest();
  }

  @Override
  public void next() {
    if (!forward) {
      // Every other child sits at or before the current key; move each to the first entry after
      // it, so that the forward merge resumes exactly after the current entry.
      byte[] key = current.userKey();
      long trailer = current.trailer();
      for (InternalIterator c : children) {
        if (c != current) {
          c.seek(key, trailer);
          if (c.isValid() && InternalKey.compare(c.userKey(), c.trailer(), key, trailer) == 0) {
            c.next();
          }
        }
      }
      forward = true;
    }
    current.next();
    findSmallest();
  }

  @Override
  public void prev() {
    if (forward) {
      byte[] key = current.userKey();
      long trailer = current.trailer();
      for (InternalIterator c : children) {
        if (c != current) {
          c.seekForPrev(key, trailer);
          if (c.isValid() && InternalKey.compare(c.userKey(), c.trailer(), key, trailer) == 0) {
            c.prev();
          }
        }
      }
      forward = false;
    }
    current.prev();
    findLargest();
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

  private void findSmallest() {
    InternalIterator best = null;
    for (InternalIterator c : children) {
      if (c.isValid()
          && (best == null
              || InternalKey.compare(c.userKey(), c.trailer(), best.userKey(), best.trailer())
                  < 0)) {
        best = c;
      }
    }
    current = best;
  }

  private void findLargest() {
    InternalIterator best = null;
    for (InternalIterator c : children) {
      if (c.isValid()
          && (best == null
              || InternalKey.compare(c.userKey(), c.trailer(), best.userKey(), best.trailer())
                  > 0)) {
        best = c;
      }
    }
    current = best;
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (InternalIterator c : children) {
      try {
        c.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
