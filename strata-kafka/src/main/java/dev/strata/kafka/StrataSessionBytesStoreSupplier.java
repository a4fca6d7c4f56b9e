package dev.strata.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionStore;

/**
 * Supplies Strata session stores; made by {@link StrataStores#sessionStore} or {@link
 * StrataDslStoreSuppliers}, key first or time-ordered ({@link SegmentLayout}). Segment interval as
 * Kafka's: half the retention, at least a minute. Metrics scope {@code strata}.
 */
final class StrataSessionBytesStoreSupplier implements SessionBytesStoreSupplier {
  private final String name;
  private final long retentionPeriod;

  /** The store's layout; immutable, so shared by the stores of all tasks. */
  private final SegmentLayout layout;

  StrataSessionBytesStoreSupplier(String name, long retentionPeriod, SegmentLayout layout) {
    this.name = name;
    this.retentionPeriod = retentionPeriod;
    this.layout = layout;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public SessionStore<Bytes, byte[]> get() {
    return SegmentedStores.sessionStore(
        new SegmentedStore(name, retentionPeriod, segmentIntervalMs(), layout));
  }

  @Override
  public String metricsScope() {
    return "strata";
  }

  @Override
  public long segmentIntervalMs() {
    // Kafka's RocksDbSessionBytesStoreSupplier: half the retention, at least a minute.
    return Math.max(retentionPeriod / 2, 60_000L);
  }

  @Override
  public long retentionPeriod() {
    return retentionPeriod;
  }
}
