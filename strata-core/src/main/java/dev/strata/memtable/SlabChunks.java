package dev.strata.memtable;

import dev.strata.util.HeapRegions;

/**
 * Where the shards of one memtable get their slabs: windows carved out of shared arrays ("chunks")
 * that each fill exactly one G1 heap region, so that G1 allocates every chunk as a humongous object
 * in the old generation and no young collection ever copies the memtable's bytes.
 *
 * <p>Why: a slab is an ordinary array when it is at most half a region, and a young collection
 * copies it to a survivor space and then to the old generation, like any young object. With the
 * JVM's default heap on a machine with 24 GiB, G1's regions are 4 MiB and the 1 MiB slabs were
 * copied at 70 to 110 MB/s during a fill (JFR's promotion events); those copies were most of every
 * young pause, and G1 grows the heap when its pauses take more than a small share of the time
 * ({@code docs/design/memory.md}, "Slabs in heap regions"). Slabs of a whole region each would
 * give every shard a region's worth of memory up front (16 shards of 4 MiB are a whole 64 MiB
 * memtable); chunks let shards share regions and keep growing their slabs from 4 KiB as before.
 *
 * <p>A memtable uses chunks only when G1 is the collector and its budget is at least two regions;
 * otherwise {@link #forMemtable} returns null and each slab is an array of its own. Even then its
 * first slabs, up to {@link #OWN_FIRST} bytes (1 MiB), are arrays of their own ({@link #take}
 * answers null): a memtable that receives few writes, such as each of 200 databases in one JVM
 * or an idle Kafka Streams store, then holds a few KiB per shard rather than a whole region.
 *
 * <h2>Concurrency</h2>
 *
 * {@link #take} holds {@link #lock}, a leaf taken under a shard's write lock (nothing runs under it
 * but the array's allocation), a few hundred times per memtable.
 */
final class SlabChunks {
  /** Bytes a chunk leaves for the array header, so that it never spills into a second region. */
  private static final int HEADER_ROOM = 64;

  /**
   * The largest region chunks are made for: 32 MiB, G1's largest by default, and the largest
   * offset the memtable's point-lookup index can hold ({@link KeyIndex}).
   */
  static final long MAX_CHUNK_REGION = 32L << 20;

  /**
   * The largest window handed out, whatever the shard asks for (unless it needs more for one
   * entry). A window counts in the memtable's size when it is taken, and at a memtable switch each
   * shard's last window is about half empty: with windows of 1 MiB a 64 MiB memtable of 16 shards
   * switched with about 8 MiB of its size never written (12%, about 30 B per entry of 116 B), with
   * 256 KiB about 2 MiB. Smaller windows only mean more calls of {@link #take}, each a few
   * instructions under a leaf lock.
   */
  static final int MAX_WINDOW = 256 << 10;

  /**
   * Bytes of slabs a memtable's shards allocate as arrays of their own before chunks start: 1 MiB,
   * sixteen shards' first four slabs (4 to 32 KiB). Arrays of their own are young objects that
   * live as long as the memtable, so every young collection during its fill copies them once or
   * twice; with two regions' worth (8 MiB under 4 MiB regions) they were 10 to 14 MB of every
   * young collection's survivors in YCSB's load, and G1 answered the longer pauses by growing the
   * heap. An idle memtable still holds no region.
   */
  static final long OWN_FIRST = 1L << 20;

  /** A slab: {@code length} bytes of {@code array} from {@code offset}, used by one shard only. */
  record Window(byte[] array, int offset, int length) {}

  private final int chunkBytes;

  /** Rank 7, a leaf under a shard's lock: guards {@link #chunk}, {@link #used}, {@link #chunks}. */
  private final Object lock = new Object();

  /** The chunk being carved; guarded by {@link #lock}. */
  private byte[] chunk;

  /** Bytes of {@link #chunk} handed out; guarded by {@link #lock}. */
  private int used;

  /** Chunks allocated; guarded by {@link #lock}. */
  private int chunks;

