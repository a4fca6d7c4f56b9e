package dev.strata.memtable;

import dev.strata.util.DirectBuffers;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Where one database's memtables get the off-heap chunks that hold their values ({@link
 * ValueChunks}), and where a flushed memtable's chunks go back for the next memtables once no read
 * can reach it ({@link Memtable#reclaim}).
 *
 * <p>Why off the heap: with 1 KB values a memtable is nearly all values, and with the JVM's default
 * heap two or three live memtables of 64 MiB are more than half of the heap G1 starts with. G1
 * then collects its young generation every few hundred milliseconds and grows the heap, and the
 * memtables' humongous chunks start concurrent cycles of their own ({@code docs/benchmarks.md},
 * items 40 and 42): the process held 1.4 times RocksDB's memory in YCSB's load. Off the heap the
 * values cost what RocksDB's native memtables cost, and the heap holds what the application's
 * own objects need.
 *
 * <p>Chunks are direct buffers of {@link #CHUNK_BYTES}. A chunk comes back only once no read can
 * reach the memtable that held it ({@code engine.MemtablePin}); the pool keeps at most {@code
 * maxPooledBytes} of them (one memtable's worth) for the next memtables and releases the rest at
 * once ({@link DirectBuffers#free}), and everything at {@link #close}: the collector, which would
 * release a dropped buffer's memory only when it collects the buffer, may not look at the old
 * generation for a long time once the memtables are off the heap. A chunk whose memtable could not
 * be proven unreachable (a read descheduled inside it) never comes back and is the collector's.
 * Values are written before they are linked, so a reused chunk needs no zeroing.
 *
 * <p>When a direct buffer cannot be had ({@code -XX:MaxDirectMemorySize} nearly reached, see {@link
 * DirectBuffers#hasRoomFor}, or the system out of memory), {@link #take} answers null and the
 * memtable keeps its values on the heap: slower to collect, never lost.
 *
 * <p>Thread-safe: {@link #lock} guards every field.
 */
public final class ValueChunkPool {
  /** Bytes of one chunk. */
  public static final int CHUNK_BYTES = 1 << 20;

  private final long maxPooledBytes;

  /** Makes a new chunk; may throw {@link OutOfMemoryError}. */
  private final Supplier<ByteBuffer> allocator;

  /**
   * Rank 8, a leaf, taken alone (by a flush giving chunks back) or under a memtable's value-chunk
   * lock: guards {@link #free}, {@link #allocated}, {@link #reused}, {@link #closed}.
   */
  private final Object lock = new Object();

  /** Chunks no memtable holds; guarded by {@link #lock}. */
  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

  /** Chunks allocated; guarded by {@link #lock}. */
  private long allocated;

  /** Chunks handed out again; guarded by {@link #lock}. */
  private long reused;

  /** Set by {@link #close}: chunks given back later go to the collector; guarded by {@link #lock}. */
  private boolean closed;

  /** A pool that keeps at most {@code maxPooledBytes} of chunks between memtables. */
  public ValueChunkPool(long maxPooledBytes) {
    this(maxPooledBytes, ValueChunkPool::allocate);
  }

  /** A new direct chunk, refused at once when the JVM's direct memory is nearly all used. */
  private static ByteBuffer allocate() {
    if (!DirectBuffers.hasRoomFor(CHUNK_BYTES)) {
      throw new OutOfMemoryError("direct memory nearly all used");
    }
    return ByteBuffer.allocateDirect(CHUNK_BYTES);
  }

  /** As above, with chunks from {@code allocator} (of {@link #CHUNK_BYTES}); for tests. */
  ValueChunkPool(long maxPooledBytes, Supplier<ByteBuffer> allocator) {
    if (maxPooledBytes < 0) {
      throw new IllegalArgumentException("negative pool size: " + maxPooledBytes);
    }
    this.maxPooledBytes = maxPooledBytes;
    this.allocator = allocator;
  }

  /**
   * A chunk of {@link #CHUNK_BYTES}: one a flushed memtable gave back, or a new direct buffer; null
   * if no direct memory could be had.
   */
  ByteBuffer take() {
    synchronized (lock) {
      ByteBuffer c = free.pollFirst();
      if (c != null) {
        reused++;
        return c;
      }
    }
    ByteBuffer c;
    try {
      c = allocator.get();
    } catch (OutOfMemoryError e) {
      // Direct memory is limited apart from the heap (MaxDirectMemorySize): the caller keeps its
      // values on the heap instead.
      return null;
    }
    synchronized (lock) {
      allocated++;
    }
    return c;
  }

  /**
   * Keeps {@code chunk}, which no reader can reach any more, for the next memtables; releases it
   * if the pool is full or closed.
   */
  void offer(ByteBuffer chunk) {
    synchronized (lock) {
      if (!closed && (long) (free.size() + 1) * CHUNK_BYTES <= maxPooledBytes) {
        free.addLast(chunk);
        return;
      }
    }
    DirectBuffers.free(chunk);
  }

  /** Releases the pooled chunks; chunks given back later are released too. */
  public void close() {
    ByteBuffer[] pooled;
    synchronized (lock) {
      closed = true;
      pooled = free.toArray(new ByteBuffer[0]);
      free.clear();
    }
    for (ByteBuffer c : pooled) {
      DirectBuffers.free(c);
    }
  }

  /** Bytes of chunks waiting for the next memtables: off-heap memory no memtable holds. */
  public long pooledBytes() {
    synchronized (lock) {
      return (long) free.size() * CHUNK_BYTES;
    }
  }

  /** Chunks allocated so far. */
  public long allocatedChunks() {
    synchronized (lock) {
      return allocated;
    }
  }

  /** Chunks handed out again so far. */
  public long reusedChunks() {
    synchronized (lock) {
      return reused;
    }
  }
}
