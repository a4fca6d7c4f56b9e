package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.DslSessionParams;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.DslWindowParams;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.TimestampedBytesStore;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.junit.jupiter.api.Test;

/**
 * What {@link StrataDslStoreSuppliers} answers to every window and session request, against Kafka's
 * {@code RocksDBDslStoreSuppliers}: the same retention period, segment interval (which decides
 * when a segment is dropped whole), window size and {@code retainDuplicates}, values carrying
 * timestamps or not alike, and the same exception for arguments Kafka refuses. Over retentions from
 * a window's size to a year (segments of half the retention, at least a minute), both emit
 * strategies, sliding windows, plain and timestamped requests, and stream-stream join stores.
 */
class DslStoreSuppliersTest {
  private static final DslStoreSuppliers STRATA = new StrataDslStoreSuppliers();
  private static final DslStoreSuppliers ROCKS =
      new BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers();

  private static final List<Duration> RETENTIONS =
      List.of(Duration.ofMillis(1), Duration.ofSeconds(10), Duration.ofSeconds(59),
          Duration.ofSeconds(90), Duration.ofMinutes(2).plusMillis(1), Duration.ofHours(1),
          Duration.ofDays(1), Duration.ofDays(365));

  private static final List<Duration> WINDOW_SIZES =
      List.of(Duration.ofMillis(1), Duration.ofSeconds(10), Duration.ofMinutes(5));

  @Test
  void windowRequests_getKafkasRetentionSegmentsAndSizes() {
    List<String> differences = new ArrayList<>();
    int compared = 0;
    for (Duration retention : RETENTIONS) {
      for (Duration size : WINDOW_SIZES) {
        for (boolean duplicates : new boolean[] {false, true}) {
          for (EmitStrategy emit :
              List.of(EmitStrategy.onWindowUpdate(), EmitStrategy.onWindowClose())) {
            for (boolean sliding : new boolean[] {false, true}) {
              for (boolean timestamped : new boolean[] {false, true}) {
                DslWindowParams params = new DslWindowParams(
                    "w", retention, size, duplicates, emit, sliding, timestamped);
                String what = retention + " " + size + " dups " + duplicates + " "
                    + emit.type() + " sliding " + sliding + " timestamped " + timestamped;
                String strata = describe(() -> STRATA.windowStore(params));
                String rocks = describe(() -> ROCKS.windowStore(params));
                if (!strata.equals(rocks)) {
                  differences.add(what + ": strata " + strata + ", rocksdb " + rocks);
                }
                compared++;
              }
            }
          }
        }
      }
    }
    assertThat(differences).isEmpty();
    assertThat(compared).isEqualTo(RETENTIONS.size() * WINDOW_SIZES.size() * 16);
  }

  @Test
  void sessionRequests_getKafkasRetentionAndSegments() {
    List<String> differences = new ArrayList<>();
    for (Duration retention : RETENTIONS) {
      for (EmitStrategy emit :
          List.of(EmitStrategy.onWindowUpdate(), EmitStrategy.onWindowClose())) {
        DslSessionParams params = new DslSessionParams("s", retention, emit);
        String strata = describeSession(() -> STRATA.sessionStore(params));
        String rocks = describeSession(() -> ROCKS.sessionStore(params));
        if (!strata.equals(rocks)) {
          differences.add(retention + " " + emit.type() + ": strata " + strata + ", rocksdb "
              + rocks);
        }
      }
    }
    assertThat(differences).isEmpty();
  }

  /** The supplier's figures and whether its store carries timestamps; or the exception's class. */
  private static String describe(Supplier<WindowBytesStoreSupplier> request) {
    try {
      WindowBytesStoreSupplier s = request.get();
      return "retention " + s.retentionPeriod() + " segment " + s.segmentIntervalMs() + " size "
          + s.windowSize() + " dups " + s.retainDuplicates() + " timestamped "
          + (s.get() instanceof TimestampedBytesStore);
    } catch (RuntimeException e) {
      return e.getClass().getName();
    }
  }

  private static String describeSession(Supplier<SessionBytesStoreSupplier> request) {
    try {
      SessionBytesStoreSupplier s = request.get();
      return "retention " + s.retentionPeriod() + " segment " + s.segmentIntervalMs()
          + " timestamped " + (s.get() instanceof TimestampedBytesStore);
    } catch (RuntimeException e) {
      return e.getClass().getName();
    }
  }
}
