package dev.strata;

import dev.strata.engine.MemtableBudget;

/**
 * One memtable budget shared by several databases in one JVM through {@link
 * Options.Builder#writeBufferManager}, as RocksDB's {@code WriteBufferManager}: when their
 * memtables together pass it, the database with the largest active memtable switches it and its
 * flush worker writes it out. The budget is soft: memtables grow past it by what arrives while
 * those flushes run. Dozens of databases (one per stream partition, say) thus keep one bound
 * without each one's {@link Options#memtableSizeBytes()} being small. Thread-safe; nothing to
 * close (a database leaves the budget when it closes).
 */
public final class WriteBufferManager {
  /**
   * The budget of every database opened without one of its own ({@link #processDefault()}): a
   * quarter of the JVM's maximum heap; null if the heap has no maximum.
   */
  private static final WriteBufferManager PROCESS_DEFAULT = processDefaultFor(maxHeapBytes());

  private final MemtableBudget budget;

  private WriteBufferManager(MemtableBudget budget) {
    this.budget = budget;
  }

  /**
   * A budget of {@code budgetBytes} for the memtables of every database that uses it.
   *
   * @throws IllegalArgumentException if the budget is not positive
   */
  public static WriteBufferManager create(long budgetBytes) {
    return new WriteBufferManager(new MemtableBudget(budgetBytes));
  }

  /**
   * The budget that every database opened without {@link Options.Builder#writeBufferManager}
   * shares in this JVM: a quarter of the maximum heap ({@link Runtime#maxMemory()}), so that the
   * memtables of many databases, or the 64 MiB memtables of one in a small heap, stay within it.
   * A database in a heap of 1 GiB or more with the default 64 MiB memtables never reaches it. A
   * database given its own manager (one with a larger budget, say) does not join this one. Null
   * if the heap has no maximum.
   */
  public static WriteBufferManager processDefault() {
    return PROCESS_DEFAULT;
  }

  /** The process default for a heap of {@code maxHeapBytes} (Long.MAX_VALUE: unbounded). */
  static WriteBufferManager processDefaultFor(long maxHeapBytes) {
    return maxHeapBytes == Long.MAX_VALUE ? null : create(Math.max(1, maxHeapBytes / 4));
  }

  static long maxHeapBytes() {
    return Runtime.getRuntime().maxMemory();
  }

  public long budgetBytes() {
    return budget.budgetBytes();
  }

  /** Bytes of the member databases' memtables (active and waiting for flush), as last reported. */
  public long memtableBytes() {
    return budget.memtableBytes();
  }

  /** Times the budget asked a database to switch its memtable. */
  public long switchesAsked() {
    return budget.switchesAsked();
  }

  /** Open databases using this budget. */
  public int databases() {
    return budget.memberCount();
  }

  /** The engine-side budget, for {@link StrataDB#open}; not part of the API. */
  MemtableBudget budget() {
    return budget;
  }
}
