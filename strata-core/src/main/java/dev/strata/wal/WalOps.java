package dev.strata.wal;

/**
 * One writer's operations, encoded by the group-commit leader straight into a WAL record
 * ({@link LogWriter#addBatchGroup}) in the op format of {@link WriteBatchCodec}. Immutable while
 * it is queued; read by the leader's thread.
 */
public interface WalOps {
  /** Number of operations; each takes one sequence number. */
  int count();

  /** Bytes of the encoded operations, without a batch header. */
  int encodedBytes();

  /** Writes the operations at {@code pos} and returns the end offset. */
  int encode(byte[] dst, int pos);
}
