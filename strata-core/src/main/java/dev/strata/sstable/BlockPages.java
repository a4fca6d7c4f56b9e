package dev.strata.sstable;

import dev.strata.util.HeapRegions;
import dev.strata.util.HeapSize;

/**
 * Where the {@link BlockCache} keeps the bytes of the blocks it holds: pages of {@value #PAGE}
 * bytes carved out of a few large arrays ("chunks") that live as long as the cache. Each cached
 * block takes as many pages as its contents need, anywhere in any chunk; a reader copies them out
 * into an array of its own before it reads the block ({@link BlockCache#get}).
 *
 * <p>Why: a cached block used to be an array of its own. Every block the cache admitted was a
 * young object that a young collection copied to a survivor space and then to the old generation,
 * and every block it evicted was old-generation garbage that only a concurrent cycle and mixed
 * collections reclaimed. Under reads spread over data a little larger than the cache that churn
 * cost more than the cache saved: {@code readrandom} of 100-byte values right after the fill read
 * 225,000 ops/s with p99.9 of 625 us through a 64 MiB cache and 290,000 with p99.9 of 130 us
 * through a 1 MiB one ({@code docs/benchmarks.md}, item 27). Pages in chunks are allocated once;
 * under G1 a full chunk fills one heap region, so it is a humongous object that no collection ever
 * copies, as the memtable's slabs are ({@code memtable.SlabChunks}). The first chunk is {@value
 * #FIRST_CHUNK_BYTES} bytes and each next one twice the last, up to a full chunk (skipping sizes
 * from half a region, which would be humongous and waste the rest of their region): a cache that
 * holds a few blocks holds a few small arrays, copied by young collections once or twice.
 *
 * <h2>Reuse of pages, and readers that hold a block's pages while it is evicted</h2>
 *
 * A page freed by an eviction may be handed to another block at once, while a reader that looked
 * the old block up before the eviction still copies it. So a reader validates after its copy, as a
 * {@link java.util.concurrent.locks.StampedLock} optimistic read does: it copies, issues an acquire
 * fence, and reads the entry's {@link BlockCache.Entry#live} flag, which the removal clears before
 * the pages go back to the free list. A reader that finds it cleared drops its copy and treats the
 * lookup as a miss; nothing it copied is read before that check. A block is therefore never read
 * from pages that another block has written.
 *
 * <h2>Concurrency</h2>
 *
 * {@link #lock} (rank 8 in {@code docs/design/locking.md}, a leaf) guards the free list, the
 * count of fresh pages and the allocation of chunks; {@link #allocate} and {@link #free} hold it
 * for a few instructions per page (and a chunk's allocation, at most once per chunk). Copies in
 * and out run without it. {@link #chunks} is written under the lock; a reader reads an element
 * only for pages it got from an entry that was published after the chunk was made. The figures
 * for the memory properties ({@link #chunkBytesAllocated}, {@link #pagesInUse}, the free list's
 * length) are volatile copies written under the lock and read without it. The cache allocates
 * and frees pages only under its clock's lock ({@link BlockClock}, ranked below this one);
 * nothing here calls the clock, so the order is always the clock's lock, then this one.
 */
final class BlockPages {
  /** Bytes per page: a 4 KiB block with its restart array takes 9, wasting at most one page's tail. */
  static final int PAGE = 512;

  private static final int PAGE_SHIFT = 9;

  /** Pages are numbered {@code chunk << CHUNK_SHIFT | page}: at most 65,536 pages per chunk. */
  private static final int CHUNK_SHIFT = 16;

  private static final int PAGE_MASK = (1 << CHUNK_SHIFT) - 1;

  /** Bytes a chunk leaves for the array header, so that it never spills into a second region. */
  private static final int HEADER_ROOM = 64;

  /** Chunks when G1's regions cannot be used: 1 MiB, or the whole cache if smaller. */
  private static final int DEFAULT_CHUNK_BYTES = 1 << 20;

  /**
   * The first chunk's bytes; each next one doubles up to a full chunk. A database with a cache of
   * its own that reads little then holds 64 KiB of pages, not a region (200 databases in one
   * JVM, each with a default cache, would otherwise hold 200 regions).
   */
  static final int FIRST_CHUNK_BYTES = 64 << 10;