  /** Bytes of slabs the shards allocate on their own before chunks start. */
  private final long ownFirst;

  /** Bytes of slabs the shards were told to allocate on their own; guarded by {@link #lock}. */
  private long own;

  /** Chunks of {@code chunkBytes}, after {@link #OWN_FIRST} bytes of slabs of their own. */
  SlabChunks(int chunkBytes) {
    this(chunkBytes, OWN_FIRST);
  }

  /** Chunks of {@code chunkBytes}, after {@code ownFirst} bytes of slabs of their own. */
  SlabChunks(int chunkBytes, long ownFirst) {
    if (chunkBytes < 1024) {
      throw new IllegalArgumentException("chunk size below 1 KiB: " + chunkBytes);
    }
    if (ownFirst < 0) {
      throw new IllegalArgumentException("negative ownFirst: " + ownFirst);
    }
    this.chunkBytes = chunkBytes;
    this.ownFirst = ownFirst;
  }

  /**
   * Chunks for a memtable of {@code maxBytes}, or null when its slabs should be arrays of their own:
   * when the collector is not G1 (or its region size cannot be read), when its regions are larger
   * than {@link #MAX_CHUNK_REGION}, or when the memtable is smaller than two regions (a small
   * memtable would otherwise hold a region it does not fill).
   */
  static SlabChunks forMemtable(long maxBytes) {
    return forMemtable(maxBytes, true);
  }

  /** As above; without {@code ownSlabsFirst}, chunks from the first slab on. */
  static SlabChunks forMemtable(long maxBytes, boolean ownSlabsFirst) {
    return forMemtable(maxBytes, HeapRegions.g1RegionBytes(), ownSlabsFirst ? OWN_FIRST : 0);
  }

  /** As above, for a given region size (0: not G1); for tests. */
  static SlabChunks forMemtable(long maxBytes, long regionBytes) {
    return forMemtable(maxBytes, regionBytes, OWN_FIRST);
  }

  private static SlabChunks forMemtable(long maxBytes, long regionBytes, long ownFirst) {
    if (regionBytes <= 0 || regionBytes > MAX_CHUNK_REGION || maxBytes < 2 * regionBytes) {
      return null;
    }
    return new SlabChunks((int) regionBytes - HEADER_ROOM, ownFirst);
  }

  /** Bytes of each chunk array. */
  int chunkBytes() {
    return chunkBytes;
  }

  /**
   * A window of at least {@code min} and at most {@code preferred} bytes (and at most {@link
   * #MAX_WINDOW} unless {@code min} is more), starting at a multiple of 8: the rest of the current
   * chunk when that is at least {@code min}, else the start of a new chunk. The tail of a chunk too short for a request stays unused. Null while the memtable's
   * first {@code ownFirst} bytes of slabs are handed out: the caller then allocates an array of
   * {@code preferred} bytes itself.
   *
   * @throws IllegalArgumentException if {@code min} exceeds {@code preferred} or the chunk size
   */
  Window take(int min, int preferred) {
    if (min > preferred || min > chunkBytes || min < 1) {
      throw new IllegalArgumentException(
          "window of " + min + " to " + preferred + " bytes from chunks of " + chunkBytes);
    }
    synchronized (lock) {
      if (own < ownFirst) {
        own += preferred;
        return null;
      }
      // Windows start at multiples of 8, as the list's nodes must (their pointers are read with
      // plain 8-byte loads between fences, which only aligned addresses keep from tearing).
      int start = (used + 7) & ~7;
      if (chunk == null || chunkBytes - start < min) {
        chunk = new byte[chunkBytes];
        start = 0;
        chunks++;
      }
      int length = Math.min(Math.max(min, Math.min(preferred, MAX_WINDOW)), chunkBytes - start);
      Window w = new Window(chunk, start, length);
      used = start + length;
      return w;
    }
  }

  /** Chunks allocated so far. */
  int chunkCount() {
    synchronized (lock) {
      return chunks;
    }
  }
}
