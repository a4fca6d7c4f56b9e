package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.internals.WindowKeySchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two scan orders of a time-ordered window store: its own (time, then key) for Kafka's
 * emit-on-close processors, and, under Kafka's {@code CachingWindowStore}, the order that cache
 * merges by: segment, then Kafka's key-first window key bytes. A scan in the wrong order would make
 * that cache's merge emit a window twice or out of order.
 */
class TimeOrderedScanOrderTest {
  private static final long SEGMENT = 60_000;

  @TempDir File dir;

  private static final String[] KEYS = {"b", "a", "ab", "c", "a\u00ff"};

  private List<Windowed<Bytes>> scan(boolean keyOrdered, boolean forward) {
    var store = (StrataWindowStore) StrataStores.timeOrderedWindowStore("scan",
        Duration.ofMinutes(2), Duration.ofSeconds(10), false, false).get();
    store.init(StoreContexts.context(new File(dir, keyOrdered + "-" + forward)), store);
    // Init found no cache above (the store is its own root); as it would under Kafka's.
    assertThat(store.store.keyOrderedScansForTesting()).isFalse();
    store.store.keyOrderedScans(keyOrdered);
    try {
      for (long t = 0; t < 3 * SEGMENT; t += 7_000) {
        for (int k = 0; k < KEYS.length; k++) {
          if ((t / 7_000 + k) % 3 != 0) {
            store.put(Bytes.wrap(KEYS[k].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
                new byte[] {1}, t);
          }
        }
      }
      List<Windowed<Bytes>> out = new ArrayList<>();
      try (KeyValueIterator<Windowed<Bytes>, byte[]> it =
          forward ? store.fetchAll(0, Long.MAX_VALUE) : store.backwardFetchAll(0, Long.MAX_VALUE)) {
        it.forEachRemaining((KeyValue<Windowed<Bytes>, byte[]> kv) -> out.add(kv.key));
      }
      return out;
    } finally {
      store.close();
    }
  }

  private static Comparator<Windowed<Bytes>> timeFirst() {
    return Comparator.<Windowed<Bytes>>comparingLong(w -> w.window().start())
        .thenComparing(Windowed::key);
  }

  private static Comparator<Windowed<Bytes>> cacheOrder() {
    return Comparator.<Windowed<Bytes>>comparingLong(w -> w.window().start() / SEGMENT)
        .thenComparing(w -> WindowKeySchema.toStoreKeyBinary(w.key(), w.window().start(), 0));
  }

  @Test
  void fetchAll_ownOrder_isTimeThenKey() {
    List<Windowed<Bytes>> forward = scan(false, true);
    assertThat(forward).hasSizeGreaterThan(40).isSortedAccordingTo(timeFirst());
    assertThat(scan(false, false)).isSortedAccordingTo(timeFirst().reversed())
        .containsExactlyInAnyOrderElementsOf(forward);
  }

  @Test
  void fetchAll_underKafkasWindowCache_isSegmentThenKeyFirstBytes() {
    List<Windowed<Bytes>> forward = scan(true, true);
    assertThat(forward).hasSizeGreaterThan(40).isSortedAccordingTo(cacheOrder())
        .containsExactlyInAnyOrderElementsOf(scan(false, true));
    assertThat(forward).isNotEqualTo(scan(false, true));
    assertThat(scan(true, false)).isSortedAccordingTo(cacheOrder().reversed())
        .containsExactlyInAnyOrderElementsOf(forward);
  }
}
