package dev.strata.kafka;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Streams key-value store on one Strata database in {@code <stateDir>/strata/<name>}, with
 * the semantics of Kafka's own RocksDB store: inclusive range bounds, null bounds unbounded, an
 * empty iterator for {@code from > to}, a null value deletes, {@link
 * org.apache.kafka.streams.errors.InvalidStateStoreException} once closed, iterators that read a
 * snapshot and close with the store, IQv2 key and range queries with position bounds, and a
 * batching restore that writes without the WAL and flushes once, at the next commit.
 *
 * <p>Thread-safe as Kafka requires: the stream thread writes while interactive queries read (see
 * {@link StoreDatabase}); {@code init} and {@code close} are the stream thread's. The store
 * shares the application's block cache, background threads and memtable budget ({@link
 * SharedResources}) and gives them back at close.
 */
class StrataKeyValueStore implements KeyValueStore<Bytes, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(StrataKeyValueStore.class);

  /** Keys counted exactly by {@link #approximateNumEntries()} before it estimates. */
  private static final int EXACT_COUNT_LIMIT = 100_000;

  private final String name;
  private final AtomicBoolean closed = new AtomicBoolean();

  // Set by init on the stream thread before the store is registered, read afterwards by any thread
  // (Kafka publishes the initialised store to query threads through its own synchronisation).
  private volatile StoreDatabase db;
  private SharedResources shared;
  private StoreOptions options;
  private StateStoreContext context;
  private PositionCheckpoint positionCheckpoint;
  private boolean consistencyEnabled;
  private StoreMetrics metrics;

  /**
   * Whether {@link #committedOffset} may answer from the database: false after an init under
   * exactly-once that found the database not closed cleanly (it may hold writes of aborted
   * transactions beyond its offsets), for as long as this opening lasts, whatever Kafka commits
   * into it before it asks (a legacy checkpoint's migration does). Kafka asks only at task start.
   * Stream thread only.
   */
  private boolean offsetsTrusted;

  /** Position of the writes in the store; updated under its own monitor, as Kafka's stores do. */
  private Position position = Position.emptyPosition();

  StrataKeyValueStore(String name) {
    this.name = Objects.requireNonNull(name, "name cannot be null");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    // Kafka re-initialises the same store object when it revives a task after closing it.
    closed.set(false);
    this.context = context;
    Map<String, Object> configs = context.appConfigs();
    shared = SharedResources.acquire(context.applicationId(), configs);
    try {
      options = StoreOptions.of(name, shared, configs);
      Path dir = context.stateDir().toPath().resolve("strata").resolve(name);
      db = StoreDatabase.open(name, dir, options.options(), exactlyOnce(configs));
    } catch (RuntimeException e) {
      shared.release();
      throw e;
    }
    offsetsTrusted = !exactlyOnce(configs) || db.closedCleanly();
    positionCheckpoint = new PositionCheckpoint(context.stateDir(), name);
    position = positionCheckpoint.read();
    consistencyEnabled =
        StreamsConfig.InternalConfig.getBoolean(
            configs, StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, false);
    context.register(
        root,
        new BatchingRestore(),
        () -> positionCheckpoint.maybeWrite(position));
    metrics =
        StoreMetrics.register(
            context.metrics(), String.valueOf(context.taskId()), name, db, shared);
  }

  static boolean exactlyOnce(Map<String, Object> configs) {
    return StreamsConfig.EXACTLY_ONCE_V2.equals(
        String.valueOf(configs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)));
  }

  SharedResources sharedForTesting() {
    return shared;
  }

  /** The database, or an exception if the store was never opened. */
  StoreDatabase db() {
    StoreDatabase d = db;
    if (d == null) {
      throw new org.apache.kafka.streams.errors.InvalidStateStoreException(
          "Store " + name + " is currently closed");
    }
    return d;
  }

  @Override
  public boolean persistent() {
    return true;
  }

  @Override
  public boolean isOpen() {
    StoreDatabase d = db;
    return d != null && d.isOpen();
  }

  @Override
  public void put(Bytes key, byte[] value) {
    Objects.requireNonNull(key, "key cannot be null");
    db().put(key.get(), value);
    updatePosition();
  }

  @Override
  public byte[] putIfAbsent(Bytes key, byte[] value) {
    Objects.requireNonNull(key, "key cannot be null");
    byte[] old = get(key);
    if (old == null && value != null) {
      put(key, value);
    }
    return old;
  }

  /** Every entry in one atomic Strata batch; a null value deletes its key. */
  @Override
  public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
    Objects.requireNonNull(entries, "entries cannot be null");
    DataBatch batch = new DataBatch();
    for (KeyValue<Bytes, byte[]> kv : entries) {
      Objects.requireNonNull(kv.key, "key cannot be null");
      batch.put(kv.key.get(), kv.value);
    }
    db().write(batch, false);
    updatePosition();
  }

  @Override
  public byte[] delete(Bytes key) {
    Objects.requireNonNull(key, "key cannot be null");
    byte[] old = db().get(key.get());
    put(key, null);
    return old;
  }

  @Override
  public byte[] get(Bytes key) {
    StoreDatabase d = db();
    return d.get(key.get());
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    return range(from, to, true);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
    return range(from, to, false);
  }

  private KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to, boolean forward) {
    if (from != null && to != null && from.compareTo(to) > 0) {
      LOG.warn(
          "Returning empty iterator for fetch with invalid key range: from > to. This may be due"
              + " to range arguments set in the wrong order, or due to serdes that don't preserve"
              + " ordering when lexicographically comparing the serialized bytes. Note that the"
              + " built-in numerical serdes do not follow this for negative numbers");
      return EmptyIterator.instance();
    }
    return db().range(from == null ? null : from.get(), to == null ? null : to.get(), forward);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    return db().range(null, null, true);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseAll() {
    return db().range(null, null, false);
  }

  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
      P prefix, PS prefixKeySerializer) {
    StoreDatabase d = db();
    Objects.requireNonNull(prefix, "prefix cannot be null");
    Objects.requireNonNull(prefixKeySerializer, "prefixKeySerializer cannot be null");
    return d.prefix(prefixKeySerializer.serialize(null, prefix));
  }

  /** Exact up to 100,000 keys (it counts them), an estimate from the bytes stored beyond. */
  @Override
  public long approximateNumEntries() {
    return db().approximateNumEntries(EXACT_COUNT_LIMIT);
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
    return StoreQueryUtils.handleBasicQueries(
        query, positionBound, config, this, position, context);
  }

  @Override
  public Position getPosition() {
    return position;
  }

  @Override
  @SuppressWarnings("deprecation") // deprecated in Kafka 4.4, the one commit hook of 4.1
  public void flush() {
    db().flush();
  }

  /**
   * True: on Kafka 4.4 (KIP-1035) the store keeps its committed changelog offsets itself, in its
   * database beside the data ({@link StoreDatabase#commitOffsets}), and Kafka writes no {@code
   * .checkpoint} file for it. Kafka 4.1 to 4.3 never ask and keep their checkpoint file. No
   * {@code @Override}: the method is absent before 4.4.
   */
  public boolean managesOffsets() {
    return true;
  }

  /**
   * Kafka 4.4's commit: the restored writes made durable and the changelog offsets recorded after
   * the data they cover ({@link StoreDatabase#commitOffsets}). Replaces {@link #flush()}, which 4.4
   * no longer calls for stores that implement this.
   */
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    db().commitOffsets(changelogOffsets);
  }

  /**
   * The changelog offset committed for {@code partition}, from which Kafka 4.4 restores; null if
   * none, or if under exactly-once the store was not closed cleanly: Kafka then treats the task as
   * corrupted, wipes it and restores from the start, as it does for a missing checkpoint.
   */
  public Long committedOffset(TopicPartition partition) {
    StoreDatabase d = db();
    return offsetsTrusted ? d.committedOffset(partition) : null;
  }

  @Override
  public void close() {
    StoreDatabase d = db;
    if (d == null || !closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (metrics != null) {
        metrics.remove();
      }
      // Untrusted (exactly-once after a crash) stays so until Kafka wipes it.
      d.close(offsetsTrusted);
      positionCheckpoint.write(position);
      options.close(name);
    } finally {
      shared.release();
    }
  }

  private void updatePosition() {
    if (context != null) {
      StoreQueryUtils.updatePosition(position, context);
    }
  }

  /**
   * Restores changelog records one poll at a time, each as one Strata batch written without the
   * WAL (a crash restarts the restore, as with RocksDB); the commit that follows the restore
   * flushes them once ({@link StoreDatabase#flush()}).
   */
  private final class BatchingRestore implements RecordBatchingStateRestoreCallback {
    @Override
    public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
      DataBatch batch = new DataBatch();
      for (ConsumerRecord<byte[], byte[]> record : records) {
        ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(
            record, consistencyEnabled, position);
        batch.put(record.key(), record.value());
      }
      db().write(batch, true);
    }
  }
}
