package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The input of one {@link ClusterApp} run and what it must compute: records with skewed random keys
 * (small keys far more often), random values and timestamps 20 ms apart from now, recorded per key in
 * production order before they are sent. From it, the aggregate of any prefix of a key's records,
 * so that any value the application shows can be checked: {@code "count:sum"} is right only if the
 * sum is that of the key's first {@code count} values. Thread-safe: the producing thread appends
 * while query threads check.
 */
final class ClusterInput {
  static final long TIME_STEP_MS = 20;

  private final Random random;
  private final int keys;
  private final String topic;

  /**
   * The first record's time: now, for the broker deletes log segments whose records are older than
   * the retention (7 days), input included.
   */
  private final long baseTime = System.currentTimeMillis();

  // guarded by this
  private final Map<String, List<Long>> valuesByKey = new HashMap<>();
  /** Each key's record times, in production order (ascending), beside its values. */
  private final Map<String, List<Long>> timesByKey = new HashMap<>();
  private final Map<String, Long> countByWindow = new HashMap<>();
  private long produced;

  ClusterInput(long seed, int keys, String topic) {
    this.random = new Random(seed);
    this.keys = keys;
    this.topic = topic;
  }

  /** Sends {@code n} more records; does not wait for them (the caller flushes). */
  void produce(KafkaProducer<String, String> producer, int n) {
    for (int i = 0; i < n; i++) {
      String key = "k" + random.nextInt(random.nextInt(keys) + 1);
      long value = 1 + random.nextInt(1000);
      long time;
      synchronized (this) {
        time = baseTime + produced++ * TIME_STEP_MS;
        valuesByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        timesByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(time);
        countByWindow.merge(windowKey(key, time), 1L, Long::sum);
      }
      producer.send(new ProducerRecord<>(topic, null, time, key, Long.toString(value)));
    }
  }

  private static String windowKey(String key, long time) {
    return key + "@" + (time - time % ClusterApp.WINDOW_MS);
  }

  synchronized long produced() {
    return produced;
  }

  synchronized List<String> keys() {
    return new ArrayList<>(valuesByKey.keySet());
  }