  /** Pages of a full-sized chunk (one region's worth under G1, else 1 MiB's). */
  private final int pagesPerChunk;

  /**
   * Under G1, the pages from which a chunk would be humongous (half a region): a chunk that grows
   * to that size goes straight to {@link #pagesPerChunk}, since a humongous array takes whole
   * regions and one of half a region would waste the other half. Without G1, never reached.
   */
  private final int humongousPages;

  private final int totalPages;

  /** Rank 8, a leaf: guards the free list, the fresh pages and the allocation of chunks. */
  private final Object lock = new Object();

  /** The chunks, made as pages are first needed; elements written under {@link #lock}. */
  private final byte[][] chunks;

  /**
   * Freed pages, a stack of {@link #freeCount} page numbers, grown as pages are freed (at most
   * {@link #totalPages}); guarded by {@link #lock}.
   */
  private int[] free;

  private int freeCount;

  /** Pages ever handed out from chunks (not the free list), at most {@link #totalPages}; guarded by {@link #lock}. */
  private int fresh;

  /** The newest chunk (-1 before the first) and the pages of it handed out; guarded by {@link #lock}. */
  private int lastChunk = -1;

  private int lastChunkUsed;

  /** Bytes of chunks allocated; written under {@link #lock}, read without it. */
  private volatile long chunkBytesAllocated;

  /** Pages handed out and not freed; written under {@link #lock}, read without it. */
  private volatile int inUse;

  /** The length of {@link #free}; written under {@link #lock}, read without it. */
  private volatile int freeCapacity;

  private BlockPages(int pagesPerChunk, int humongousPages, int totalPages) {
    this.pagesPerChunk = pagesPerChunk;
    this.humongousPages = humongousPages;
    this.totalPages = totalPages;
    int count = 0;
    for (long made = 0, size = 0; made < totalPages; made += size, count++) {
      size = nextChunkPages((int) size, (int) (totalPages - made));
    }
    this.chunks = new byte[count][];
    this.free = new int[Math.min(totalPages, 1024)];
    this.freeCapacity = free.length;
  }

  /**
   * Pages of the chunk after one of {@code previous} pages (0: the first), when {@code remaining}
   * pages of the capacity have no chunk yet: {@link #FIRST_CHUNK_BYTES}, then twice the previous,
   * up to a full chunk; never more than the remaining pages.
   */
  private int nextChunkPages(int previous, int remaining) {
    int next = previous == 0 ? FIRST_CHUNK_BYTES / PAGE : 2 * previous;
    if (next >= humongousPages || next > pagesPerChunk) {
      next = pagesPerChunk;
    }
    return Math.min(next, remaining);
  }

  /**
   * Pages for a cache of {@code capacityBytes}, in chunks growing from {@value #FIRST_CHUNK_BYTES}
   * bytes to full chunks of one G1 region (less its header's room) when the collector is G1 with
   * regions of at most 32 MiB and the cache holds at least one region, else of 1 MiB or the
   * cache's size if smaller.
   */
  static BlockPages forCapacity(long capacityBytes) {
    return forCapacity(capacityBytes, HeapRegions.g1RegionBytes());
  }

  /** As above, for a given region size (0: not G1); for tests. */
  static BlockPages forCapacity(long capacityBytes, long regionBytes) {
    if (capacityBytes < PAGE) {
      throw new IllegalArgumentException("a cache of pages needs at least " + PAGE + " bytes");
    }
    // At most 2^30 pages (512 GiB); a larger capacity holds that many and declines the rest.
    int totalPages = (int) Math.min(capacityBytes / PAGE, 1 << 30);
    long chunkBytes;
    if (regionBytes > 0 && regionBytes <= (32L << 20) && capacityBytes >= regionBytes) {
      chunkBytes = regionBytes - HEADER_ROOM;
    } else {
      chunkBytes = Math.min(DEFAULT_CHUNK_BYTES, (long) totalPages * PAGE);
    }
    // 65,536 pages per chunk at most (32 MiB); 2^30 pages then need 16,384 chunks, and the
    // smaller first ones a few more.
    int pagesPerChunk = (int) Math.min(chunkBytes / PAGE, 1 << CHUNK_SHIFT);
    int humongousPages =
        regionBytes > 0 ? (int) Math.max(1, (regionBytes / 2 - HEADER_ROOM) / PAGE) : Integer.MAX_VALUE;
    return new BlockPages(pagesPerChunk, humongousPages, totalPages);
  }

