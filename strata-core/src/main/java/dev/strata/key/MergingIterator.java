package dev.strata.key;

import java.util.List;

/**
 * Merges several {@link InternalIterator}s into one in internal-key order, in both directions: the
 * k-way merge behind memtable iteration, flush, compaction and user iterators. Entries equal in
 * internal order (the same write visible in two sources while a level is replaced) are all
 * returned, the child listed first first in either direction; consumers skip repeats by user key.
 *
 * <p>Not thread-safe. Owns its children: {@link #close()} closes them all.
 *
 * <p>The valid children sit in a binary heap ordered by their current entries (smallest at the
 * root going forward, largest going backward), so a step costs about 2 log2(n) comparisons instead
 * of the n - 1 of a linear scan; a flush merges one cursor per memtable shard (16 by default).
 * Each heap node keeps its child's current key and trailer, read once per move. A seek or a change
 * of direction rebuilds the heap; a direction change first re-positions every other child
 * relative to the current key, as LevelDB's {@code MergingIterator} does.
 */
public final class MergingIterator implements InternalIterator {
  /** A child and the entry it is on, refreshed whenever the child moves. */
  private static final class Node {
    final InternalIterator it;
    final int index;
    byte[] key;
    long trailer;

    Node(InternalIterator it, int index) {
      this.it = it;
      this.index = index;
    }

    void refresh() {
      key = it.userKey();
      trailer = it.trailer();
    }
  }

  private final InternalIterator[] children;
  private final Node[] nodes;
  /** heap[0, size) holds the valid children; heap[0] is the current one. */
  private final Node[] heap;

  private int size;
  private boolean forward = true;

  public MergingIterator(List<? extends InternalIterator> children) {
    this.children = children.toArray(new InternalIterator[0]);
    this.nodes = new Node[this.children.length];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = new Node(this.children[i], i);
    }
    this.heap = new Node[nodes.length];
  }

  @Override
  public boolean isValid() {
    return size > 0;
  }

  @Override
  public void seekToFirst() {
    for (InternalIterator c : children) {
      c.seekToFirst();
    }
    forward = true;
    rebuild();
  }

  @Override
  public void seekToLast() {
    for (InternalIterator c : children) {
      c.seekToLast();
    }
    forward = false;
    rebuild();
  }

  @Override
  public void seek(byte[] userKey, long trailer) {
    for (InternalIterator c : children) {
      c.seek(userKey, trailer);
    }
    forward = true;
    rebuild();
  }

  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    for (InternalIterator c : children) {
      c.seekForPrev(userKey, trailer);
    }
    forward = false;
    rebuild();
  }

  @Override
  public void next() {
    InternalIterator current = heap[0].it;
    if (!forward) {
      // Every other child sits at or before the current key; move each to the first entry after
      // it, so that the forward merge resumes exactly after the current entry.
      byte[] key = heap[0].key;
      long trailer = heap[0].trailer;
      for (InternalIterator c : children) {
        if (c != current) {
          c.seek(key, trailer);
          if (c.isValid() && InternalKey.compare(c.userKey(), c.trailer(), key, trailer) == 0) {
            c.next();
          }
        }
      }
      forward = true;
      current.next();
      rebuild();
      return;
    }
    current.next();
    advanceRoot();
  }

  @Override
  public void prev() {
    InternalIterator current = heap[0].it;
    if (forward) {
      byte[] key = heap[0].key;
      long trailer = heap[0].trailer;
      for (InternalIterator c : children) {
        if (c != current) {
          c.seekForPrev(key, trailer);
          if (c.isValid() && InternalKey.compare(c.userKey(), c.trailer(), key, trailer) == 0) {
            c.prev();
          }
        }
      }
      forward = false;
      current.prev();
      rebuild();
      return;
    }
    current.prev();
    advanceRoot();
  }

  @Override
  public byte[] userKey() {
    return heap[0].key;
  }

  @Override
  public long trailer() {
    return heap[0].trailer;
  }

  @Override
  public byte[] value() {
    return heap[0].it.value();
  }

  @Override
  public BorrowedValue borrowValue() {
    return heap[0].it.borrowValue();
  }

  /** Puts every valid child in the heap. */
  private void rebuild() {
    size = 0;
    for (Node n : nodes) {
      if (n.it.isValid()) {
        n.refresh();
        heap[size++] = n;
      }
    }
    for (int i = size / 2 - 1; i >= 0; i--) {
      siftDown(i);
    }
  }

  /** After the root's child moved: re-place it, or drop it if it ran out. */
  private void advanceRoot() {
    Node root = heap[0];
    if (root.it.isValid()) {
      root.refresh();
    } else {
      heap[0] = heap[--size];
      heap[size] = null;
    }
    if (size > 0) {
      siftDown(0);
    }
  }

  private void siftDown(int i) {
    Node x = heap[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && before(heap[child + 1], heap[child])) {
        child++;
      }
      if (!before(heap[child], x)) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = x;
  }

  /** Whether {@code a} comes out before {@code b} in the current direction. */
  private boolean before(Node a, Node b) {
    int c = InternalKey.compare(a.key, a.trailer, b.key, b.trailer);
    if (c == 0) {
      return a.index < b.index;
    }
    return forward ? c < 0 : c > 0;
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