  /** The aggregate of every record of {@code key} produced so far. */
  synchronized String finalAggregate(String key) {
    List<Long> values = valuesByKey.get(key);
    return values.size() + ":" + values.stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Null if {@code aggregate} is the aggregate of a prefix of {@code key}'s records produced so far,
   * else what is wrong with it.
   */
  synchronized String checkPrefix(String key, String aggregate) {
    List<Long> values = valuesByKey.getOrDefault(key, List.of());
    int colon = aggregate.indexOf(':');
    long count = Long.parseLong(aggregate.substring(0, colon));
    long sum = Long.parseLong(aggregate.substring(colon + 1));
    if (count < 1 || count > values.size()) {
      return key + "=" + aggregate + ": only " + values.size() + " records produced";
    }
    long expected = 0;
    for (int i = 0; i < count; i++) {
      expected += values.get((int) i);
    }
    return sum == expected ? null : key + "=" + aggregate + ": the first " + count + " sum to "
        + expected;
  }

  /**
   * Checks an output topic of aggregates, read committed: every value a prefix aggregate, the counts
   * of each key strictly rising (a record applied twice, or an aborted write seen, breaks one or the
   * other), and each key's last value its final aggregate.
   */
  void checkAggregates(List<ConsumerRecord<String, String>> output) {
    Map<String, String> last = new HashMap<>();
    Map<String, Long> lastCount = new HashMap<>();
    List<String> errors = new ArrayList<>();
    for (ConsumerRecord<String, String> r : output) {
      String wrong = checkPrefix(r.key(), r.value());
      if (wrong != null) {
        errors.add(wrong);
      }
      long count = Long.parseLong(r.value().substring(0, r.value().indexOf(':')));
      Long before = lastCount.put(r.key(), count);
      if (before != null && before >= count) {
        errors.add(r.key() + ": count " + count + " after " + before + " at offset " + r.offset());
      }
      last.put(r.key(), r.value());
    }
    assertThat(errors).as("wrong aggregates").isEmpty();
    Map<String, String> expected = new HashMap<>();
    for (String key : keys()) {
      expected.put(key, finalAggregate(key));
    }
    assertThat(last).isEqualTo(expected);
  }

  /** As {@link #checkAggregates} for the windowed counts: rising, and ending at the true count. */
  synchronized void checkWindowCounts(List<ConsumerRecord<String, String>> output) {
    Map<String, Long> last = new HashMap<>();
    List<String> errors = new ArrayList<>();
    for (ConsumerRecord<String, String> r : output) {
      long count = Long.parseLong(r.value());
      Long before = last.put(r.key(), count);
      if (before != null && before >= count) {
        errors.add(r.key() + ": count " + count + " after " + before + " at offset " + r.offset());
      }
    }
    assertThat(errors).as("wrong window counts").isEmpty();
    assertThat(last).isEqualTo(countByWindow);
  }

  /**
   * Checks the session counts of an output topic, read committed: every count is the number of
   * the key's records within its session's bounds (which are times of the key's records), and once
   * tombstones removed the sessions merged away, what remains is exactly the sessions of the input
   * (records of a key at most {@link ClusterApp#SESSION_GAP_MS} apart share one) with their counts.
   */
  synchronized void checkSessionCounts(List<ConsumerRecord<String, String>> output) {
    Map<String, Long> live = new HashMap<>();
    List<String> errors = new ArrayList<>();
    for (ConsumerRecord<String, String> r : output) {
      if (r.value() == null) {
        live.remove(r.key());
        continue;
      }
      int at = r.key().indexOf('@');
      int dash = r.key().indexOf('-', at);
      String key = r.key().substring(0, at);
      long start = Long.parseLong(r.key().substring(at + 1, dash));
      long end = Long.parseLong(r.key().substring(dash + 1));
      List<Long> times = timesByKey.getOrDefault(key, List.of());
      long expected = times.stream().filter(t -> t >= start && t <= end).count();
      if (!times.contains(start) || !times.contains(end)
          || Long.parseLong(r.value()) != expected) {
        errors.add(r.key() + "=" + r.value() + " at offset " + r.offset() + ": the key has "
            + expected + " records in it");
      }
      live.put(r.key(), Long.parseLong(r.value()));
    }
    assertThat(errors).as("wrong session counts").isEmpty();
    Map<String, Long> expected = sessions();
    assertThat(live).as("sessions").isEqualTo(expected);
    assertThat(expected.values()).as("sessions of more than one record").anyMatch(n -> n > 1);
  }

  /**
   * Every session of the input ({@code key@start-end}, records of a key at most {@link
   * ClusterApp#SESSION_GAP_MS} apart sharing one) with its number of records.
   */
  synchronized Map<String, Long> sessions() {
    Map<String, Long> sessions = new HashMap<>();
    timesByKey.forEach(
        (key, times) -> {
          long start = times.get(0);
          long end = start;
          long n = 1;
          for (long t : times.subList(1, times.size())) {
            if (t - end > ClusterApp.SESSION_GAP_MS) {
              sessions.put(key + "@" + start + "-" + end, n);
              start = t;
              n = 0;
            }
            end = t;
            n++;
          }
          sessions.put(key + "@" + start + "-" + end, n);
        });
    return sessions;
  }

  /** The number of records produced so far in {@code window} ({@code key@windowStart}). */
  synchronized long windowCount(String window) {
    return countByWindow.getOrDefault(window, 0L);
  }

  /** The number of records in each window ({@code key@windowStart}) of the input. */
  synchronized Map<String, Long> windowCounts() {
    return new HashMap<>(countByWindow);
  }

  /**
   * Checks the self-join's output topic, read committed, as a multiset of {@code key=value@time}:
   * each record joins itself once, and each pair of records of a key at most {@link
   * ClusterApp#JOIN_WINDOW_MS} apart joins twice (once from each side of the join), both at the
   * later record's time. A record applied twice, or lost, changes the multiset.
   */
  synchronized void checkJoin(List<ConsumerRecord<String, String>> output) {
    Map<String, Integer> expected = new HashMap<>();
    valuesByKey.forEach(
        (key, values) -> {
          List<Long> times = timesByKey.get(key);
          for (int j = 0; j < values.size(); j++) {
            long tj = times.get(j);
            long vj = values.get(j);
            expected.merge(key + "=" + vj + "+" + vj + "@" + tj, 1, Integer::sum);
            for (int i = j - 1; i >= 0 && tj - times.get(i) <= ClusterApp.JOIN_WINDOW_MS; i--) {
              long vi = values.get(i);
              expected.merge(key + "=" + vi + "+" + vj + "@" + tj, 1, Integer::sum);
              expected.merge(key + "=" + vj + "+" + vi + "@" + tj, 1, Integer::sum);
            }
          }
        });
    Map<String, Integer> actual = new HashMap<>();
    for (ConsumerRecord<String, String> r : output) {
      actual.merge(r.key() + "=" + r.value() + "@" + r.timestamp(), 1, Integer::sum);
    }
    List<String> differences = new ArrayList<>();
    for (String k : new java.util.TreeSet<>(union(expected.keySet(), actual.keySet()))) {
      int e = expected.getOrDefault(k, 0);
      int a = actual.getOrDefault(k, 0);
      if (e != a) {
        differences.add(k + ": " + a + " times, expected " + e);
      }
    }
    assertThat(differences).as("join results (" + output.size() + " read)").isEmpty();
    assertThat(output.size()).as("join results beyond each record with itself")
        .isGreaterThan((int) produced);
  }

  private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.Set<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return u;
  }
}
