package dev.strata.kafka;

import java.io.File;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;

/** State store contexts for tests, from Kafka's test utilities. */
final class StoreContexts {
  private StoreContexts() {}

  static StateStoreContext context(File stateDir, String applicationId, Properties extra) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.BytesSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    props.putAll(extra);
    return new MockProcessorContext<Object, Object>(props, new TaskId(0, 0), stateDir)
        .getStateStoreContext();
  }

  static StateStoreContext context(File stateDir) {
    return context(stateDir, "strata-test", new Properties());
  }
}
