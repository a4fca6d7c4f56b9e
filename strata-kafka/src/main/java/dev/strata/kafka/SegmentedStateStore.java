package dev.strata.kafka;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;

/**
 * The {@link StateStore} part of the window and session stores, which is the same for both: name,
 * lifecycle, position and IQv2 queries, each handed to the {@link SegmentedStore} underneath.
 * Thread-safe as it.
 */
abstract class SegmentedStateStore implements StateStore {
  final SegmentedStore store;

  SegmentedStateStore(SegmentedStore store) {
    this.store = store;
  }

  @Override
  public String name() {
    return store.name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    store.init(context, root);
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
    return StoreQueryUtils.handleBasicQueries(
        query, positionBound, config, this, store.position(), store.context());
  }

  @Override
  public Position getPosition() {
    return store.position();
  }

  @Override
  @SuppressWarnings("deprecation") // deprecated in Kafka 4.4, the one commit hook of 4.1
  public void flush() {
    store.flush();
  }

  /**
   * True: on Kafka 4.4 (KIP-1035) the store keeps its committed changelog offsets in its segments
   * ({@link SegmentedStore#commit}); earlier Kafka never asks. No {@code @Override}: absent before
   * 4.4.
   */
  public boolean managesOffsets() {
    return true;
  }

  /** Kafka 4.4's commit, in place of {@link #flush()}: see {@link SegmentedStore#commit}. */
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    store.commit(changelogOffsets);
  }

  /** Kafka 4.4: the offset to restore from; see {@link SegmentedStore#committedOffset}. */
  public Long committedOffset(TopicPartition partition) {
    return store.committedOffset(partition);
  }

  /**
   * The store's retention, which Kafka 4.4's changelog reader asks of window and session stores
   * (its internal {@code WithRetentionPeriod}) to skip restoring what is expired. Only the
   * subclasses in {@code WithRetentionPeriodStores}, made on 4.4 by {@link SegmentedStores},
   * declare that interface; no {@code @Override}, as it is absent before 4.4.
   */
  public long retentionPeriod() {
    return store.retentionPeriod;
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public boolean persistent() {
    return true;
  }

  @Override
  public boolean isOpen() {
    return store.isOpen();
  }
}
