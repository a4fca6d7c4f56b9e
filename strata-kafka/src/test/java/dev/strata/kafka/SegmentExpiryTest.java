package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a segment whose interval fell out of the retention is dropped: as Kafka 4.4's {@code
 * AbstractSegments.getOrCreateSegmentIfLive}, only by a write into a live segment (4.1's {@code
 * KeyValueSegments} dropped them at every write; the store follows the Kafka Streams it runs with). A write into an
 * expired segment is skipped and drops nothing, so a segment stream time has passed (moved by a
 * session's remove: only session stores have a write that moves stream time without a segment)
 * still answers the calls that do not filter by stream time until the next live write. Found by
 * {@code WindowSessionContractTest} with seed 64489483374196: Strata's time-ordered session store
 * dropped the segment at the skipped write, and {@code findSessions(earliestEnd, latestEnd)}
 * missed two sessions Kafka's RocksDB store returned.
 */
class SegmentExpiryTest {
  private static final Duration RETENTION = Duration.ofMinutes(3);

  /** Kafka's segment interval for this retention: max(retention / 2, 60 s). */
  private static final long SEGMENT = 90_000;

  @TempDir File dir;

  private static Bytes key(String k) {
    return Bytes.wrap(k.getBytes());
  }

  private static List<String> sessions(KeyValueIterator<Windowed<Bytes>, byte[]> it) {
    List<String> out = new ArrayList<>();
    try (it) {
      while (it.hasNext()) {
        KeyValue<Windowed<Bytes>, byte[]> kv = it.next();
        out.add(new String(kv.key.key().get()) + "@" + kv.key.window().start() + "/"
            + kv.key.window().end());
      }
    }
    return out;
  }

  /** The rule read from Kafka's classes is the one of the versions whose code was read. */
  @Test
  void theRuleFollowsTheKafkaStreamsOnTheClassPath() throws java.io.IOException {
    java.util.Properties p = new java.util.Properties();
    try (java.io.InputStream in =
        org.apache.kafka.streams.KafkaStreams.class
            .getClassLoader()
            .getResourceAsStream("kafka/kafka-version.properties")) {
      assertThat(in).as("kafka-clients' version file").isNotNull();
      p.load(in);
    }
    String version = p.getProperty("version");
    if (version.startsWith("4.4")) {
      assertThat(SegmentedStore.EXPIRED_WRITES_DROP_SEGMENTS).isFalse();
    } else if (version.startsWith("4.1")) {
      assertThat(SegmentedStore.EXPIRED_WRITES_DROP_SEGMENTS).isTrue();
    }
  }

  @Test
  void aWriteIntoAnExpiredSegment_dropsNoSegment_aLiveWriteDoes() {
    SessionStore<Bytes, byte[]> store =
        StrataStores.timeOrderedSessionStore("ts", RETENTION).get();
    store.init(StoreContexts.context(new File(dir, "ts")), store);
    try {
      long base = 121 * SEGMENT;
      store.put(new Windowed<>(key("c"), new SessionWindow(base + 100, base + 7_000)), "1".getBytes());
      // A remove of a much later session moves stream time past the first segment's retention.
      long later = base + 3 * SEGMENT;
      store.remove(new Windowed<>(key("x"), new SessionWindow(later - 1_000, later)));
      // A write into the expired segment is skipped, and drops nothing (with 4.4's rule).
      store.put(new Windowed<>(key("f"), new SessionWindow(base + 200, base + 8_000)), "2".getBytes());
      if (SegmentedStore.EXPIRED_WRITES_DROP_SEGMENTS) {
        assertThat(sessions(store.findSessions(base, base + SEGMENT))).isEmpty();
      } else {
        assertThat(sessions(store.findSessions(base, base + SEGMENT)))
            .containsExactly("c@" + (base + 100) + "/" + (base + 7_000));
      }
      // A write into a live segment drops the expired ones.
      store.put(new Windowed<>(key("a"), new SessionWindow(later - 500, later)), "3".getBytes());
      assertThat(sessions(store.findSessions(base, base + SEGMENT))).isEmpty();
      assertThat(sessions(store.findSessions(later, later)))
          .containsExactly("a@" + (later - 500) + "/" + later);
    } finally {
      store.close();
    }
  }
}