  int totalPages() {
    return totalPages;
  }

  /** Pages {@code length} bytes need. */
  static int pagesFor(int length) {
    return (length + PAGE - 1) >>> PAGE_SHIFT;
  }

  /**
   * Pages for {@code length} bytes, or null if fewer are free (nothing is taken then). Never
   * blocks but for {@link #lock}; makes a chunk when it hands out the first page of one.
   */
  int[] allocate(int length) {
    int n = pagesFor(length);
    int[] pages = new int[n];
    synchronized (lock) {
      if (freeCount + (totalPages - fresh) < n) {
        return null;
      }
      for (int i = 0; i < n; i++) {
        if (freeCount > 0) {
          pages[i] = free[--freeCount];
        } else {
          if (lastChunk < 0 || lastChunkUsed == chunks[lastChunk].length / PAGE) {
            int previous = lastChunk < 0 ? 0 : chunks[lastChunk].length / PAGE;
            int size = nextChunkPages(previous, totalPages - fresh);
            chunks[++lastChunk] = new byte[size * PAGE];
            lastChunkUsed = 0;
            chunkBytesAllocated += HeapSize.byteArray(size * PAGE);
          }
          fresh++;
          pages[i] = lastChunk << CHUNK_SHIFT | lastChunkUsed++;
        }
      }
      inUse += n;
    }
    return pages;
  }

  /** Returns {@code pages} to the free list. Requires: no entry that is still live names them. */
  void free(int[] pages) {
    synchronized (lock) {
      if (freeCount + pages.length > free.length) {
        free = java.util.Arrays.copyOf(free, Math.max(freeCount + pages.length, 2 * free.length));
        freeCapacity = free.length;
      }
      for (int p : pages) {
        free[freeCount++] = p;
      }
      inUse -= pages.length;
    }
  }

  /** Copies {@code src[0, length)} into {@code pages}. Requires: the caller owns the pages. */
  void write(int[] pages, byte[] src, int length) {
    int pos = 0;
    for (int p : pages) {
      int n = Math.min(PAGE, length - pos);
      System.arraycopy(src, pos, chunks[p >>> CHUNK_SHIFT], (p & PAGE_MASK) << PAGE_SHIFT, n);
      pos += n;
    }
  }

  /**
   * Copies {@code length} bytes from {@code pages} into {@code dst[0, length)}. The pages may be
   * rewritten meanwhile if their entry is removed: the caller validates afterwards (see the class
   * comment) and reads nothing it copied before that.
   */
  void read(int[] pages, byte[] dst, int length) {
    int pos = 0;
    for (int p : pages) {
      int n = Math.min(PAGE, length - pos);
      System.arraycopy(chunks[p >>> CHUNK_SHIFT], (p & PAGE_MASK) << PAGE_SHIFT, dst, pos, n);
      pos += n;
    }
  }

  /** Heap bytes of the chunks made so far (they are never released while the cache lives). */
  long chunkBytesAllocated() {
    return chunkBytesAllocated;
  }

  /** Bytes of page space in the chunks made so far (without array headers); for tests. */
  long chunkPayloadBytes() {
    synchronized (lock) {
      long bytes = 0;
      for (int c = 0; c <= lastChunk; c++) {
        bytes += chunks[c].length;
      }
      return bytes;
    }
  }

  /** Heap bytes of the free list and the chunk table; lock-free. */
  long freeListHeapBytes() {
    return HeapSize.intArray(freeCapacity) + HeapSize.referenceArray(chunks.length);
  }

  /** Pages handed out and not freed; lock-free. */
  int pagesInUse() {
    return inUse;
  }
}
