package dev.strata.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;
import org.apache.kafka.streams.processor.internals.metrics.TaskMetrics;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.internals.SegmentedBytesStore.KeySchema;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time-segmented byte store under Strata's window and session stores, with the semantics of
 * Kafka's {@code AbstractRocksDBSegmentedBytesStore} (and, for time-ordered layouts, {@code
 * AbstractDualSchemaRocksDBSegmentedBytesStore}) and {@code AbstractSegments}: one Strata database
 * per segment interval in {@code <stateDir>/strata/<name>/<name>.<segmentStart>}, keys laid out as
 * Kafka's ({@link SegmentLayout}), stream time observed from the keys written, writes older than
 * the retention dropped, and a segment whose whole interval fell out of the retention closed and
 * its directory deleted: expiry never deletes key by key. Fetches start at {@code max(from,
 * streamTime - retention + 1)} ({@code + 0} for time-ordered windows), search the segments that
 * interval covers, and filter with the schema's conditions ({@link KeyFilter}). A layout with an
 * index writes each index entry with its base entry, deletes both together, and answers fetches
 * by key from the index, reading each value from its base entry.
 *
 * <p>Thread-safe as Kafka requires: the stream thread writes, creates and drops segments; queries
 * read a snapshot of the segment map ({@link ConcurrentSkipListMap}); a segment dropped under a
 * query ends that query's iterator with {@link InvalidStateStoreException}, as RocksDB's do.
 */
