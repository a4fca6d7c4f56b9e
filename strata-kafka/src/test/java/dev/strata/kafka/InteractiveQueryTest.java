package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IQv2 on the key-value store: key and range queries, and position bounds. */
class InteractiveQueryTest {
  @TempDir File dir;

  private static Bytes b(String s) {
    return Bytes.wrap(s.getBytes());
  }

  @Test
  void keyAndRangeQueries_answerWithinThePositionReached() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "iq");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.BytesSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    MockProcessorContext<Object, Object> mock =
        new MockProcessorContext<>(props, new TaskId(0, 0), dir);
    KeyValueStore<Bytes, byte[]> store = StrataStores.keyValueStore("iq").get();
    store.init(mock.getStateStoreContext(), store);
    try {
      mock.setRecordMetadata("input", 0, 41);
      store.put(b("a"), "1".getBytes());
      mock.setRecordMetadata("input", 0, 42);
      store.put(b("b"), "2".getBytes());
      store.put(b("c"), "3".getBytes());
      assertThat(store.getPosition()).isEqualTo(
          Position.emptyPosition().withComponent("input", 0, 42));

      QueryResult<byte[]> key =
          store.query(KeyQuery.withKey(b("b")), PositionBound.unbounded(), new QueryConfig(false));
      assertThat(key.isSuccess()).isTrue();
      assertThat(key.getResult()).isEqualTo("2".getBytes());

      QueryResult<KeyValueIterator<Bytes, byte[]>> range =
          store.query(RangeQuery.withRange(b("b"), b("c")),
              PositionBound.at(Position.emptyPosition().withComponent("input", 0, 42)),
              new QueryConfig(false));
      assertThat(range.isSuccess()).isTrue();
      List<String> keys = new ArrayList<>();
      try (KeyValueIterator<Bytes, byte[]> it = range.getResult()) {
        it.forEachRemaining((KeyValue<Bytes, byte[]> kv) -> keys.add(kv.key.toString()));
      }
      assertThat(keys).containsExactly("b", "c");

      QueryResult<byte[]> ahead =
          store.query(KeyQuery.withKey(b("a")),
              PositionBound.at(Position.emptyPosition().withComponent("input", 0, 43)),
              new QueryConfig(false));
      assertThat(ahead.isFailure()).isTrue();
      assertThat(ahead.getFailureReason()).isEqualTo(FailureReason.NOT_UP_TO_BOUND);
    } finally {
      store.close();
    }
  }
}
