package dev.strata.memtable;

import dev.strata.key.BorrowedValue;
import dev.strata.util.Bytes;
import dev.strata.util.Coding;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An ordered map of internal keys to values whose entries live in an arena of byte-array slabs:
 * the skip list of LevelDB's memtable, with nodes addressed by {@code long} offsets instead of Java
 * objects, and one node per user key holding the chain of that key's versions. A memtable of a
 * million entries is then a few dozen arrays rather than four million small objects, which the
 * garbage collector would otherwise copy at every young collection while the memtable fills (see
 * {@code docs/design/memtable.md}).
 *
 * <h2>Layout</h2>
 *
 * An address is {@code (slabIndex << 32) | offset}; nodes and versions start at multiples of 8. A
 * node (little-endian):
 *
 * <pre>
 *   height       1 byte, 1..MAX_HEIGHT
 *   keyLength    4 bytes
 *   (padding)    3 bytes, so that the next pointers are 8-byte aligned
 *   next[height] 16 bytes each: the address of the following node at that level (or NIL), then
 *                the first 8 bytes of that node's key (see "Key prefixes")
 *   versions     8 bytes: the address of the key's newest version
 *   key          keyLength bytes
 * </pre>
 *
 * and a version, {@value #VERSION} bytes:
 *
 * <pre>
 *   older        8 bytes: the address of the key's next older version, or NIL
 *   trailer      8 bytes (sequence and kind, see Trailer)
 *   value        8 bytes: the address of the value (NIL for an empty value), where a 4-byte
 *                length precedes its bytes
 * </pre>
 *
 * A key's versions form a chain from the newest (greatest trailer) down, so the list's entries in
 * internal-key order ({@link dev.strata.key.InternalKey#compare}: user key ascending, trailer
 * descending) are its nodes in key order, each followed by its chain. A new key's node and first
 * version are carved together; a new version of a key already present is one version record linked
 * into the chain, with no search of the list when the caller knows the node ({@link #addVersion},
 * found through the shard's {@link KeyIndex}): overwrites of hot keys, the common case of a
 * memtable under an update-heavy load, cost one allocation and one store.
 *
 * <p>Values live apart from the nodes: a shared slab is filled with nodes and versions from its
 * start upwards and with values from its end downwards, until the two meet. A search reads only
 * node headers and keys, and with the values out of the way those fill a few times fewer cache
 * lines, which is what a random lookup in a memtable larger than the CPU caches waits on; one slab
 * is still being filled at a time, so no more memory is left unused than with values inline. {@code
 * docs/benchmarks.md} ("After the node layout changed") has the figures.
 *
 * <p>A list made with {@link ValueChunks} keeps its values of at least {@link
 * ValueChunks#minValueBytes} off the heap instead, once it has allocated {@code heapValuesUntil}
 * bytes: in windows of direct chunks, with the same 4-byte length in front, at addresses that carry
 * {@link #DIRECT} (bit 62) beside the window's index in {@link #directSlabs}. A value larger than a
 * quarter of the largest slab, and every value once no direct memory could be had, still goes on
 * the heap; readers tell the two apart by the bit.
 *
 * <h2>Key prefixes</h2>
 *
 * Beside each next pointer the list keeps the first 8 bytes of the following node's user key, as
 * an unsigned big-endian number (shorter keys padded with zeros): a prefix greater than the
 * target's means the following node sorts after the target, so a search turns down a level without
 * reading that node. Most of a search's steps end a level that way, and each read it saves is a
 * cache miss in a memtable larger than the CPU caches. A search still reads every node it moves to
 * (it needs its pointers), and compares keys in full whenever the prefixes do not decide.
 *
 * <p>Shared slabs double from 4 KiB up to the largest size; a node or value larger than a quarter
 * of the largest gets a slab of its own, so a full-size slab wastes at most a quarter of itself
 * where its nodes and values meet.
 *
 * <h2>Concurrency</h2>
 *
 * One writer at a time (the owning {@link MemtableShard}'s write lock), and any number of readers
 * at the same time as it, as in LevelDB's skip list. The writer fills a node's or a version's bytes
 * and its own pointers first, then makes it reachable with a release store of the pointer that
 * leads to it (a predecessor's next pointer at each level, a node's versions pointer, or an older
 * version's predecessor's older pointer); a reader loads every such pointer with acquire (fences
 * around aligned plain access, see {@link #nextOf}). A link stores the new node's prefix before the
 * release store of the pointer, and a reader reads the prefix after the pointer: it sees the prefix
 * of the node it loaded or of a node linked in front of it later, never a greater one, which is all
 * a search relies on (a prefix turns it down only when the prefix is greater than the target's). A
 * reader that reaches a node or a version therefore sees all of its bytes, and the slab list that
 * holds it; the pointers are aligned, so a load never tears. A reader never sees a half-linked node
 * as anything worse than absent from the upper levels, which only makes its search longer. Bytes
 * other than the pointers never change once linked (values off the heap included, written before
 * the release store that links their version), and heap slabs are never reused, so a reader that
 * found a node or a version may read its key, trailer and value at any later time while it may
 * read the memtable at all: a flushed memtable's value chunks go to the next memtables once no
 * read can reach it ({@link Memtable#reclaim}), and reads assert that they did not ({@link
 * #readable}).
 */
final class ArenaSkipList {
  /** The address that ends a level or a chain of versions. */
  static final long NIL = -1L;

  /** Acquire and release access to {@link #head}'s elements. */
  private static final VarHandle HEAD_LONG = MethodHandles.arrayElementVarHandle(long[].class);

  /** Bytes per level in a node: the next pointer and the following key's prefix. */
  private static final int LINK = 16;

  /** Bytes before the next pointers: height, key length, padding. */
  private static final int NEXT_START = 8;

  /** Bytes of a version: older pointer, trailer, value address. */
  static final int VERSION = 24;

  private static final int V_OLDER = 0;
  private static final int V_TRAILER = 8;
  private static final int V_VALUE = 16;

  /** Marks the address of a value in {@link #directSlabs}; never set in {@link #NIL}'s place. */
  private static final long DIRECT = 1L << 62;

  /** Stands for the head node in search paths; never stored in a node. */
  private static final long HEAD = -2L;

  static final int MAX_HEIGHT = 12;

  /** Each inserting thread's scratch for {@link #insert}'s predecessors; see there. */
  private static final ThreadLocal<long[]> PREDECESSORS =
      ThreadLocal.withInitial(() -> new long[MAX_HEIGHT]);

  /** Smallest and largest slab; see {@link #slabSizeFor}. */
  private static final int MIN_SLAB = 256;

  /** The first slab, unless the largest is smaller: a memtable that gets few writes stays small. */
  private static final int FIRST_SLAB = 4096;

  private static final int MAX_SLAB = 1 << 20;

  /** Room left for the array header in large slabs, so a slab never spills into a second region. */
  private static final int HEADER_ROOM = 64;

  /** Largest slab; an entry over a quarter of it gets a slab of its own. */
  private final int maxSlab;

  /**
   * Where shared slabs come from: windows of the memtable's region-sized chunks, or null for an
   * array of their own each (see {@link SlabChunks}). Slabs for single large entries are always
   * arrays of their own.
   */
  private final SlabChunks chunks;

  /**
   * The slabs; replaced by a larger copy when full. Written by the writer only, before the release
   * store that links a node or version in a new slab, so a reader that loaded that address sees it.
   */
  private byte[][] slabs = new byte[8][];
  private int slabCount;

  /** Where values go off the heap, or null; see the class comment. */
  private final ValueChunks values;

  /** Values stay on the heap until {@link #allocatedBytes} reaches this. */
  private final long heapValuesUntil;

  /**
   * The windows of direct chunks holding values, indexed by a value address's slab index; same
   * protocol as {@link #slabs}.
   */
  private ByteBuffer[] directSlabs = new ByteBuffer[0];
  private int directCount;
  /** Index of the value window being filled (upwards from {@link #vLow}), or -1; writer only. */
  private int vCurrent = -1;
  private int vLow;
  private int vHigh;
  /** Set when {@link #values} had no direct memory: the rest go on the heap; writer only. */
  private boolean directFailed;
  /**
   * Index of the shared slab being carved, or -1 before the first. Nodes and versions are carved
   * upwards from {@code low}, values downwards from {@code high}; the slab is full when they meet.
   * Offsets are within the slab's array, which for a window of a chunk does not start at 0.
   */
  private int current = -1;

  private int low;
  private int high;
  /** Size of the next shared slab as a power of two: slabs double from FIRST_SLAB to maxSlab. */
  private int nextSlabPower = FIRST_SLAB;
  private long allocatedBytes;
  /**
   * Entries (versions) inserted. Here rather than in the shard: the fields an insert writes share
   * their cache lines, and the shard object, which every get reads, is written by nobody.
   */
  private long entries;

  /** The node of the last insert's key; writer only. */
  private long lastNode = NIL;

  private final long[] head = new long[MAX_HEIGHT];
  /** The prefix of the node each {@link #head} element points to; same protocol as nodes' prefixes. */
  private final long[] headPrefix = new long[MAX_HEIGHT];
  /**
   * Levels in use, 1..MAX_HEIGHT. Readers may see an older value, which only means they start lower
   * (a level is linked from the head before any node of it is reachable from a lower level).
   */
  private volatile int height = 1;

  /** xorshift64 state for node heights: deterministic, so runs and model checkers replay alike. */
  private long random = 0x9E3779B97F4A7C15L;

  /**
   * @param maxSlab bytes of the largest slab, normally from {@link #slabSizeFor}
   */
  ArenaSkipList(int maxSlab) {
    this(maxSlab, null);
  }

  /**
   * @param maxSlab bytes of the largest slab, normally from {@link #slabSizeFor}
   * @param chunks where shared slabs come from, or null for arrays of their own
   */
  ArenaSkipList(int maxSlab, SlabChunks chunks) {
    this(maxSlab, chunks, null, 0);
  }

  /**
   * @param maxSlab bytes of the largest slab, normally from {@link #slabSizeFor}
   * @param chunks where shared slabs come from, or null for arrays of their own
   * @param values where values go off the heap, or null to keep them on it
   * @param heapValuesUntil bytes the list allocates before its values go off the heap
   */
  ArenaSkipList(int maxSlab, SlabChunks chunks, ValueChunks values, long heapValuesUntil) {
    if (maxSlab < MIN_SLAB) {
      throw new IllegalArgumentException("slab size below " + MIN_SLAB + ": " + maxSlab);
    }
    if (chunks != null && maxSlab > chunks.chunkBytes()) {
      throw new IllegalArgumentException(
          "slab size " + maxSlab + " above the chunk size " + chunks.chunkBytes());
    }
    this.maxSlab = maxSlab;
    this.chunks = chunks;
    this.values = values;
    this.heapValuesUntil = heapValuesUntil;
    Arrays.fill(head, NIL);
  }

  /**
   * The slab size for a shard expected to hold about {@code budget} bytes: a quarter of it, as a
   * power of two from 256 bytes to 1 MiB. Slabs of 64 KiB and more leave {@value #HEADER_ROOM}
   * bytes for the array header, so that a 1 MiB slab fills exactly one 1 MiB G1 region: such an
   * array is allocated straight into the old generation and young collections never copy it.
   */
  static int slabSizeFor(long budget) {
    long target = Long.highestOneBit(Math.max(1, budget / 4));
    return usable((int) Math.max(MIN_SLAB, Math.min(MAX_SLAB, target)));
  }

  /** The array length for a slab of {@code power} bytes (a power of two), header room taken off. */
  private static int usable(int power) {
    return power >= (64 << 10) ? power - HEADER_ROOM : power;
  }

  /** Entries inserted so far; read by the writer, or under the owning shard's read lock. */
  long entryCount() {
    return entries;
  }

  /**
   * Bytes of every slab allocated so far, array headers included, and of every window of direct
   * chunks taken.
   */
  long allocatedBytes() {
    return allocatedBytes;
  }

  /**
   * Adds an entry; a given (user key, trailer) pair is added at most once. Searches the list for
   * the key's node: a version of a key already present joins its chain ({@link #addVersion}), a new
   * key gets a node.
   *
   * @return the heap bytes allocated for it: 0 if it fit the current slab
   */
  long insert(byte[] userKey, long trailer, byte[] value) {
    // The predecessors at each level, in the inserting thread's own array: not a field, so that two
    // threads taking turns on this shard do not pass a scratch array's cache lines back and forth
    // on every insert, and not a fresh array, which was a ninth of a fill's allocation (JFR; the
    // search writes every level below the list's height, and the levels above it are set below).
    long[] prev = PREDECESSORS.get();
    long found = findGreaterOrEqual(userKey, 0, userKey.length, prev);
    if (isNodeOf(found, userKey)) {
      return addVersion(found, trailer, value);
    }
    int h = randomHeight();
    if (h > height) {
      for (int i = height; i < h; i++) {
        prev[i] = HEAD;
      }
      height = h;
    }
    entries++;
    long before = allocatedBytes;
    long valueAt = storeValue(value);
    int nodeSize = (NEXT_START + LINK * h + 8 + userKey.length + 7) & ~7;
    long node = allocateNode(nodeSize + VERSION);
    long version = node + nodeSize;
    byte[] s = slabs[slabIndex(node)];
    writeVersion(s, offset(version), NIL, trailer, valueAt);
    int p = offset(node);
    s[p] = (byte) h;
    Coding.putInt(s, p + 1, userKey.length);
    p += NEXT_START + LINK * h;
    Coding.putLong(s, p, version);
    System.arraycopy(userKey, 0, s, p + 8, userKey.length);
    // The node's own pointers first; then, bottom up, the release stores that make it reachable.
    long prefix = Bytes.prefix64(userKey, 0, userKey.length);
    for (int i = 0; i < h; i++) {
      int link = offset(node) + NEXT_START + LINK * i;
      Coding.putLong(s, link, nextOf(prev[i], i));
      Coding.putLong(s, link + 8, prefixAfter(prev[i], i));
    }
    for (int i = 0; i < h; i++) {
      setNext(prev[i], i, node, prefix);
    }
    lastNode = node;
    return allocatedBytes - before;
  }

  /**
   * Adds a version of the key whose node is {@code node} (one this list returned), in its place in
   * the chain: in front when {@code trailer} is the key's greatest, as it nearly always is; after
   * the versions with greater trailers when two writers' entries arrive out of sequence order.
   *
   * @return the heap bytes allocated for it: 0 if it fit the current slab
   */
  long addVersion(long node, long trailer, byte[] value) {
    entries++;
    long before = allocatedBytes;
    long valueAt = storeValue(value);
    long version = allocateNode(VERSION);
    byte[] vs = slabs[slabIndex(version)];
    byte[] ns = slabs[slabIndex(node)];
    int link = versionsAt(ns, offset(node));
    long newer = NIL;
    long older = Coding.getLong(ns, link);
    while (older != NIL && versionTrailer(older) > trailer) {
      newer = older;
      older = Coding.getLong(slabs[slabIndex(older)], offset(older) + V_OLDER);
    }
    writeVersion(vs, offset(version), older, trailer, valueAt);
    VarHandle.releaseFence();
    if (newer == NIL) {
      Coding.putLong(ns, link, version);
    } else {
      Coding.putLong(slabs[slabIndex(newer)], offset(newer) + V_OLDER, version);
    }
    lastNode = node;
    return allocatedBytes - before;
  }

  /** The node of the last insert's key; writer only. */
  long lastNode() {
    return lastNode;
  }

  /** Copies a value, after its length, into the arena; NIL for an empty value. */
  private long storeValue(byte[] value) {
    if (value.length == 0) {
      return NIL;
    }
    if (values != null
        && !directFailed
        && allocatedBytes >= heapValuesUntil
        && value.length >= values.minValueBytes()
        && 4 + value.length <= maxSlab / 4) {
      long at = allocateDirectValue(4 + value.length);
      if (at != NIL) {
        ByteBuffer b = directSlabs[slabIndex(at)];
        int o = offset(at);
        b.putInt(o, value.length);
        b.put(o + 4, value, 0, value.length);
        return at | DIRECT;
      }
    }
    long at = allocateValue(4 + value.length);
    byte[] s = slabs[slabIndex(at)];
    Coding.putInt(s, offset(at), value.length);
    System.arraycopy(value, 0, s, offset(at) + 4, value.length);
    return at;
  }

  private static void writeVersion(byte[] s, int off, long older, long trailer, long valueAt) {
    Coding.putLong(s, off + V_OLDER, older);
    Coding.putLong(s, off + V_TRAILER, trailer);
    Coding.putLong(s, off + V_VALUE, valueAt);
  }

  /** The trailer of {@code version}, one this list returned. */
  long versionTrailer(long version) {
    return Coding.getLong(slabs[slabIndex(version)], offset(version) + V_TRAILER);
  }

  /** The first node whose key is at or after {@code userKey}, or {@link #NIL}. */
  long seekCeiling(byte[] userKey) {
    return findGreaterOrEqual(userKey, 0, userKey.length, null);
  }

  /** The last node whose key is before {@code userKey} (or equal, when {@code inclusive}), or NIL. */
  long seekFloor(byte[] userKey, boolean inclusive) {
    return findLess(userKey, 0, userKey.length, inclusive);
  }

  long first() {
    return nextOf(HEAD, 0);
  }

  long last() {
    long x = HEAD;
    for (int level = height - 1; level >= 0; level--) {
      for (long next = nextOf(x, level); next != NIL; next = nextOf(x, level)) {
        x = next;
      }
    }
    return x == HEAD ? NIL : x;
  }

  long next(long node) {
    return nextOf(node, 0);
  }

  /** The node before {@code node}, found by a search from the head (nodes keep no back links). */
  long previous(long node) {
    byte[] s = slabs[slabIndex(node)];
    int off = offset(node);
    return findLess(s, keyStart(s, off), keyLength(s, off), false);
  }

  /** The newest version of {@code node}'s key: an acquire load (see the class comment). */
  long newestVersion(long node) {
    byte[] s = slabs[slabIndex(node)];
    long v = Coding.getLong(s, versionsAt(s, offset(node)));
    VarHandle.acquireFence();
    return v;
  }

  /** The next older version after {@code version}, or {@link #NIL}: an acquire load. */
  long olderVersion(long version) {
    long v = Coding.getLong(slabs[slabIndex(version)], offset(version) + V_OLDER);
    VarHandle.acquireFence();
    return v;
  }

  /** The slab holding {@code node} or version; read its fields with the accessors at {@link #offset}. */
  byte[] slabOf(long address) {
    return slabs[slabIndex(address)];
  }

  static int offset(long address) {
    return (int) address;
  }

  private static int versionsAt(byte[] slab, int off) {
    return off + NEXT_START + LINK * slab[off];
  }

  static int keyStart(byte[] slab, int off) {
    return versionsAt(slab, off) + 8;
  }

  static int keyLength(byte[] slab, int off) {
    return Coding.getInt(slab, off + 1);
  }

  /** The trailer of the version at {@code off} in {@code slab}. */
  static long trailer(byte[] slab, int off) {
    return Coding.getLong(slab, off + V_TRAILER);
  }

  /** A copy of the node's user key. */
  static byte[] copyKey(byte[] slab, int off) {
    int ks = keyStart(slab, off);
    return Arrays.copyOfRange(slab, ks, ks + keyLength(slab, off));
  }

  /** A copy of the value of the version at {@code off} in {@code slab}; one this list returned. */
  byte[] copyValue(byte[] slab, int off) {
    long at = Coding.getLong(slab, off + V_VALUE);
    if (at == NIL) {
      return MemtableShard.EMPTY;
    }
    if ((at & DIRECT) != 0) {
      ByteBuffer b = directSlabs[slabIndex(at & ~DIRECT)];
      int from = offset(at) + 4;
      byte[] v = new byte[b.getInt(from - 4)];
      b.get(from, v, 0, v.length);
      return v;
    }
    byte[] s = slabs[slabIndex(at)];
    int from = offset(at) + 4;
    return Arrays.copyOfRange(s, from, from + Coding.getInt(s, from - 4));
  }

  /**
   * The value of the version at {@code slab[off]} as the range of its slab, in {@code into}: slabs
   * are not reused while the list can be read and a linked value never changes, so the range stays
   * valid as long as the list is. A value off the heap is copied into {@code into}'s own array.
   */
  BorrowedValue lendValue(byte[] slab, int off, BorrowedValue into) {
    long at = Coding.getLong(slab, off + V_VALUE);
    if (at == NIL) {
      return into.set(MemtableShard.EMPTY, 0, 0);
    }
    if ((at & DIRECT) != 0) {
      ByteBuffer b = directSlabs[slabIndex(at & ~DIRECT)];
      int from = offset(at) + 4;
      return into.copyOf(b, from, b.getInt(from - 4));
    }
    byte[] s = slabs[slabIndex(at)];
    int from = offset(at) + 4;
    return into.set(s, from, Coding.getInt(s, from - 4));
  }

  /** Whether {@code node} (a node this list returned, or {@link #NIL}) is {@code userKey}'s. */
  boolean isNodeOf(long node, byte[] userKey) {
    return node != NIL && hasUserKey(slabs[slabIndex(node)], offset(node), userKey);
  }

  /** Whether the node's user key equals {@code userKey}. */
  static boolean hasUserKey(byte[] slab, int off, byte[] userKey) {
    int ks = keyStart(slab, off);
    return Arrays.equals(slab, ks, ks + keyLength(slab, off), userKey, 0, userKey.length);
  }

  /** The node's key against a target key {@code key[from, from + length)}: negative if it sorts first. */
  private int compare(long node, byte[] key, int from, int length) {
    byte[] s = slabs[slabIndex(node)];
    int off = offset(node);
    int ks = keyStart(s, off);
    return Arrays.compareUnsigned(s, ks, ks + keyLength(s, off), key, from, from + length);
  }

  /** The first node not before the target; fills {@code prevOut} (if given) with predecessors. */
  private long findGreaterOrEqual(byte[] key, int from, int length, long[] prevOut) {
    long target = Bytes.prefix64(key, from, length);
    long x = HEAD;
    int level = height - 1;
    while (true) {
      long next = nextOf(x, level);
      if (next != NIL
          && Long.compareUnsigned(prefixAfter(x, level), target) <= 0
          && compare(next, key, from, length) < 0) {
        x = next;
      } else {
        if (prevOut != null) {
          prevOut[level] = x;
        }
        if (level == 0) {
          return next;
        }
        level--;
      }
    }
  }

  /** The last node before the target (or equal to it when {@code orEqual}), or NIL. */
  private long findLess(byte[] key, int from, int length, boolean orEqual) {
    long target = Bytes.prefix64(key, from, length);
    long x = HEAD;
    int level = height - 1;
    while (true) {
      long next = nextOf(x, level);
      int c =
          next == NIL || Long.compareUnsigned(prefixAfter(x, level), target) > 0
              ? 1
              : compare(next, key, from, length);
      if (c < 0 || (orEqual && c == 0)) {
        x = next;
      } else if (level == 0) {
        return x == HEAD ? NIL : x;
      } else {
        level--;
      }
    }
  }

  /**
   * The prefix stored beside {@code node}'s pointer at {@code level}: read after that pointer, it
   * is the prefix of the node the pointer held or of one linked before it since, never greater.
   */
  private long prefixAfter(long node, int level) {
    if (node == HEAD) {
      return headPrefix[level];
    }
    return Coding.getLong(slabs[slabIndex(node)], offset(node) + NEXT_START + LINK * level + 8);
  }

  /**
   * The node after {@code node} at {@code level}: a load followed by an acquire fence (see the
   * class comment). Slab pointers are read with plain 8-byte access on an aligned offset, which
   * the 64-bit JVMs Strata runs on never split; fences rather than acquire-mode access because the
   * model checker of {@code MemtableLincheckTest} cannot follow byte-array views in those modes.
   */
  private long nextOf(long node, int level) {
    long next;
    if (node == HEAD) {
      next = (long) HEAD_LONG.getAcquire(head, level);
    } else {
      next = Coding.getLong(slabs[slabIndex(node)], offset(node) + NEXT_START + LINK * level);
      VarHandle.acquireFence();
    }
    return next;
  }

  /**
   * Links {@code target}, whose key prefix is {@code prefix}, after {@code node} at {@code level}:
   * the prefix first, then a release fence and the pointer.
   */
  private void setNext(long node, int level, long target, long prefix) {
    if (node == HEAD) {
      headPrefix[level] = prefix;
      HEAD_LONG.setRelease(head, level, target);
    } else {
      byte[] s = slabs[slabIndex(node)];
      int link = offset(node) + NEXT_START + LINK * level;
      Coding.putLong(s, link + 8, prefix);
      VarHandle.releaseFence();
      Coding.putLong(s, link, target);
    }
  }

  /** A node or version: carved from the low end of the current slab, at a multiple of 8. */
  private long allocateNode(int unalignedSize) {
    int size = (unalignedSize + 7) & ~7;
    if (size > maxSlab / 4) {
      return address(addSlab(size), 0);
    }
    if (current < 0 || low + size > high) {
      newSharedSlab(size);
    }
    long at = address(current, low);
    low += size;
    return at;
  }

  /** A value: carved from the high end of the current slab, unaligned. */
  private long allocateValue(int size) {
    if (size > maxSlab / 4) {
      return address(addSlab(size), 0);
    }
    if (current < 0 || high - size < low) {
      newSharedSlab(size);
    }
    high -= size;
    return address(current, high);
  }

  /**
   * A value's room in the current window of direct chunks, or NIL when no direct memory could be
   * had (the value then goes on the heap, and so do the rest).
   */
  private long allocateDirectValue(int size) {
    if (vCurrent < 0 || vLow + size > vHigh) {
      ValueChunks.Window w = values.take(size, Math.min(maxSlab, ValueChunks.MAX_WINDOW));
      if (w == null) {
        directFailed = true;
        return NIL;
      }
      if (directCount == directSlabs.length) {
        directSlabs = Arrays.copyOf(directSlabs, Math.max(8, directCount * 2));
      }
      directSlabs[directCount] = w.chunk();
      vCurrent = directCount++;
      vLow = w.offset();
      vHigh = w.offset() + w.length();
      allocatedBytes += w.length();
    }
    long at = address(vCurrent, vLow);
    vLow += size;
    return at;
  }

  /** False once the list's value chunks went back for reuse; reads assert it. */
  boolean readable() {
    return values == null || !values.gaveBack();
  }

  /** Starts a shared slab of at least {@code size} bytes; slabs double up to the largest. */
  private void newSharedSlab(int size) {
    int length = Math.min(maxSlab, usable(nextSlabPower));
    while (length < size) {
      nextSlabPower <<= 1;
      length = Math.min(maxSlab, usable(nextSlabPower));
    }
    if (length < maxSlab) {
      nextSlabPower <<= 1;
    }
    SlabChunks.Window w = chunks == null ? null : chunks.take(size, length);
    if (w == null) {
      current = addSlab(length);
      low = 0;
      high = length;
    } else {
      current = addSlab(w.array(), w.length());
      low = w.offset();
      high = w.offset() + w.length();
    }
  }

  /** An array of its own as a slab. */
  private int addSlab(int size) {
    return addSlab(new byte[size], EntrySizes.array(size));
  }

  /** {@code slab} (an array or a window of a chunk) as the next slab, counted as {@code bytes}. */
  private int addSlab(byte[] slab, long bytes) {
    if (slabCount == slabs.length) {
      slabs = Arrays.copyOf(slabs, slabCount * 2);
    }
    slabs[slabCount] = slab;
    allocatedBytes += bytes;
    return slabCount++;
  }

  private static long address(int slab, int offset) {
    return ((long) slab << 32) | offset;
  }

  private static int slabIndex(long node) {
    return (int) (node >>> 32);
  }

  /** Height 1 with probability 3/4, each further level a quarter as likely (as in LevelDB). */
  private int randomHeight() {
    random ^= random << 13;
    random ^= random >>> 7;
    random ^= random << 17;
    // Two bits per level: all-zero (probability 1/4) adds a level.
    long bits = random;
    int h = 1;
    while (h < MAX_HEIGHT && (bits & 3) == 0) {
      h++;
      bits >>>= 2;
    }
    return h;
  }
}
