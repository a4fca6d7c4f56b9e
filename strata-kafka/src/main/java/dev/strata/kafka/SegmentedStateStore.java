package dev.strata.kafka;

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
