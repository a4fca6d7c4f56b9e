package dev.strata.memtable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A hash index over one {@link ArenaSkipList}: from a user key to its node, which holds the chain
 * of the key's versions. A point lookup then reads one slot of this table and the node it names,
 * where a search of the list visits about twenty nodes of a large memtable, most of them cache
 * misses (the profile in {@code docs/design/kafka.md}: a quarter of a Kafka Streams application's
 * time was that search); and a new version of a key already present joins the node's chain without
 * a search. The list stays the memtable's ordered map; this table only answers "where is this
 * key's node".
 *
 * <h2>Layout</h2>
 *
 * Open addressing with linear probing in one {@code long[]} whose length is a power of two, at
 * most three quarters full (it doubles before that). A slot is 0 (empty) or
 *
 * <pre>
 *   bits 63..40  the top 24 bits of the key's 64-bit hash (its tag)
 *   bits 39..22  the node's slab index plus one (so that no slot in use is 0)
 *   bits 21..0   the node's offset in its slab's array divided by 8
 * </pre>
 *
 * A key's first slot is the top {@code log2(length)} bits of its hash, which are the top bits of
 * its tag: doubling the table moves every slot by its tag alone, without reading a node or hashing
 * a key again. The tag's remaining bits reject most other keys met while probing without reading
 * their nodes. Slots are never removed (a memtable only grows), so a probe ends at the first empty
 * slot. Offsets reach 32 MiB because a slab may be a window of a chunk as large as a G1 region
 * ({@link SlabChunks} uses chunks of at most 32 MiB). A node the format cannot hold (slab 2^18 - 1
 * or later: about 200 GiB in one shard) or a table that would pass 2^24 slots (12 million keys
 * in one shard) makes the index give up for good: {@link #find} then answers
 * {@link #UNINDEXED} and the caller searches the list.
 *
 * <h2>Concurrency</h2>
 *
 * As the list: one writer at a time (the owning shard's write lock) beside any number of readers.
 * The writer fills a new table completely before it publishes it (a volatile store), and stores a
 * slot with release after the node it names is linked into the list; a reader loads the table
 * (volatile) and each slot with acquire, so it sees the node's bytes and the slab that holds them.
 * A reader that overlapped a write may miss a key added meanwhile, never read outside the table or
 * the list; the shard's {@code StampedLock} validation makes it search again.
 */
final class KeyIndex {
  /** {@link #find}: the key has no node in the list. */
  static final long ABSENT = ArenaSkipList.NIL;

  /** {@link #find}: the index gave up; search the list. */
  static final long UNINDEXED = -3L;

  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

  private static final int TAG_SHIFT = 40;
  private static final int SLAB_SHIFT = 22;
  private static final long SLAB_LIMIT = (1L << (TAG_SHIFT - SLAB_SHIFT)) - 1;
  private static final int OFFSET_LIMIT = 1 << (SLAB_SHIFT + 3);
  private static final int FIRST_LENGTH = 4;
  /** At most 2^(64 - TAG_SHIFT) slots, so that a slot's first index is within its tag. */
  private static final int MAX_LENGTH = 1 << (64 - TAG_SHIFT);

  private final ArenaSkipList list;

  /** The longest table; reaching it makes the index give up. */
  private final int maxLength;

  /** The table; replaced by the writer with a filled, larger copy. */
  private volatile long[] slots = new long[FIRST_LENGTH];

  /** Slots in use; writer only. */
  private int used;

  /** Set once by the writer when a node or the table outgrows the format; never cleared. */
  private volatile boolean gaveUp;

  /** Heap bytes allocated but not yet reported by {@link #add} (the first table's). */
  private long unreported = EntrySizes.array(FIRST_LENGTH * 8);

  KeyIndex(ArenaSkipList list) {
    this(list, MAX_LENGTH);
  }

  /** As above, giving up at a table of {@code maxLength} slots (a power of two; for tests). */
  KeyIndex(ArenaSkipList list, int maxLength) {
    if (maxLength < FIRST_LENGTH || maxLength > MAX_LENGTH || Integer.bitCount(maxLength) != 1) {
      throw new IllegalArgumentException("index length: " + maxLength);
    }
    this.list = list;
    this.maxLength = maxLength;
  }

  /**
   * The node of {@code key}, whose 64-bit hash is {@code hash}, {@link #ABSENT} or {@link
   * #UNINDEXED}. Any thread; see the class comment for what a read that
   * overlaps a write may answer.
   */
  long find(byte[] key, long hash) {
    if (gaveUp) {
      return UNINDEXED;
    }
    long[] t = slots;
    int mask = t.length - 1;
    int i = (int) (hash >>> (64 - Integer.numberOfTrailingZeros(t.length)));
    for (int probes = 0; probes <= mask; probes++) {
      long slot = (long) SLOT.getAcquire(t, i);
      if (slot == 0) {
        return ABSENT;
      }
      if (((slot ^ hash) >>> TAG_SHIFT) == 0) {
        long node = node(slot);
        if (list.isNodeOf(node, key)) {
          return node;
        }
      }
      i = (i + 1) & mask;
    }
    return ABSENT;
  }

  /**
   * Records {@code node}, just linked into the list, as the node of {@code key}, a key the index
   * does not hold yet. Writer only.
   *
   * @return heap bytes this allocated (a larger table), net of the table it replaced
   */
  long add(byte[] key, long hash, long node) {
    if (gaveUp) {
      return 0;
    }
    long allocated = unreported;
    unreported = 0;
    long slab = (node >>> 32) + 1;
    int offset = ArenaSkipList.offset(node);
    if (slab >= SLAB_LIMIT || offset >= OFFSET_LIMIT) {
      gaveUp = true;
      return allocated;
    }
    long[] t = slots;
    if ((used + 1) * 4L > t.length * 3L) {
      if (t.length == maxLength) {
        gaveUp = true;
        return allocated;
      }
      t = grow(t);
      allocated += EntrySizes.array(t.length * 8) - EntrySizes.array(t.length * 4);
    }
    int mask = t.length - 1;
    int i = (int) (hash >>> (64 - Integer.numberOfTrailingZeros(t.length)));
    while (t[i] != 0) {
      i = (i + 1) & mask;
    }
    SLOT.setRelease(t, i, (hash >>> TAG_SHIFT << TAG_SHIFT) | (slab << SLAB_SHIFT) | (offset >>> 3));
    used++;
    return allocated;
  }

  /** A table twice as long holding every slot of {@code t}, published before it is returned. */
  private long[] grow(long[] t) {
    long[] bigger = new long[t.length * 2];
    int shift = 64 - Integer.numberOfTrailingZeros(bigger.length);
    int mask = bigger.length - 1;
    for (long slot : t) {
      if (slot != 0) {
        int i = (int) (slot >>> shift);
        while (bigger[i] != 0) {
          i = (i + 1) & mask;
        }
        bigger[i] = slot;
      }
    }
    slots = bigger;
    return bigger;
  }

  /** Heap bytes of the current table, array header included. */
  long allocatedBytes() {
    return EntrySizes.array(slots.length * 8);
  }

  /** Keys indexed; writer only (or under the shard's read lock). */
  int size() {
    return used;
  }

  /** Whether the index gave up (see the class comment); for tests. */
  boolean gaveUpForTesting() {
    return gaveUp;
  }

  private static long node(long slot) {
    long slab = ((slot >>> SLAB_SHIFT) & SLAB_LIMIT) - 1;
    return (slab << 32) | ((slot & ((1L << SLAB_SHIFT) - 1)) << 3);
  }
}
