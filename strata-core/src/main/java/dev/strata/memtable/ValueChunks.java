package dev.strata.memtable;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the shards of one memtable keep their values off the heap: windows carved out of direct
 * chunks from the database's {@link ValueChunkPool}, which get the chunks back at {@link #giveBack}.
 * Nodes, keys and versions stay in the shards' heap slabs ({@link SlabChunks}); a value is written
 * once, before the version that points to it is linked, and read only by copying it out, so
 * keeping it off the heap costs a read one copy it made anyway.
 *
 * <p>A shard keeps its values on the heap until it has allocated {@link #HEAP_FIRST_BYTES} divided
 * among the shards (see {@link ArenaSkipList}): a memtable that receives few writes, such as each
 * of 200 databases in one JVM, holds no chunk. Values shorter than {@link #MIN_VALUE_BYTES} stay on
 * the heap too: with 100-byte values the nodes and keys are half of a memtable, and the README's
 * fill peaked higher with its values off the heap (441 to 478 MiB against 369 to 482, {@code
 * docs/benchmarks.md} item 43): G1 touched as much heap either way, and the chunks came on top.
 *
 * <h2>Concurrency</h2>
 *
 * {@link #take} holds {@link #lock}, taken under a shard's write lock (nothing runs under it but a
 * chunk's taking from the pool, which may allocate it), a few hundred times per memtable; {@link
 * #giveBack} holds it once.
 */
final class ValueChunks {
  /** Bytes of values a memtable keeps on the heap before its first chunk. */
  static final long HEAP_FIRST_BYTES = 1L << 20;

  /** The shortest value that goes off the heap, by default. */
  static final int MIN_VALUE_BYTES = 256;

  /** The largest window handed out; see {@link SlabChunks#MAX_WINDOW}. */
  static final int MAX_WINDOW = 256 << 10;

  /** A window: {@code length} bytes of {@code chunk} from {@code offset}, used by one shard only. */
  record Window(ByteBuffer chunk, int offset, int length) {}

  private final ValueChunkPool pool;

  /** The shortest value that goes off the heap. */
  private final int minValueBytes;

  /**
   * Rank 7, under a shard's lock (the pool's lock is taken under it): guards {@link #chunk}, {@link
   * #used}, {@link #taken}, {@link #failed}.
   */
  private final Object lock = new Object();

  /** The chunk being carved; guarded by {@link #lock}. */
  private ByteBuffer chunk;

  /** Bytes of {@link #chunk} handed out; guarded by {@link #lock}. */
  private int used;

  /** Every chunk this memtable took, for {@link #giveBack}; guarded by {@link #lock}. */
  private final List<ByteBuffer> taken = new ArrayList<>();

  /** Set when the pool had no direct memory: later takes answer null at once; guarded by lock. */
  private boolean failed;

  /** Set by {@link #giveBack}: the chunks may hold another memtable's values now. */
  private volatile boolean gaveBack;

  /** Windows of {@code pool}'s chunks for values of at least {@link #MIN_VALUE_BYTES}. */
  ValueChunks(ValueChunkPool pool) {
    this(pool, MIN_VALUE_BYTES);
  }

  /** Windows of {@code pool}'s chunks for values of at least {@code minValueBytes}. */
  ValueChunks(ValueChunkPool pool, int minValueBytes) {
    this.pool = pool;
    this.minValueBytes = minValueBytes;
  }

  /** The shortest value that goes off the heap. */
  int minValueBytes() {
    return minValueBytes;
  }

  /**
   * A window of at least {@code min} and at most {@code preferred} bytes (and at most {@link
   * #MAX_WINDOW} unless {@code min} is more): the rest of the current chunk when that is at least
   * {@code min}, else the start of another; null when no direct memory could be had, and then for
   * the rest of the memtable.
   *
   * @throws IllegalArgumentException if {@code min} exceeds {@code preferred} or the chunk size
   */
  Window take(int min, int preferred) {
    if (min > preferred || min > ValueChunkPool.CHUNK_BYTES || min < 1) {
      throw new IllegalArgumentException(
          "window of " + min + " to " + preferred + " bytes from chunks of "
              + ValueChunkPool.CHUNK_BYTES);
    }
    synchronized (lock) {
      if (failed) {
        return null;
      }
      if (gaveBack) {
        throw new IllegalStateException("memtable written after its values went back for reuse");
      }
      int start = used;
      if (chunk == null || ValueChunkPool.CHUNK_BYTES - start < min) {
        ByteBuffer c = pool.take();
        if (c == null) {
          failed = true;
          return null;
        }
        chunk = c;
        taken.add(c);
        start = 0;
      }
      int length =
          Math.min(
              Math.max(min, Math.min(preferred, MAX_WINDOW)), ValueChunkPool.CHUNK_BYTES - start);
      used = start + length;
      return new Window(chunk, start, length);
    }
  }

  /**
   * Gives every chunk back to the pool: called once, when no read can reach the memtable any more
   * ({@link Memtable#reclaim}).
   */
  void giveBack() {
    synchronized (lock) {
      gaveBack = true;
      for (ByteBuffer c : taken) {
        pool.offer(c);
      }
      taken.clear();
      chunk = null;
    }
  }

  /** Whether the chunks went back for reuse; reads assert they did not. */
  boolean gaveBack() {
    return gaveBack;
  }

  /** Chunks taken so far and not given back. */
  int chunkCount() {
    synchronized (lock) {
      return taken.size();
    }
  }
}
