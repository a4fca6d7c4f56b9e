package dev.strata.engine;

/**
 * Test seam between the steps of a read, where a test lands a flush, a compaction or a memtable
 * switch (RocksDB's sync points, Pebble's {@code commitEnv}). Production reads call {@link #NONE},
 * which does nothing; a test installs its own with {@link DbImpl#setReadHookForTesting} and reads
 * from the same thread. Called with no lock held.
 */
interface ReadHook {
  /** Where in a read the hook is called. Constants are only added. */
  enum Step {
    /** A get read its sequence, before the memtables. */
    GET_SEQUENCE_READ,
    /** A get (or keyMayExist) loaded the memtable set, before it reads the memtables. */
    GET_MEMTABLES_LOADED,
    /** A get looked in every memtable and found nothing, before the levels. */
    GET_MEMTABLES_READ,
    /** A get looked in level {@code level} and found nothing, before the next level. */
    GET_LEVEL_READ,
    /** An iterator registered its sequence, before it pins the memtables. */
    ITERATOR_SEQUENCE_READ,
    /** An iterator loaded the memtable set, before it retains the memtables' pins. */
    ITERATOR_MEMTABLES_LOADED,
    /** An iterator pinned the memtables, before the levels. */
    ITERATOR_MEMTABLES_PINNED,
    /** An iterator pinned level {@code level}, before the next level. */
    ITERATOR_LEVEL_PINNED
  }

  ReadHook NONE = (step, level) -> {};

  /**
   * @param level the level just read or pinned, or -1 where no level applies
   */
  void at(Step step, int level);
}
