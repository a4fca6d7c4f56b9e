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

  /**
   * Receives a batch's operations in order with the column family of each; see {@link
   * #forEach(ColumnFamilyHandler)}. The family is null for the default family.
   */
  public interface ColumnFamilyHandler {
    void put(ColumnFamilyHandle family, byte[] key, byte[] value);

    void delete(ColumnFamilyHandle family, byte[] key);

    void deleteRange(ColumnFamilyHandle family, byte[] begin, byte[] end);

    void merge(ColumnFamilyHandle family, byte[] key, byte[] operand);
  }

  /** Bytes {@link #approximateBytes()} counts for an operation's column family id. */
  private static final int FAMILY_BYTES = 5;

  private final List<byte[]> keys = new ArrayList<>();

  /**
   * The family of each operation, null for the default; itself null while every operation is of
   * the default family.
   */
  private List<ColumnFamilyHandle> families;
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
    return put(null, key, value);
  }

  /**
   * Adds a put to column family {@code family} (null: the default family); the arrays are copied.
   * The family is checked when the batch is written.
   *
   * @throws NullPointerException if key or value is null
   * @throws IllegalArgumentException as {@link #put(byte[], byte[])}
   */
  public WriteBatch put(ColumnFamilyHandle family, byte[] key, byte[] value) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(value);
    long size = grownBy(key.length + value.length + 12 + familyBytes(family));
    addFamily(family);
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
    return delete(null, key);
  }

  /** Adds a delete in column family {@code family} (null: the default); see {@link #delete}. */
  public WriteBatch delete(ColumnFamilyHandle family, byte[] key) {
    StrataDB.checkKey(key);
    long size = grownBy(key.length + 6 + familyBytes(family));
    addFamily(family);
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
    return deleteRange(null, begin, end);
  }

  /**
   * Adds a range deletion in column family {@code family} (null: the default); see {@link
   * #deleteRange(byte[], byte[])}.
   */
  public WriteBatch deleteRange(ColumnFamilyHandle family, byte[] begin, byte[] end) {
    StrataDB.checkRange(begin, end);
    long size = grownBy(begin.length + end.length + 12 + familyBytes(family));
    addFamily(family);
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
    return merge(null, key, operand);
  }

  /**
   * Adds a merge operand in column family {@code family} (null: the default), which needs a merge
   * operator of its own; see {@link #merge(byte[], byte[])}.
   */
  public WriteBatch merge(ColumnFamilyHandle family, byte[] key, byte[] operand) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(operand);
    long size = grownBy(key.length + operand.length + 12 + familyBytes(family));
    addFamily(family);
    merges.set(keys.size());
    keys.add(key.clone());
    values.add(operand.clone());
    approximateBytes = size;
    return this;
  }

  private static int familyBytes(ColumnFamilyHandle family) {
    return family == null || family.id() == 0 ? 0 : FAMILY_BYTES;
  }

  /** Records the family of the operation about to be added at index {@code keys.size()}. */
  private void addFamily(ColumnFamilyHandle family) {
    if (family != null && family.id() == 0) {
      family = null;
    }
    if (families == null) {
      if (family == null) {
        return;
      }
      families = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        families.add(null);
      }
    }
    families.add(family);
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
    families = null;
    approximateBytes = 0;
  }

  /**
   * Replays the operations in the order they were added, with the column family of each (null for
   * the default family).
   */
  public void forEach(ColumnFamilyHandler handler) {
    Objects.requireNonNull(handler, "handler");
    for (int i = 0; i < keys.size(); i++) {
      byte[] v = values.get(i);
      ColumnFamilyHandle f = families == null ? null : families.get(i);
      if (rangeDeletes.get(i)) {
        handler.deleteRange(f, keys.get(i), v);
      } else if (merges.get(i)) {
        handler.merge(f, keys.get(i), v);
      } else if (v == null) {
        handler.delete(f, keys.get(i));
      } else {
        handler.put(f, keys.get(i), v);
      }
    }
  }

  /**
   * Replays the operations in the order they were added.
   *
   * @throws IllegalStateException if the batch holds an operation of a column family other than
   *     the default: replay it with {@link #forEach(ColumnFamilyHandler)}
   */
  public void forEach(Handler handler) {
    Objects.requireNonNull(handler, "handler");
    if (families != null && families.stream().anyMatch(java.util.Objects::nonNull)) {
      throw new IllegalStateException(
          "the batch holds operations of other column families: use forEach(ColumnFamilyHandler)");
    }
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
