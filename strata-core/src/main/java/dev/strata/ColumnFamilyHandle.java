package dev.strata;

/**
 * A column family of an open {@link StrataDB}: a keyspace with its own memtable, levels and
 * {@link ColumnFamilyOptions}, sharing the database's WAL, block cache and background workers
 * with the other families. Batches across families are atomic ({@link WriteBatch#put(
 * ColumnFamilyHandle, byte[], byte[])}).
 *
 * <p>A handle belongs to the database that returned it: another database refuses it. Once its
 * family is dropped ({@link StrataDB#dropColumnFamily}) or the database closed, every call with it
 * fails with {@link StrataException}. Thread-safe.
 */
public interface ColumnFamilyHandle {
  /** The name of the default family, which every database has and which cannot be dropped. */
  String DEFAULT_NAME = "default";

  /** The family's name, unique in its database. */
  String name();

  /** The family's id, unique in its database for its whole life (0 for the default family). */
  int id();

  /** Whether the family was dropped. */
  boolean isDropped();
}
