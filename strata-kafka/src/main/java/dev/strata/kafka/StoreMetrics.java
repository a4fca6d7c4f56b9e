package dev.strata.kafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.MeasurableStat;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

/**
 * The metrics of one Strata store in Kafka Streams' registry, after KIP-471's RocksDB metrics: group
 * {@code stream-state-metrics}, tags {@code thread-id}, {@code task-id} and {@code strata-state-id}
 * (the store name), recorded at the DEBUG level as RocksDB's are. Every metric is read when the
 * registry is read (a gauge over Strata's counters and properties), so the write path records
 * nothing. Registered by the store's init, removed by its close; confined to those two calls.
 */
final class StoreMetrics {
  static final String GROUP = "stream-state-metrics";
  static final String STORE_TAG = "strata-state-id";

  private final StreamsMetrics metrics;
  private final Sensor sensor;

  private StoreMetrics(StreamsMetrics metrics, Sensor sensor) {
    this.metrics = metrics;
    this.sensor = sensor;
  }

  /** Registers the gauges of {@code db}; null if the context has no metrics registry. */
  static StoreMetrics register(
      StreamsMetrics metrics, String taskId, String storeName, StoreFigures db,
      SharedResources shared) {
    if (metrics == null) {
      return null;
    }
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("thread-id", Thread.currentThread().getName());
    tags.put("task-id", taskId);
    tags.put(STORE_TAG, storeName);
    Sensor sensor =
        metrics.addSensor(
            "strata." + taskId + "." + storeName + "." + System.identityHashCode(db),
            Sensor.RecordingLevel.DEBUG);
    StoreMetrics m = new StoreMetrics(metrics, sensor);
    m.gauge("bytes-written-total", "user bytes written to the store", tags,
        () -> db.bytesWritten());
    m.gauge("bytes-written-rate", "user bytes written per second", tags,
        new PerSecond(() -> db.bytesWritten()));
    m.gauge("bytes-read-total", "user bytes read from the store", tags,
        () -> db.bytesRead());
    m.gauge("bytes-read-rate", "user bytes read per second", tags,
        new PerSecond(() -> db.bytesRead()));
    m.gauge("memtable-bytes", "bytes of the store's memtables", tags,
        () -> db.property("strata.cur-size-all-mem-tables"));
    m.gauge("memtable-hit-ratio", "point reads the memtables answered / point reads", tags,
        () -> db.property("strata.memtable-hit-ratio"));
    m.gauge("block-cache-data-hit-ratio", "hit ratio of the application's shared block cache",
        tags, () -> shared.cache.hitRatio());
    m.gauge("write-stall-duration-total", "microseconds writes stalled", tags,
        () -> db.property("strata.stall-micros"));
    m.gauge("compaction-time-total", "microseconds spent compacting", tags,
        () -> db.property("strata.compaction-micros"));
    m.gauge("number-open-iterators", "iterators open on the store", tags,
        () -> db.openIteratorCount());
    m.gauge("estimate-num-keys", "keys in the store (exact up to 10,000)", tags,
        () -> db.estimateNumKeys(10_000));
    m.gauge("total-sst-files-size", "bytes of the store's table files", tags,
        () -> db.property("strata.total-sst-bytes"));
    return m;
  }

  private void gauge(String name, String description, Map<String, String> tags,
      DoubleSupplier value) {
    sensor.add(
        new MetricName(name, GROUP, description, tags),
        new MeasurableStat() {
          @Override
          public void record(MetricConfig config, double v, long timeMs) {}

          @Override
          public double measure(MetricConfig config, long now) {
            return value.getAsDouble();
          }
        });
  }

  void remove() {
    metrics.removeSensor(sensor);
  }

  /** A counter's growth per second between two reads of the gauge. */
  private static final class PerSecond implements DoubleSupplier {
    private final DoubleSupplier counter;
    private double lastValue;
    private long lastNanos = System.nanoTime();

    PerSecond(DoubleSupplier counter) {
      this.counter = counter;
      this.lastValue = counter.getAsDouble();
    }

    @Override
    public synchronized double getAsDouble() {
      long now = System.nanoTime();
      double v = counter.getAsDouble();
      double seconds = (now - lastNanos) / 1e9;
      double rate = seconds <= 0 ? 0 : (v - lastValue) / seconds;
      lastValue = v;
      lastNanos = now;
      return rate;
    }
  }
}
