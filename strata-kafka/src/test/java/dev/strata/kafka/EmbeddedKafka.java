package dev.strata.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;

/**
 * One KRaft node (broker and controller combined) in the test JVM, listening on loopback only: its
 * log directory formatted with Kafka's {@code StorageTool}, then a {@code KafkaRaftServer} started
 * on it (Kafka's own {@code KafkaClusterTestKit} needs the kafka-clients test jar, which is not
 * published for 4.4.0). With the admin look-ups the cluster tests wait on (end offsets, a group's
 * committed offsets) and {@link #await}, the one way they wait. Internal topics have one replica
 * and one partition so that a transaction coordinator is ready at once. Thread-safe as {@link
 * Admin}; closed by the test that made it.
 */
final class EmbeddedKafka implements AutoCloseable {
  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final Admin admin;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    this.admin = Admin.create(p);
  }

  static EmbeddedKafka start(Path baseDir) throws Exception {
    int brokerPort = freePort();
    int controllerPort = freePort();
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", baseDir.resolve("log").toString());
    p.put("num.partitions", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("group.min.session.timeout.ms", "1000");
    p.put("auto.create.topics.enable", "false");
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 << 20));
    Files.createDirectories(baseDir);
    Path config = baseDir.resolve("server.properties");
    try (var out = Files.newBufferedWriter(config)) {
      p.store(out, "EmbeddedKafka");
    }
    ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
    int rc =
        StorageTool.execute(
            new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
            new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
    if (rc != 0) {
      throw new IllegalStateException("kafka-storage format failed: " + formatOutput);
    }
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
    server.startup();
    EmbeddedKafka kafka = new EmbeddedKafka(server, "127.0.0.1:" + brokerPort);
    try {
      await(Duration.ofSeconds(60), "the broker to register",
          () -> kafka.admin.describeCluster().nodes().get().size() == 1);
      return kafka;
    } catch (Exception | AssertionError e) {
      kafka.close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  Admin admin() {
    return admin;
  }

  void createTopic(String name, int partitions) throws Exception {
    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
  }

  KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  /** The end offset of every partition of {@code topic}. */
  Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
    int partitions =
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      request.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(request).all().get()
        .forEach((tp, info) -> ends.put(tp, info.offset()));
    return ends;
  }

  /** Whether {@code group} has committed the end offset of every partition of {@code topic}. */
  boolean caughtUp(String group, String topic) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    for (Map.Entry<TopicPartition, Long> end : endOffsets(topic).entrySet()) {
      OffsetAndMetadata c = committed.get(end.getKey());
      long at = c == null ? 0 : c.offset();
      if (at < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Sum of {@code group}'s committed offsets on {@code topic}. */
  long committedTotal(String group, String topic) throws Exception {
    long n = 0;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e :
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet()) {
      if (e.getKey().topic().equals(topic) && e.getValue() != null) {
        n += e.getValue().offset();
      }
    }
    return n;
  }

  /**
   * Every committed record of {@code topic}, read with {@code read_committed} up to the end offsets
   * it has now (the last stable offsets), in partition then offset order.
   */
  List<ConsumerRecord<String, String>> readCommitted(String topic) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>(endOffsets(topic).keySet());
      partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = c.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to " + ends);
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    out.sort(
        (a, b) ->
            a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
    return out;
  }

  /**
   * Waits until {@code condition} holds, polling every 50 ms, or fails after {@code timeout} with
   * {@code what} and the last state {@code state} describes.
   */
  static void await(Duration timeout, String what, Check condition, Supplier<String> state)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; "
            + state.get());
      }
      // A poll interval, not synchronisation: the condition is re-checked each round.
      Thread.sleep(50);
    }
  }

  static void await(Duration timeout, String what, Check condition) throws Exception {
    await(timeout, what, condition, () -> "");
  }

  /** A condition whose check may throw (an admin call). */
  @FunctionalInterface
  interface Check {
    boolean holds() throws Exception;
  }

  @Override
  public void close() throws Exception {
    admin.close(Duration.ofSeconds(5));
    server.shutdown();
    server.awaitShutdown();
  }
}
