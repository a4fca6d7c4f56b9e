package dev.strata;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A group of puts, deletes and range deletions applied atomically by {@link StrataDB#write}: readers and recovery
 * see all of them or none. Later operations on the same key win. Not thread-safe; reusable after
 * {@link #clear()}.
 */
public final class WriteBatch {
  /** Receives a batch's operations in order; see {@link #forEach(Handler)}. */
  public interface Handler {
    void put(byte[] key, byte[] value);

    void delete(byte[] key);

    /**
     * A range deletion of [begin, end). Handlers written before range deletions existed refuse
     * it.
     */
    default void deleteRange(byte[] begin, byte[] end) {
      throw new UnsupportedOperationException(
          getClass().getName() + " does not take range deletions");
    }

    /** A merge operand. Handlers written before merges existed refuse it. */
    default void merge(byte[] key, byte[] operand) {
      throw new UnsupportedOperationException(getClass().getName() + " does not take merges");
    }
  }

  private final List<byte[]> keys = new ArrayList<>();
  /** The value of each put; null for a delete; the end key of a range deletion. */
  private final List<byte[]> values = new ArrayList<>();

  /** Indexes of the operations that are range deletions. */
  private final java.util.BitSet rangeDeletes = new java.util.BitSet();

  /** Indexes of the operations that are merges. */
  private final java.util.BitSet merges = new java.util.BitSet();

  private long approximateBytes;

  /**
   * Adds a put; the arrays are copied.
   *
   * @throws NullPointerException if key or value is null
   * @throws IllegalArgumentException if key or value exceeds its limit in {@link StrataDB}, or the
   *     batch would exceed {@link StrataDB#MAX_BATCH_BYTES}; the batch is then unchanged
   */
  public WriteBatch put(byte[] key, byte[] value) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(value);
    long size = grownBy(key.length + value.length + 12);
    keys.add(key.clone());
    values.add(value.clone());
    approximateBytes = size;
    return this;
  }

  /**
   * Adds a delete; the key is copied.
   *
   * @throws NullPointerException if key is null
   * @throws IllegalArgumentException if key exceeds {@link StrataDB#MAX_KEY_BYTES}, or the batch
   *     would exceed {@link StrataDB#MAX_BATCH_BYTES}; the batch is then unchanged
   */
  public WriteBatch delete(byte[] key) {
    StrataDB.checkKey(key);
    long size = grownBy(key.length + 6);
    keys.add(key.clone());
    values.add(null);
    approximateBytes = size;
    return this;
  }

  /**
   * Adds a range deletion of [{@code begin}, {@code end}) (see {@link
   * StrataDB#deleteRange(byte[], byte[])}); the keys are copied.
   *
   * @throws NullPointerException if a bound is null
   * @throws IllegalArgumentException if a bound exceeds {@link StrataDB#MAX_KEY_BYTES}, {@code
   *     begin} sorts after {@code end}, or the batch would exceed {@link
   *     StrataDB#MAX_BATCH_BYTES}; the batch is then unchanged
   */
  public WriteBatch deleteRange(byte[] begin, byte[] end) {
    StrataDB.checkRange(begin, end);
    long size = grownBy(begin.length + end.length + 12);
    rangeDeletes.set(keys.size());
    keys.add(begin.clone());
    values.add(end.clone());
    approximateBytes = size;
    return this;
  }

  /**
   * Adds a merge operand for {@code key} (see {@link StrataDB#merge(byte[], byte[])}); the arrays
   * are copied. The database refuses the batch if it has no merge operator.
   *
   * @throws NullPointerException if key or operand is null
   * @throws IllegalArgumentException if key or operand exceeds its limit, or the batch would
   *     exceed {@link StrataDB#MAX_BATCH_BYTES}; the batch is then unchanged
   */
  public WriteBatch merge(byte[] key, byte[] operand) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(operand);
    long size = grownBy(key.length + operand.length + 12);
    merges.set(keys.size());
    keys.add(key.clone());
    values.add(operand.clone());
    approximateBytes = size;
    return this;
  }

  /** Whether the batch holds a merge. */
  boolean hasMerge() {
    return !merges.isEmpty();
  }

  /** The approximate size with {@code bytes} more, refused past the limit. */
  private long grownBy(long bytes) {
    long size = approximateBytes + bytes;
    if (size > StrataDB.MAX_BATCH_BYTES) {
      throw new IllegalArgumentException(
          "write batch would grow to "
              + size
              + " bytes, over the limit of "
              + StrataDB.MAX_BATCH_BYTES
              + " (StrataDB.MAX_BATCH_BYTES); write it in smaller batches");
    }
    return size;
  }

  /** Number of operations. */
  public int count() {
    return keys.size();
  }

  /**
   * Approximate encoded size in bytes: key and value lengths plus 12 bytes a put or range deletion
   * and 6 a delete,
   * never below the size the batch takes in the WAL.
   */
  public long approximateBytes() {
    return approximateBytes;
  }

  public void clear() {
    keys.clear();
    values.clear();
    rangeDeletes.clear();
    merges.clear();
    approximateBytes = 0;
  }

  /** Replays the operations in the order they were added. */
  public void forEach(Handler handler) {
    Objects.requireNonNull(handler, "handler");
    for (int i = 0; i < keys.size(); i++) {
      byte[] v = values.get(i);
      if (rangeDeletes.get(i)) {
        handler.deleteRange(keys.get(i), v);
      } else if (merges.get(i)) {
        handler.merge(keys.get(i), v);
      } else if (v == null) {
        handler.delete(keys.get(i));
      } else {
        handler.put(keys.get(i), v);
      }
    }
  }
}
