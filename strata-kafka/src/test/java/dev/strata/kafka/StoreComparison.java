package dev.strata.kafka;

import dev.strata.testing.KeyDistribution;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Kafka Streams store comparison of issue 19, RocksDB against Strata side by side on one input:
 * a KRaft broker on loopback in this JVM ({@link EmbeddedKafka}), an input topic of {@code
 * --records} records whose keys are drawn Zipfian from {@code --keys}, then, for each store kind,
 * {@link StoreComparisonApp} in its own JVM (so that RSS is the application's alone) processing the
 * whole topic and restoring its changelogs into an empty state directory. Prints one line per kind
 * and a Markdown table, and writes both to {@code --out} if given. Run with {@code
 * strata-kafka/kafka-bench.sh} (docs/design/kafka.md); {@code StoreComparisonTest} runs it at a
 * tiny size.
 *
 * <p>Options: {@code --records N} (10,000,000), {@code --keys N} (1,000,000), {@code --partitions
 * N} (4), {@code --cache-bytes N} and {@code --budget-bytes N} (64 MiB and 256 MiB, both kinds),
 * {@code --heap SIZE} of each application JVM (2g) and {@code --heap-KIND SIZE} for one kind only,
 * {@code --kinds rocksdb,strata} (also {@code inmemory}: Kafka's in-memory stores, the ceiling),
 * {@code --dir DIR} (a new temporary directory), {@code --out FILE}, {@code --seed N}.
 */
public final class StoreComparison {
  private StoreComparison() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = options(args);
    List<String> lines = run(o);
    for (String line : lines) {
      System.out.println(line);
    }
    if (o.containsKey("out")) {
      Files.write(Path.of(o.get("out")), lines, StandardCharsets.UTF_8);
    }
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("records", "10000000");
    o.put("keys", "1000000");
    o.put("partitions", "4");
    o.put("cache-bytes", String.valueOf(64L << 20));
    o.put("budget-bytes", String.valueOf(256L << 20));
    o.put("heap", "2g");
    o.put("kinds", "rocksdb,strata");
    o.put("seed", "42");
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 == args.length) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      o.put(args[i].substring(2), args[++i]);
    }
    return o;
  }

  /** Runs the comparison; the result lines of each kind, then a Markdown table. */
  static List<String> run(Map<String, String> o) throws Exception {
    long records = Long.parseLong(o.get("records"));
    Path dir =
        o.containsKey("dir") ? Path.of(o.get("dir")) : Files.createTempDirectory("kafka-bench");
    List<String> results = new ArrayList<>();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      String topic = "bench-input";
      kafka.createTopic(topic, Integer.parseInt(o.get("partitions")));
      produce(kafka, topic, records, Integer.parseInt(o.get("keys")),
          Long.parseLong(o.get("seed")));
      for (String kind : o.get("kinds").split(",")) {
        results.add(runApp(kind, kafka, topic, records, dir, o));
      }
    }
    List<String> lines = new ArrayList<>(results);
    lines.add("");
    lines.add("| store | records/s | p50 µs | p99 µs | p99.9 µs | peak RSS MiB | max heap MiB"
        + " | state dir MiB | restored records | restore s |");
    lines.add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (String r : results) {
      Map<String, String> f = fields(r);
      lines.add("| " + String.join(" | ", f.get("kind"), f.get("records_per_s"), f.get("p50_us"),
          f.get("p99_us"), f.get("p999_us"), f.get("rss_peak_mib"), f.get("max_heap_mib"),
          f.get("state_dir_mib"), f.get("restored_records"), f.get("restore_s")) + " |");
    }
    return lines;
  }

  /** The {@code name=value} fields of a RESULT line. */
  static Map<String, String> fields(String resultLine) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String part : resultLine.split(" ")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        f.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return f;
  }

  private static void produce(EmbeddedKafka kafka, String topic, long records, int keys,
      long seed) {
    KeyDistribution.Source zipf = KeyDistribution.ZIPFIAN.source(new Random(seed), keys);
    Random values = new Random(seed + 1);
    try (KafkaProducer<String, String> producer = kafka.producer()) {
      for (long i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(topic, "key" + zipf.nextIndex(),
            Long.toString(values.nextInt(100))));
      }
      producer.flush();
    }
  }

  private static String runApp(String kind, EmbeddedKafka kafka, String topic, long records,
      Path dir, Map<String, String> o) throws Exception {
    Path stateDir = dir.resolve("state-" + kind);
    File log = dir.resolve(kind + ".log").toFile();
    try (ChildInstance app =
        ChildInstance.startWithHeap(o.getOrDefault("heap-" + kind, o.get("heap")),
            StoreComparisonApp.class, log, kind,
            kafka.bootstrapServers(), topic, String.valueOf(records), stateDir.toString(),
            o.get("cache-bytes"), o.get("budget-bytes"))) {
      EmbeddedKafka.await(Duration.ofHours(4), kind + "'s RESULT line",
          () -> app.lineStartingWith("RESULT ") != null || app.outputEnded(),
          () -> "see " + log);
      String result = app.lineStartingWith("RESULT ");
      if (result == null) {
        throw new IllegalStateException(kind + " ended without a result; see " + log);
      }
      return result;
    }
  }
}
