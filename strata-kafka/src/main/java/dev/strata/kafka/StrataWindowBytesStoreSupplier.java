package dev.strata.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Supplies Strata window stores; made by {@link StrataStores#windowStore} or {@link
 * StrataDslStoreSuppliers}, with Kafka's parameters and segment interval. A time-ordered store
 * (for aggregations that emit on window close, {@link SegmentLayout#timeOrderedWindow}) always
 * carries timestamps, as Kafka's. Metrics scope {@code strata}.
 */
final class StrataWindowBytesStoreSupplier implements WindowBytesStoreSupplier {
  private final String name;
  private final long retentionPeriod;
  private final long segmentInterval;
  private final long windowSize;
  private final boolean retainDuplicates;
  private final boolean timestamped;

  /** The store's layout; immutable, so shared by the stores of all tasks. */
  private final SegmentLayout layout;

  StrataWindowBytesStoreSupplier(String name, long retentionPeriod, long segmentInterval,
      long windowSize, boolean retainDuplicates, boolean timestamped) {
    this(name, retentionPeriod, segmentInterval, windowSize, retainDuplicates, timestamped,
        SegmentLayout.window());
  }

  StrataWindowBytesStoreSupplier(String name, long retentionPeriod, long segmentInterval,
      long windowSize, boolean retainDuplicates, boolean timestamped, SegmentLayout layout) {
    this.name = name;
    this.retentionPeriod = retentionPeriod;
    this.segmentInterval = segmentInterval;
    this.windowSize = windowSize;
    this.retainDuplicates = retainDuplicates;
    this.timestamped = timestamped || layout.base != KeyLayout.WINDOW;
    this.layout = layout;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public WindowStore<Bytes, byte[]> get() {
    SegmentedStore segments =
        new SegmentedStore(name, retentionPeriod, segmentInterval, layout);
    return SegmentedStores.windowStore(segments, retainDuplicates, windowSize, timestamped);
  }

  @Override
  public String metricsScope() {
    return "strata";
  }

  @Override
  public long segmentIntervalMs() {
    return segmentInterval;
  }

  @Override
  public long windowSize() {
    return windowSize;
  }

  @Override
  public boolean retainDuplicates() {
    return retainDuplicates;
  }

  @Override
  public long retentionPeriod() {
    return retentionPeriod;
  }
}
