package dev.strata.memtable;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Region-sized chunks ({@link SlabChunks}) that flushed memtables gave back, for the next
 * memtables of the same database: after its first memtables, a database that keeps writing
 * allocates no humongous arrays. Each humongous allocation can start one of G1's concurrent
 * cycles with a young pause of its own, and in YCSB's load of 1 KB records (17 memtables) those
 * pauses, often four within 100 ms, made G1 grow the heap to 804 MiB ({@code docs/benchmarks.md},
 * item 34).
 *
 * <p>A chunk enters only once no reader can reach the memtable that held it ({@code
 * engine.MemtablePin#drained}), and leaves zeroed, as a new array would be. The pool keeps at most
 * {@code maxBytes} of chunks (one memtable's worth): a database that stops writing keeps that much
 * for its next memtable, and drops the rest to the collector.
 *
 * <p>Thread-safe: {@link #lock} guards the deque; zeroing runs outside it.
 */
public final class ChunkPool {
  private final long maxBytes;

  /**
   * Rank 8, a leaf, taken alone or under a memtable's chunk lock: guards {@link #free}, {@link
   * #bytes}, {@link #reused}.
   */
  private final Object lock = new Object();

  /** Guarded by {@link #lock}. */
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();

  /** Bytes of the chunks in {@link #free}; guarded by {@link #lock}. */
  private long bytes;

  /** Chunks handed out again; guarded by {@link #lock}. */
  private long reused;

  /** A pool that keeps at most {@code maxBytes} of chunks. */
  public ChunkPool(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("negative pool size: " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /** A zeroed chunk of exactly {@code length} bytes, or null if the pool holds none. */
  byte[] poll(int length) {
    byte[] c;
    synchronized (lock) {
      c = free.peekFirst();
      if (c == null || c.length != length) {
        return null;
      }
      free.pollFirst();
      bytes -= c.length;
      reused++;
    }
    Arrays.fill(c, (byte) 0);
    return c;
  }

  /** Keeps {@code chunk}, which no reader can reach any more, unless the pool is full. */
  void offer(byte[] chunk) {
    synchronized (lock) {
      if (bytes + chunk.length <= maxBytes) {
        free.addLast(chunk);
        bytes += chunk.length;
      }
    }
  }

  /** Bytes of chunks waiting for reuse: heap the collector cannot free. */
  public long pooledBytes() {
    synchronized (lock) {
      return bytes;
    }
  }

  /** Chunks handed out again so far. */
  public long reusedChunks() {
    synchronized (lock) {
      return reused;
    }
  }
}
