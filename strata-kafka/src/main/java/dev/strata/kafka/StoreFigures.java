package dev.strata.kafka;

/**
 * What a store's metrics read: one database's figures, or the sum over a window or session store's
 * segments. Implementations are thread-safe (the metrics registry reads them from any thread).
 */
interface StoreFigures {
  /** User bytes written. */
  long bytesWritten();

  /** User bytes read. */
  long bytesRead();

  /** A numeric Strata property summed over the databases; 0 if closed. */
  double property(String name);

  int openIteratorCount();

  /** Keys, exact up to {@code exactLimit} per database. */
  long estimateNumKeys(int exactLimit);
}