final class SegmentedStore implements StoreFigures {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedStore.class);

  final String name;
  final long retentionPeriod;
  final long segmentInterval;
  final SegmentLayout layout;

  /**
   * Whether scans of many keys in a time-first layout return each segment's entries in the
   * key-first order of the changelog layout instead of time order: set by init when Kafka's {@code
   * CachingWindowStore} (which merges by that order) wraps the store. Stream thread writes before
   * the store opens.
   */
  private volatile boolean keyOrderedScans;

  private final ConcurrentSkipListMap<Long, StoreDatabase> segments = new ConcurrentSkipListMap<>();

  /** The largest timestamp written; -1 before any (Kafka's NO_TIMESTAMP). Stream thread writes. */
  private volatile long observedStreamTime = -1;

  private volatile boolean open;
  private SharedResources shared;
  private StoreOptions options;
  private Path dir;
  private StateStoreContext context;
  private PositionCheckpoint positionCheckpoint;
  private boolean consistencyEnabled;
  private Position position = Position.emptyPosition();
  private StoreMetrics metrics;

  /**
   * The task's {@code dropped-records} sensor, recorded for each write older than the retention, as
   * Kafka's segmented stores do; null if the context has no Streams metrics registry.
   */
  private Sensor expiredRecordSensor;

  /**
   * The changelog offsets of the last commit (empty before any), copied into each segment made
   * afterwards: all its data is newer, so they are never ahead of it. Stream thread only.
   */
  private Map<TopicPartition, Long> lastCommitted = Map.of();

  /**
   * A database with no data, in {@code <dir>/offsets}: the committed offsets for when no segment
   * holds any (every one expired, or none made yet). Opened by init, closed by close.
   */
  private StoreDatabase offsetsOnly;

  /**
   * Whether {@link #committedOffset} may answer: false after an init under exactly-once that found
   * a segment not closed cleanly, for as long as this opening lasts (as the key-value store's).
   * Stream thread only.
   */
  private boolean offsetsTrusted;

  /** Under exactly-once segments write without the WAL (see {@link StoreDatabase}). */
  private boolean exactlyOnce;

  /** Figures of the segments dropped since open, so that totals never go backwards. */
  private final java.util.concurrent.atomic.LongAdder droppedBytesWritten =
      new java.util.concurrent.atomic.LongAdder();

  private final java.util.concurrent.atomic.LongAdder droppedBytesRead =
      new java.util.concurrent.atomic.LongAdder();

  SegmentedStore(String name, long retentionPeriod, long segmentInterval, SegmentLayout layout) {
    this.name = name;
    this.retentionPeriod = retentionPeriod;
    this.segmentInterval = segmentInterval;
    this.layout = layout;
  }

  /** See {@link #keyOrderedScans}; called before init. */
  void keyOrderedScans(boolean keyOrdered) {
    this.keyOrderedScans = keyOrdered;
  }

  void init(StateStoreContext context, StateStore root) {
    this.context = context;
    // Kafka re-initialises the same store object when it revives a task (its directory wiped).
    lastCommitted = Map.of();
    if (context.metrics() instanceof StreamsMetricsImpl streamsMetrics) {
      expiredRecordSensor =
          TaskMetrics.droppedRecordsSensor(
              Thread.currentThread().getName(), context.taskId().toString(), streamsMetrics);
    }
    Map<String, Object> configs = context.appConfigs();
    shared = SharedResources.acquire(context.applicationId(), configs);
    try {
      options = StoreOptions.of(name, shared, configs);
      dir = context.stateDir().toPath().resolve("strata").resolve(name);
      Files.createDirectories(dir);
      exactlyOnce = StrataKeyValueStore.exactlyOnce(configs);
      openExisting();
      offsetsOnly = StoreDatabase.open(name + ".offsets", dir.resolve("offsets"), options.options());
      offsetsTrusted =
          !exactlyOnce
              || (offsetsOnly.closedCleanly()
                  && segments.values().stream().allMatch(StoreDatabase::closedCleanly));
    } catch (IOException | RuntimeException e) {
      closeSegments();
      shared.release();
      throw e instanceof IOException io
          ? new ProcessorStateException("cannot open store " + name + " in " + dir, io)
          : (RuntimeException) e;
    }
    positionCheckpoint = new PositionCheckpoint(context.stateDir(), name);
    position = positionCheckpoint.read();
    consistencyEnabled =
        StreamsConfig.InternalConfig.getBoolean(
            configs, StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, false);
    context.register(
        root,
        (RecordBatchingStateRestoreCallback) this::restoreBatch,
        () -> positionCheckpoint.maybeWrite(position));
    open = true;
    metrics =
        StoreMetrics.register(
            context.metrics(), String.valueOf(context.taskId()), name, this, shared);
  }

  /** Opens the segments a previous run left, in id order, as Kafka's {@code openExisting}. */
  private void openExisting() throws IOException {
    List<Long> ids = new ArrayList<>();
    try (Stream<Path> children = Files.list(dir)) {
      children.forEach(
          p -> {
            String n = p.getFileName().toString();
            if (n.startsWith(name + ".") && Files.isDirectory(p)) {
              try {
                ids.add(Long.parseLong(n.substring(name.length() + 1)) / segmentInterval);
              } catch (NumberFormatException e) {
                LOG.warn("store {}: ignoring {}, not a segment", name, p);
              }
            }
          });
    }
    ids.sort(Comparator.naturalOrder());
    for (long id : ids) {
      segment(id);
    }
    cleanupExpiredSegments(observedStreamTime);
  }

  long segmentId(long timestamp) {
    return timestamp / segmentInterval;
  }

  private StoreDatabase segment(long id) {
    StoreDatabase s = segments.get(id);
    if (s == null) {
      String segmentName = name + "." + id * segmentInterval;
      s = StoreDatabase.open(segmentName, dir.resolve(segmentName), options.options(), exactlyOnce);
      if (!lastCommitted.isEmpty()) {
        s.commitOffsets(lastCommitted);
      }
      segments.put(id, s);
    }
    return s;
  }

  /**
   * The live segment for {@code id} at {@code streamTime}, created if needed, after the expired
   * ones are dropped; null if expired, then dropping the expired ones only with the Kafka Streams
   * whose RocksDB stores do ({@link #EXPIRED_WRITES_DROP_SEGMENTS}). A segment stream time has
   * passed (a session's remove moves stream time and drops nothing) thus answers as Kafka's until
   * the write that drops it.
   */
  private StoreDatabase segmentIfLive(long id, long streamTime) {
    long minLiveSegment = segmentId(streamTime - retentionPeriod);
    if (id < minLiveSegment) {
      if (EXPIRED_WRITES_DROP_SEGMENTS) {
        cleanupExpiredSegments(streamTime);
      }
      return null;
    }
    StoreDatabase s = segment(id);
    cleanupExpiredSegments(streamTime);
    return s;
  }

  /**
   * Whether a write into an expired segment drops the expired segments in the Kafka Streams on the
   * class path: until Kafka's {@code KeyValueSegments} stopped overriding {@code
   * getOrCreateSegmentIfLive} to clean up after every call (4.1 does), it did; in 4.4 only a write
   * into a live segment drops them ({@code AbstractSegments}). Read from that override's presence;
   * 4.4's rule when the class cannot be read.
   */
  static final boolean EXPIRED_WRITES_DROP_SEGMENTS = kafkaSegmentsCleanUpOnEveryWrite();

  private static boolean kafkaSegmentsCleanUpOnEveryWrite() {
    try {
      Class<?> c =
          Class.forName(
              "org.apache.kafka.streams.state.internals.KeyValueSegments",
              false,
              org.apache.kafka.streams.KafkaStreams.class.getClassLoader());
      for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
        if (m.getName().equals("getOrCreateSegmentIfLive")) {
          return true;
        }
      }
      return false;
    } catch (ClassNotFoundException | LinkageError | SecurityException e) {
      return false;
    }
  }

  /** Closes and deletes every segment wholly older than the retention: one directory each. */
  private void cleanupExpiredSegments(long streamTime) {
    long minLiveSegment = segmentId(streamTime - retentionPeriod);
    NavigableMap<Long, StoreDatabase> expired = segments.headMap(minLiveSegment, false);
    for (Iterator<Map.Entry<Long, StoreDatabase>> it = expired.entrySet().iterator();
        it.hasNext(); ) {
      StoreDatabase s = it.next().getValue();
      it.remove();
      droppedBytesWritten.add(s.bytesWritten());
      droppedBytesRead.add(s.bytesRead());
      s.close();
      deleteTree(s.dir);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.error("Error destroying segment {}", root, e);
    }
  }

  @Override
  public long bytesWritten() {
    return droppedBytesWritten.sum() + sum(StoreDatabase::bytesWritten);
  }

  @Override
  public long bytesRead() {
    return droppedBytesRead.sum() + sum(StoreDatabase::bytesRead);
  }

  @Override
  public double property(String property) {
    double n = 0;
    for (StoreDatabase s : segments.values()) {
      n += s.property(property);
    }
    return n;
  }

  @Override
  public int openIteratorCount() {
    return (int) sum(StoreDatabase::openIteratorCount);
  }

  @Override
  public long estimateNumKeys(int exactLimit) {
    return sum(s -> s.estimateNumKeys(exactLimit));
  }

  /** A figure summed over the live segments. */
  private long sum(ToLongFunction<StoreDatabase> figure) {
    long n = 0;
    for (StoreDatabase s : segments.values()) {
      n += figure.applyAsLong(s);
    }
    return n;
  }

  boolean keyOrderedScansForTesting() {
    return keyOrderedScans;
  }

  int segmentCountForTesting() {
    return segments.size();
  }

  private void checkOpen() {
    if (!open) {
      throw new InvalidStateStoreException("Store " + name + " is currently closed");
    }
  }

  void put(Bytes key, byte[] value) {
    checkOpen();
    long timestamp = layout.base.time(key.get());
    observedStreamTime = Math.max(observedStreamTime, timestamp);
    StoreDatabase segment = segmentIfLive(segmentId(timestamp), observedStreamTime);
    if (segment == null) {
      if (expiredRecordSensor != null) {
        expiredRecordSensor.record(1.0d, System.currentTimeMillis());
      }
      LOG.warn("Skipping record for expired segment.");
      return;
    }
    synchronized (position) {
      StoreQueryUtils.updatePosition(position, context);
      // The index entry first, as Kafka's: a crash between the two leaves an index entry without
      // a value, which fetches skip, never a value the index misses.
      if (layout.hasIndex()) {
        segment.put(layout.indexKey(key.get()), value == null ? null : new byte[0]);
      }
      segment.put(key.get(), value);
    }
  }

  void remove(Bytes key) {
    checkOpen();
    long timestamp = layout.base.time(key.get());
    observedStreamTime = Math.max(observedStreamTime, timestamp);
    StoreDatabase segment = segments.get(segmentId(timestamp));
    if (segment != null) {
      segment.put(key.get(), null);
      if (layout.hasIndex()) {
        segment.put(layout.indexKey(key.get()), null);
      }
    }
  }

  byte[] get(Bytes key) {
    checkOpen();
    long timestamp = layout.base.time(key.get());
    if (timestamp < oldestLive()) {
      return null;
    }
    StoreDatabase segment = segments.get(segmentId(timestamp));
    return segment == null ? null : segment.get(key.get());
  }

  /** The oldest time still live: see {@link SegmentLayout#keepsRetentionBoundary}. */
  private long oldestLive() {
    return observedStreamTime - retentionPeriod + (layout.keepsRetentionBoundary() ? 0 : 1);
  }

  private long actualFrom(long from) {
    return Math.max(from, oldestLive());
  }

  KeyValueIterator<Bytes, byte[]> fetch(Bytes key, long from, long to, boolean forward) {
    checkOpen();
    long actualFrom = actualFrom(from);
    if (windowRangeExpired(actualFrom, to)) {
      return EmptyIterator.instance();
    }
    KeySchema schema = layout.hasIndex() ? layout.indexSchema : layout.baseSchema;
    return scanByKey(
        key,
        key,
        actualFrom,
        to,
        schema.lowerRangeFixedSize(key, actualFrom),
        schema.upperRangeFixedSize(key, to),
        forward,
        null);
  }

  KeyValueIterator<Bytes, byte[]> fetch(
      Bytes keyFrom, Bytes keyTo, long from, long to, boolean forward) {
    checkOpen();
    if (keyFrom != null && keyTo != null && keyFrom.compareTo(keyTo) > 0) {
      LOG.warn(
          "Returning empty iterator for fetch with invalid key range: from > to. This may be due"
              + " to range arguments set in the wrong order, or serdes that don't preserve"
              + " ordering when lexicographically comparing the serialized bytes. Note that the"
              + " built-in numerical serdes do not follow this for negative numbers");
      return EmptyIterator.instance();
    }
    long actualFrom = actualFrom(from);
    if (windowRangeExpired(actualFrom, to)) {
      return EmptyIterator.instance();
    }
    // The schemas answer null (unbounded) for a null key, except the prefixed ones (a prefix).
    KeySchema schema = layout.hasIndex() ? layout.indexSchema : layout.baseSchema;
    return scanByKey(
        keyFrom,
        keyTo,
        actualFrom,
        to,
        schema.lowerRange(keyFrom, actualFrom),
        schema.upperRange(keyTo, to),
        forward,
        scanOrder());
  }

  KeyValueIterator<Bytes, byte[]> all(boolean forward) {
    checkOpen();
    long actualFrom = actualFrom(0);
    return scanAll(searchSpace(actualFrom, Long.MAX_VALUE, forward), actualFrom, Long.MAX_VALUE,
        forward);
  }

  KeyValueIterator<Bytes, byte[]> fetchAll(long timeFrom, long timeTo, boolean forward) {
    checkOpen();
    long actualFrom = actualFrom(timeFrom);
    if (windowRangeExpired(actualFrom, timeTo)) {
      return EmptyIterator.instance();
    }
    return scanAll(segments(actualFrom, timeTo, forward), actualFrom, timeTo, forward);
  }

  /**
   * Whether a window fetch of {@code [actualFrom, to]} finds nothing, its end lying before the
   * retention; as Kafka's window stores, which answer such fetches empty. Session fetches take
   * {@code to} as the latest start, which may lie before the earliest end, and go on.
   */
  private boolean windowRangeExpired(long actualFrom, long to) {
    return layout.isWindow() && to < actualFrom;
  }

  /**
   * The scan behind both fetches by key, of the record keys {@code [keyFrom, keyTo]} and times
   * {@code [from, to]} within the schema's store key bounds {@code [lower, upper]}: through the
   * index if the layout has one (each value read from its base entry), else over the base entries,
   * each segment sorted into {@code order} if not null ({@link #scanOrder}).
   */
  private KeyValueIterator<Bytes, byte[]> scanByKey(Bytes keyFrom, Bytes keyTo, long from,
      long to, Bytes lower, Bytes upper, boolean forward, Comparator<Bytes> order) {
    List<StoreDatabase> searched = searchSpace(from, to, forward);
    if (layout.hasIndex()) {
      return new IndexToBaseIterator(
          new SegmentIterator(
              searched,
              new KeyFilter(layout.index, keyFrom, keyTo, from, to, forward),
              lower,
              upper,
              forward,
              null));
    }
    return new SegmentIterator(
        searched,
        new KeyFilter(layout.base, keyFrom, keyTo, from, to, forward),
        lower,
        upper,
        forward,
        order);
  }

  /**
   * The scan behind {@code all} and {@code fetchAll}: the base entries of every key in {@code
   * searched} with times in {@code [from, to]}.
   */
  private KeyValueIterator<Bytes, byte[]> scanAll(
      List<StoreDatabase> searched, long from, long to, boolean forward) {
    return new SegmentIterator(
        searched,
        new KeyFilter(layout.base, null, null, from, to, forward),
        layout.baseSchema.lowerRange(null, from),
        layout.baseSchema.upperRange(null, to),
        forward,
        scanOrder());
  }

  /**
   * Sessions ending in {@code [earliestEnd, latestEnd]}, in end-time order, expired or not: Kafka's
   * {@code fetchSessions} of its time-ordered session store, which emit-on-close session
   * aggregations read. Time-ordered session layouts only.
   *
   * @throws IllegalArgumentException if {@code earliestEnd} lies in a later segment than {@code
   *     latestEnd}, as Kafka's
   */
  KeyValueIterator<Bytes, byte[]> fetchSessions(long earliestEnd, long latestEnd) {
    checkOpen();
    if (segmentId(earliestEnd) > segmentId(latestEnd)) {
      // Kafka's store looks the segments up with TreeMap.subMap, which rejects reversed bounds
      // (reversed bounds within one segment find nothing there, as here).
      throw new IllegalArgumentException(
          "earliest session end " + earliestEnd + " is in a later segment than " + latestEnd);
    }
    return new SegmentIterator(
        segments(earliestEnd, latestEnd, true),
        new KeyFilter(layout.base, null, null, earliestEnd, Long.MAX_VALUE, true, latestEnd),
        layout.baseSchema.lowerRangeFixedSize(null, earliestEnd),
        layout.baseSchema.lowerRangeFixedSize(null, latestEnd + 1),
        true,
        null);
  }

  /**
   * The order a scan of many keys sorts each segment into: null for the store's own order, else the
   * byte order of the keys in the changelog's key-first layout.
   */
  private Comparator<Bytes> scanOrder() {
    if (!keyOrderedScans || layout.base == layout.changelog) {
      return null;
    }
    return Comparator.comparing(k -> Bytes.wrap(layout.base.convert(k.get(), layout.changelog)));
  }

  /** The entries of one segment, already filtered and sorted. */
  private static final class SortedEntries extends LookaheadIterator {
    private final Iterator<KeyValue<Bytes, byte[]>> entries;

    SortedEntries(List<KeyValue<Bytes, byte[]>> entries) {
      this.entries = entries.iterator();
    }

    @Override
    KeyValue<Bytes, byte[]> advance() {
      return entries.hasNext() ? entries.next() : null;
    }

    @Override
    public void close() {}
  }

  /**
   * The base entries an index scan points at, each value read from its base entry (as of the read,
   * as Kafka's); index entries whose base entry is gone or expired are skipped. Kafka also deletes
   * such index entries as it meets them; Strata deletes an index entry with its base entry, so only
   * a crash between the two writes of a put can leave one, and the scan never writes.
   */
  private final class IndexToBaseIterator extends LookaheadIterator {
    private final KeyValueIterator<Bytes, byte[]> index;

    IndexToBaseIterator(KeyValueIterator<Bytes, byte[]> index) {
      this.index = index;
    }

    @Override
    KeyValue<Bytes, byte[]> advance() {
      while (index.hasNext()) {
        Bytes baseKey = layout.baseKeyOfIndex(index.next().key);
        byte[] value = get(baseKey);
        if (value != null) {
          return KeyValue.pair(baseKey, value);
        }
      }
      return null;
    }

    @Override
    public void close() {
      index.close();
    }
  }

  /**
   * The segments a key fetch searches, as the key schemas' {@code segmentsToSearch}: a window key
   * lies in its start's segment, so {@code [from, to]}; a session lies in its end's segment and may
   * end after {@code to} (the latest start), so every segment from {@code from} on.
   */
  private List<StoreDatabase> searchSpace(long from, long to, boolean forward) {
    return segments(from, layout.isWindow() ? to : Long.MAX_VALUE, forward);
  }

  /**
   * The open segments whose ids span {@code [timeFrom, timeTo]}'s, in search order; as Kafka's
   * {@code segments()} (its key schemas widen the session range themselves).
   */
  private List<StoreDatabase> segments(long timeFrom, long timeTo, boolean forward) {
    long fromId = segmentId(timeFrom);
    long toId = segmentId(timeTo);
    if (fromId > toId) {
      return List.of();
    }
    NavigableMap<Long, StoreDatabase> range = segments.subMap(fromId, true, toId, true);
    return new ArrayList<>(forward ? range.values() : range.descendingMap().values());
  }

  Position position() {
    return position;
  }

  StateStoreContext context() {
    return context;
  }

  boolean isOpen() {
    return open;
  }

  void flush() {
    checkOpen();
    for (StoreDatabase s : segments.values()) {
      s.flush();
    }
  }

  /**
   * Kafka 4.4's commit: each segment makes its restored writes durable and records the offsets
   * behind its own data ({@link StoreDatabase#commitOffsets}); segments made later get a copy.
   */
  void commit(Map<TopicPartition, Long> changelogOffsets) {
    checkOpen();
    for (StoreDatabase s : segments.values()) {
      s.commitOffsets(changelogOffsets);
    }
    offsetsOnly.commitOffsets(changelogOffsets);
    lastCommitted = new HashMap<>(changelogOffsets);
  }

  /**
   * The offset every segment's data is complete to: the smallest of the segments' committed
   * offsets, so that a restore from it reaches every segment (a replay is idempotent); with no
   * segment, the offsets database's. Null if a segment has none, or if the store is not trusted
   * (exactly-once after a crash): Kafka then restores from the start.
   */
  Long committedOffset(TopicPartition partition) {
    checkOpen();
    if (!offsetsTrusted) {
      return null;
    }
    if (segments.isEmpty()) {
      return offsetsOnly.committedOffset(partition);
    }
    Long min = null;
    for (StoreDatabase s : segments.values()) {
      Long offset = s.committedOffset(partition);
      if (offset == null) {
        return null;
      }
      min = min == null ? offset : Math.min(min, offset);
    }
    return min;
  }

  void close() {
    if (!open) {
      return;
    }
    open = false;
    try {
      if (metrics != null) {
        metrics.remove();
      }
      closeSegments();
      positionCheckpoint.write(position);
      options.close(name);
    } finally {
      shared.release();
    }
  }

  /** Closes every segment; an untrusted store's stay marked not closed cleanly (see init). */
  private void closeSegments() {
    for (StoreDatabase s : segments.values()) {
      s.close(offsetsTrusted);
    }
    segments.clear();
    if (offsetsOnly != null) {
      offsetsOnly.close(offsetsTrusted);
    }
  }

  /**
   * Restores one poll of changelog records: stream time advances to the batch's newest record
   * first (so expired records are skipped as Kafka does), then each live segment takes its
   * records as one unlogged Strata batch, flushed at the next commit.
   */
  private void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
    synchronized (position) {
      for (ConsumerRecord<byte[], byte[]> r : records) {
        observedStreamTime = Math.max(observedStreamTime, layout.changelog.time(r.key()));
      }
      Map<StoreDatabase, DataBatch> batches = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        long id = segmentId(layout.changelog.time(r.key()));
        StoreDatabase segment = segmentIfLive(id, observedStreamTime);
        if (segment == null) {
          continue;
        }
        ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(
            r, consistencyEnabled, position);
        DataBatch batch = batches.computeIfAbsent(segment, s -> new DataBatch());
        byte[] baseKey = layout.baseKeyOfChangelog(r.key());
        if (layout.hasIndex()) {
          batch.put(layout.indexKey(baseKey), r.value() == null ? null : new byte[0]);
        }
        batch.put(baseKey, r.value());
      }
      for (Map.Entry<StoreDatabase, DataBatch> e : batches.entrySet()) {
        e.getKey().write(e.getValue(), true);
      }
    }
  }

  /**
   * Walks the segments in order, each within {@code [from, to]}, filtered by the key schema's
   * filter; as Kafka's {@code SegmentIterator}. A segment closed before its turn is skipped if it
   * expired; once the store is closed the iterator throws {@link InvalidStateStoreException}, as
   * every other call does (Kafka's skips those segments too, so that a query racing with the close
   * gets a silently truncated answer). With a {@code sortBy} order, each segment's wanted entries
   * are read into memory and returned in that order (see {@link #keyOrderedScans}).
   */
  private final class SegmentIterator implements KeyValueIterator<Bytes, byte[]> {
    private final Iterator<StoreDatabase> segments;
    private final KeyFilter condition;
    private final byte[] from;
    private final byte[] to;
    private final boolean forward;
    private final Comparator<Bytes> sortBy;
    private KeyValueIterator<Bytes, byte[]> current;

    SegmentIterator(List<StoreDatabase> segments, KeyFilter condition, Bytes from, Bytes to,
        boolean forward, Comparator<Bytes> sortBy) {
      this.segments = segments.iterator();
      this.condition = condition;
      this.from = from == null ? null : from.get();
      this.to = to == null ? null : to.get();
      this.forward = forward;
      this.sortBy = sortBy;
    }

    @Override
    public boolean hasNext() {
      checkOpen();
      boolean hasNext = false;
      while ((current == null || !(hasNext = hasNextInCurrent())) && segments.hasNext()) {
        closeCurrent();
        StoreDatabase s = segments.next();
        if (!s.isOpen()) {
          // Expired, or the store closed: close() clears open before closing the segments.
          checkOpen();
          continue;
        }
        try {
          if (from != null && to != null && Bytes.BYTES_LEXICO_COMPARATOR.compare(from, to) > 0) {
            current = EmptyIterator.instance();
          } else {
            current = s.range(from, to, forward);
            if (sortBy != null) {
              current = sorted(current);
            }
          }
        } catch (InvalidStateStoreException e) {
          // The segment expired and closed since the search began (nothing of it is live), or the
          // store closed.
          checkOpen();
        }
      }
      return current != null && hasNext;
    }

    /** A sorted segment holds wanted entries only; a segment's range goes through the filter. */
    private boolean hasNextInCurrent() {
      return current instanceof SortedEntries ? current.hasNext() : condition.hasNext(current);
    }

    /** The wanted entries of {@code range} (which it closes), sorted by their keys. */
    private KeyValueIterator<Bytes, byte[]> sorted(KeyValueIterator<Bytes, byte[]> range) {
      List<KeyValue<Bytes, byte[]>> entries = new ArrayList<>();
      try (range) {
        while (condition.hasNext(range)) {
          entries.add(range.next());
        }
      }
      Comparator<KeyValue<Bytes, byte[]>> order = (a, b) -> sortBy.compare(a.key, b.key);
      entries.sort(forward ? order : order.reversed());
      return new SortedEntries(entries);
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }

    @Override
    public Bytes peekNextKey() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.peekNextKey();
    }

    @Override
    public void close() {
      closeCurrent();
    }

    private void closeCurrent() {
      if (current != null) {
        current.close();
        current = null;
      }
    }
  }
}
