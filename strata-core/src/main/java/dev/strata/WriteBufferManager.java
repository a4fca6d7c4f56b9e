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
