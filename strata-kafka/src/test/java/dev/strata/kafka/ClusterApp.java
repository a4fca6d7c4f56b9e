package dev.strata.kafka;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.TimeWindows;

/**
 * The Streams application of {@link KafkaClusterTest}, all of whose stores are Strata's through
 * {@code dsl.store.suppliers.class}: from topic {@code <app>-input} (string keys, decimal values), a
 * per-key aggregate {@code "count:sum"} in store {@value #AGG_STORE} written to {@code
 * <app>-agg-out}, a count per key and 10-second window in a segmented window store ({@value
 * #WINDOW_STORE}) written to {@code <app>-win-out} as {@code key@windowStart}, a count per key and
 * session ({@value #SESSION_GAP_MS} ms inactivity gap) in a session store ({@value
 * #SESSION_STORE}) written to {@code <app>-session-out} as {@code key@start-end} (a tombstone when
 * a session is merged into a longer one), and a stream-stream self-join of the input ({@value
 * #JOIN_WINDOW_MS} ms either side, two window stores that retain duplicates) written to {@code
 * <app>-join-out} as {@code value+value}. Any record applied twice or lost shows in every output.
 * {@link #main} runs one instance in a child JVM for the kill test.
 */
final class ClusterApp {
  static final String AGG_STORE = "agg";
  static final String WINDOW_STORE = "win-counts";
  static final String SESSION_STORE = "session-counts";
  static final long WINDOW_MS = 10_000;
  static final long SESSION_GAP_MS = 2_000;
  static final long JOIN_WINDOW_MS = 1_000;

  private ClusterApp() {}

  static String input(String appId) {
    return appId + "-input";
  }

  static String aggOutput(String appId) {
    return appId + "-agg-out";
  }

  static String windowOutput(String appId) {
    return appId + "-win-out";
  }

  static String sessionOutput(String appId) {
    return appId + "-session-out";
  }

  static String joinOutput(String appId) {
    return appId + "-join-out";
  }

  static Topology topology(String appId) {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> input =
        b.stream(input(appId), Consumed.with(Serdes.String(), Serdes.String()));
    KGroupedStream<String, String> grouped =
        input.groupByKey(Grouped.with(Serdes.String(), Serdes.String()));
    grouped
        .aggregate(
            () -> "0:0",
            (k, v, agg) -> add(agg, Long.parseLong(v)),
            Materialized.<String, String, org.apache.kafka.streams.state.KeyValueStore<
                        org.apache.kafka.common.utils.Bytes, byte[]>>as(AGG_STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String()))
        .toStream()
        .to(aggOutput(appId), Produced.with(Serdes.String(), Serdes.String()));
    grouped
        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(WINDOW_MS)))
        .count(Materialized.as(WINDOW_STORE))
        .toStream((w, c) -> w.key() + "@" + w.window().start())
        .mapValues(Object::toString)
        .to(windowOutput(appId), Produced.with(Serdes.String(), Serdes.String()));
    grouped
        .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(Duration.ofMillis(SESSION_GAP_MS)))
        .count(Materialized.as(SESSION_STORE))
        .toStream((w, c) -> w.key() + "@" + w.window().start() + "-" + w.window().end())
        .mapValues(c -> c == null ? null : c.toString())
        .to(sessionOutput(appId), Produced.with(Serdes.String(), Serdes.String()));
    input
        .join(
            input,
            (x, y) -> x + "+" + y,
            JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis(JOIN_WINDOW_MS)),
            StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String()))
        .to(joinOutput(appId), Produced.with(Serdes.String(), Serdes.String()));
    return b.build();
  }

  /** {@code "count:sum"} plus one value. */
  static String add(String agg, long value) {
    int colon = agg.indexOf(':');
    long count = Long.parseLong(agg.substring(0, colon));
    long sum = Long.parseLong(agg.substring(colon + 1));
    return (count + 1) + ":" + (sum + value);
  }

  static Properties config(String bootstrap, String appId, String stateDir, int standbys) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, StrataDslStoreSuppliers.class);
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbys);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    // Every instance counts as caught up, so that a returning instance takes active tasks at once
    // (and restores them) instead of warming up until a probing rebalance minutes later.
    p.put(StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, Long.MAX_VALUE);
    // Positions travel in changelog headers, so restored stores and standbys know theirs.
    p.put(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true);
    // A killed instance leaves the group within seconds, not the default 45.
    p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6_000);
    p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1_000);
    p.put(StrataConfig.MEMORY_BUDGET_BYTES, 32L << 20);
    p.put(StrataConfig.CACHE_BYTES, 8L << 20);
    p.put(StrataConfig.BACKGROUND_THREADS, 1);
    return p;
  }

  /**
   * One instance: {@code ClusterApp BOOTSTRAP APP_ID STATE_DIR STANDBYS}. Prints {@code STATE
   * <state>} at each change; ends, closing the instance, when its standard input closes, so that a
   * test that dies leaves no child behind.
   */
  public static void main(String[] args) throws Exception {
    Properties config = config(args[0], args[1], args[2], Integer.parseInt(args[3]));
    CountDownLatch done = new CountDownLatch(1);
    try (KafkaStreams streams = new KafkaStreams(topology(args[1]), config)) {
      streams.setStateListener(
          (now, before) -> {
            System.out.println("STATE " + now);
            System.out.flush();
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
              done.countDown();
            }
          });
      streams.start();
      Thread stdin =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                  while (r.readLine() != null) {
                    // Nothing is sent; the read only detects the end of the parent.
                  }
                } catch (java.io.IOException e) {
                  // The parent is gone either way.
                }
                done.countDown();
              },
              "stdin-watch");
      stdin.setDaemon(true);
      stdin.start();
      done.await();
      streams.close(Duration.ofSeconds(30));
    }
    System.exit(0);
  }
}
