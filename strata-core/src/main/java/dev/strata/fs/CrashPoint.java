package dev.strata.fs;

/**
 * Named moments of the engine's durability protocol at which the engine calls {@link
 * FileSystem#crashPoint(CrashPoint)}. For testing only: production file systems ignore the call,
 * and a fault-injecting test file system may freeze itself there (a simulated power loss or
 * process death) and throw, so that a test can reopen the database from exactly that moment.
 *
 * <p>Constants are only ever added; tests select them by name.
 */
public enum CrashPoint {
  /** A WAL group was appended (handed to the OS), before any force. */
  WAL_AFTER_APPEND,
  /** A {@code SYNC} group is about to force the WAL. */
  WAL_BEFORE_SYNC,
  /** A {@code SYNC} group's force returned; writers are not yet acknowledged. */
  WAL_AFTER_SYNC,
  /** A memtable switch created the next WAL, before forcing the directory. */
  WAL_SWITCH_AFTER_CREATE,
  /**
   * A WAL retired by a memtable switch is about to be forced: by the flush worker before it
   * flushes the memtable, by a {@code SYNC} group before it forces a later WAL, or at close.
   */
  WAL_SWITCH_BEFORE_OLD_SYNC,
  /** A WAL retired by a memtable switch was forced; it is closed next. */
  WAL_SWITCH_AFTER_OLD_SYNC,
  /** A flush or compaction finished writing a table's bytes, before forcing it. */
  TABLE_BEFORE_SYNC,
  /** A table was forced and closed, before its directory entry is forced. */
  TABLE_AFTER_SYNC,
  /** The tables of a flush or compaction and their directory entries are durable. */
  TABLE_AFTER_DIR_SYNC,
  /** Midway through a flush: some entries are in the table builder. */
  FLUSH_MID,
  /** Midway through a compaction: some entries of the merged inputs are written. */
  COMPACTION_MID,
  /** A version edit is about to be appended to the manifest. */
  MANIFEST_BEFORE_APPEND,
  /** A version edit was appended to the manifest, before forcing it. */
  MANIFEST_AFTER_APPEND,
  /** A version edit is durable in the manifest, before the levels are installed. */
  MANIFEST_AFTER_SYNC,
  /** A version edit was installed in the levels (readers see it). */
  VERSION_AFTER_INSTALL,
  /** A fresh manifest holding a snapshot edit is durable, before CURRENT names it. */
  MANIFEST_SNAPSHOT_WRITTEN,
  /** The temporary file holding CURRENT's next content is forced, before the rename. */
  CURRENT_BEFORE_RENAME,
  /** CURRENT was renamed, before forcing the directory. */
  CURRENT_AFTER_RENAME,
  /** The rename of CURRENT is durable, before the old manifest is deleted. */
  CURRENT_AFTER_DIR_SYNC,
  /** A flush is installed, before its WAL is deleted. */
  FLUSH_BEFORE_WAL_DELETE,
  /** An obsolete file (WAL, table or manifest) is about to be deleted. */
  OBSOLETE_BEFORE_DELETE,
  /** An obsolete file was deleted. */
  OBSOLETE_AFTER_DELETE,
  /** Recovery replayed the WALs (their tables are written), before the recovery edit. */
  RECOVERY_AFTER_REPLAY,

  /** Recovery recorded its edit, before deleting unreferenced files. */
  RECOVERY_BEFORE_CLEANUP,
  /**
   * A close forced the active WAL ({@code Options.reuseLogs}), before it records the log's number
   * and length in the manifest: the next open must then flush the log's writes, not append.
   */
  CLOSE_BEFORE_LOG_RECORD,
  /**
   * A checkpoint linked or copied its tables into its temporary directory (and wrote the tables
   * of a read-only database's memtables there), before its manifest and CURRENT are written.
   */
  CHECKPOINT_TABLES_PLACED,
  /**
   * An ingestion linked or copied its tables into the database directory and forced it, before
   * its manifest edit: the tables are there but no version names them yet.
   */
  INGEST_TABLES_PLACED,
  /** An ingestion's manifest edit is forced and its tables installed, before it returns. */
  INGEST_AFTER_INSTALL,
  /**
   * A checkpoint's temporary directory is complete and forced, before it is renamed to the
   * target.
   */
  CHECKPOINT_BEFORE_RENAME,
  /** A checkpoint's temporary directory was renamed to the target, before forcing the parent. */
  CHECKPOINT_AFTER_RENAME,
  /**
   * A column family's directory and manifest are written and forced, before the database's
   * manifest records the family: the next open deletes the directory.
   */
  FAMILY_CREATED_DIRECTORY
}
