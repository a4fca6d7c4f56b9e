package dev.strata.ycsb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one run of {@code site.ycsb.Client} reported on stdout through YCSB's default text
 * exporter, whose lines read {@code [SECTION], METRIC, VALUE}: {@code [OVERALL], Throughput(ops/sec)}
 * and, per operation ({@code [READ]}, {@code [UPDATE]}, {@code [INSERT]}, {@code [SCAN]}, {@code
 * [READ-MODIFY-WRITE]}, {@code [CLEANUP]}, and {@code [READ-FAILED]} and the like for the
 * latencies of failed operations), {@code Operations}, {@code AverageLatency(us)}, {@code
 * 99thPercentileLatency(us)} and one {@code Return=STATUS} count per status. Other lines are
 * ignored. Immutable.
 *
 * <p>YCSB counts each operation's statuses under the plain name (a failed read adds to {@code
 * [READ], Return=ERROR}) and times it under {@code READ-FAILED}, so {@link #errors()} and {@link
 * #notFound()} add up the plain sections only. YCSB exits with status 0 even when it could not
 * start or a client thread died; such a run has no throughput line: {@link #completed()}.
 */
final class YcsbOutput {
  /** One operation's section. {@code returns} maps a status name (OK, NOT_FOUND, ERROR) to a count. */
  record Operation(String name, long operations, double averageUs, double p99Us,
      Map<String, Long> returns) {
    /** Operations that returned neither OK nor NOT_FOUND. */
    long errors() {
      long n = 0;
      for (Map.Entry<String, Long> e : returns.entrySet()) {
        if (!e.getKey().equals("OK") && !e.getKey().equals("NOT_FOUND")) {
          n += e.getValue();
        }
      }
      return n;
    }

    long notFound() {
      return returns.getOrDefault("NOT_FOUND", 0L);
    }
  }

  private static final Pattern LINE = Pattern.compile("^\\[([^\\]]+)\\], ([^,]+), (.*)$");
  private static final String RETURN_PREFIX = "Return=";
  private static final String READ_MODIFY_WRITE = "READ-MODIFY-WRITE";

  private final OptionalDouble throughput;
  private final OptionalDouble runtimeMs;
  private final Map<String, Operation> operations;

  private YcsbOutput(OptionalDouble throughput, OptionalDouble runtimeMs,
      Map<String, Operation> operations) {
    this.throughput = throughput;
    this.runtimeMs = runtimeMs;
    this.operations = Collections.unmodifiableMap(operations);
  }

  static YcsbOutput read(Path stdout) throws IOException {
    return parse(Files.readAllLines(stdout, StandardCharsets.UTF_8));
  }

  static YcsbOutput parse(List<String> lines) {
    OptionalDouble throughput = OptionalDouble.empty();
    OptionalDouble runtimeMs = OptionalDouble.empty();
    Map<String, Map<String, String>> sections = new LinkedHashMap<>();
    for (String line : lines) {
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      String section = m.group(1);
      String metric = m.group(2).strip();
      String value = m.group(3).strip();
      if (section.equals("OVERALL")) {
        if (metric.equals("Throughput(ops/sec)")) {
          throughput = number(value);
        } else if (metric.equals("RunTime(ms)")) {
          runtimeMs = number(value);
        }
      } else {
        sections.computeIfAbsent(section, s -> new LinkedHashMap<>()).put(metric, value);
      }
    }
    Map<String, Operation> operations = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, String>> e : sections.entrySet()) {
      Map<String, String> metrics = e.getValue();
      if (!metrics.containsKey("Operations")) {
        continue; // GC and JVM sections
      }
      Map<String, Long> returns = new LinkedHashMap<>();
      for (Map.Entry<String, String> metric : metrics.entrySet()) {
        if (metric.getKey().startsWith(RETURN_PREFIX)) {
          returns.put(metric.getKey().substring(RETURN_PREFIX.length()),
              (long) number(metric.getValue()).orElse(0));
        }
      }
      operations.put(e.getKey(), new Operation(e.getKey(),
          (long) number(metrics.get("Operations")).orElse(0),
          number(metrics.get("AverageLatency(us)")).orElse(Double.NaN),
          number(metrics.get("99thPercentileLatency(us)")).orElse(Double.NaN),
          Collections.unmodifiableMap(returns)));
    }
    return new YcsbOutput(throughput, runtimeMs, operations);
  }

  private static OptionalDouble number(String text) {
    if (text == null) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(Double.parseDouble(text));
    } catch (NumberFormatException ex) {
      return OptionalDouble.empty();
    }
  }

  /** True if YCSB got as far as reporting its overall throughput. */
  boolean completed() {
    return throughput.isPresent();
  }

  OptionalDouble throughput() {
    return throughput;
  }

  OptionalDouble runtimeMs() {
    return runtimeMs;
  }

  /** Every operation section, in the order YCSB printed them. */
  Map<String, Operation> operations() {
    return operations;
  }

  Optional<Operation> operation(String name) {
    return Optional.ofNullable(operations.get(name));
  }

  /**
   * The operations the client threads performed, from the status counts: every database call
   * (each plain section's {@code Return=} counts, {@code CLEANUP} aside) less one per {@code
   * READ-MODIFY-WRITE}, which is a read and an update counted as one operation. A client thread
   * whose {@code init} failed performs none, though YCSB still reports a throughput.
   */
  long operationsDone() {
    long calls = 0;
    for (Operation op : operations.values()) {
      if (!op.name().endsWith("-FAILED") && !op.name().equals("CLEANUP")) {
        for (long n : op.returns().values()) {
          calls += n;
        }
      }
    }
    return calls - operation(READ_MODIFY_WRITE).map(Operation::operations).orElse(0L);
  }

  /** Operations that returned neither OK nor NOT_FOUND, over every operation. */
  long errors() {
    return plainSectionsSum(true);
  }

  /** Operations that returned NOT_FOUND, over every operation. */
  long notFound() {
    return plainSectionsSum(false);
  }

  private long plainSectionsSum(boolean errors) {
    long n = 0;
    for (Operation op : operations.values()) {
      if (!op.name().endsWith("-FAILED")) {
        n += errors ? op.errors() : op.notFound();
      }
    }
    return n;
  }
}
