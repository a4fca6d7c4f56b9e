package dev.strata.ycsb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The suite's Markdown summary: one row per phase with each engine's throughput, the ratio
 * Strata / RocksDB when both ran, each engine's p99 of the phase's {@link
 * Phase#mainOperation()}, and each engine's peak resident set (with the ratio when both ran); then one row per phase, engine and operation; then a note for every run
 * that failed or met an error or a missing record. Every figure is the median over the
 * repetitions that were {@link PhaseResult#measured() measured} (the mean of the middle two for an even count). Immutable.
 */
final class SuiteTable {
  private final List<Engine> engines;
  private final List<Phase> phases;
  private final List<PhaseResult> results;

  SuiteTable(List<Engine> engines, List<Phase> phases, List<PhaseResult> results) {
    this.engines = List.copyOf(engines);
    this.phases = List.copyOf(phases);
    this.results = List.copyOf(results);
  }

  String render() {
    StringBuilder sb = new StringBuilder();
    mainTable(sb);
    sb.append('\n');
    operationTable(sb);
    List<String> notes = notes();
    sb.append('\n');
    if (notes.isEmpty()) {
      sb.append("Every run completed with no ERROR and no NOT_FOUND.\n");
    } else {
      for (String note : notes) {
        sb.append("- ").append(note).append('\n');
      }
    }
    return sb.toString();
  }

  private boolean withRatio() {
    return engines.contains(Engine.STRATA) && engines.contains(Engine.ROCKSDB);
  }

  private void mainTable(StringBuilder sb) {
    List<String> header = new ArrayList<>(List.of("phase", "op"));
    perEngine(header, " ops/s");
    ratioColumn(header, "Strata / RocksDB");
    perEngine(header, " p99 us");
    perEngine(header, " peak RSS MiB");
    ratioColumn(header, "RSS Strata / RocksDB");
    List<String> align = new ArrayList<>(List.of("---", "---"));
    while (align.size() < header.size()) {
      align.add("---:");
    }
    row(sb, header);
    row(sb, align);
    for (int step = 0; step < phases.size(); step++) {
      Phase phase = phases.get(step);
      String op = phase.mainOperation();
      List<String> cells = new ArrayList<>(List.of(label(step), op));
      for (Engine e : engines) {
        cells.add(format(throughput(e, step), "%,.0f"));
      }
      if (withRatio()) {
        cells.add(ratio(throughput(Engine.STRATA, step), throughput(Engine.ROCKSDB, step)));
      }
      for (Engine e : engines) {
        cells.add(completed(e, step).isEmpty() ? "failed"
            : withOperation(e, step, op).isEmpty() ? "n/a"
            : format(median(withOperation(e, step, op), r -> operation(r, op).p99Us()), "%,.0f"));
      }
      for (Engine e : engines) {
        OptionalDouble rss = peakRssMib(e, step);
        cells.add(rss.isPresent() ? String.format(Locale.ROOT, "%,.0f", rss.getAsDouble()) : "n/a");
      }
      if (withRatio()) {
        cells.add(ratio(peakRssMib(Engine.STRATA, step), peakRssMib(Engine.ROCKSDB, step)));
      }
      row(sb, cells);
    }
  }

  /** One header per engine: its label followed by {@code suffix}. */
  private void perEngine(List<String> header, String suffix) {
    for (Engine e : engines) {
      header.add(e.label + suffix);
    }
  }

  /** The header of a Strata / RocksDB column, when both engines ran. */
  private void ratioColumn(List<String> header, String name) {
    if (withRatio()) {
      header.add(name);
    }
  }

  /** The median throughput of the engine's completed runs of the step. */
  private OptionalDouble throughput(Engine e, int step) {
    return median(completed(e, step), r -> r.output().throughput().orElse(0));
  }

  /** {@code strata / rocksdb} as "1.23x", or "n/a" when either is missing or RocksDB's is 0. */
  private static String ratio(OptionalDouble strata, OptionalDouble rocksdb) {
    return strata.isPresent() && rocksdb.isPresent() && rocksdb.getAsDouble() > 0
        ? String.format(Locale.ROOT, "%.2fx", strata.getAsDouble() / rocksdb.getAsDouble())
        : "n/a";
  }

  /** The median peak RSS of the engine's completed runs of the step, empty if none was read. */
  private OptionalDouble peakRssMib(Engine e, int step) {
    List<PhaseResult> known = completed(e, step).stream().filter(r -> r.peakRssBytes() > 0)
        .toList();
    return median(known, r -> r.peakRssBytes() / 1048576.0);
  }

  private void operationTable(StringBuilder sb) {
    row(sb, List.of("phase", "engine", "operation", "operations", "avg us", "p99 us", "ERROR",
        "NOT_FOUND"));
    row(sb, List.of("---", "---", "---", "---:", "---:", "---:", "---:", "---:"));
    for (int step = 0; step < phases.size(); step++) {
      for (Engine e : engines) {
        List<PhaseResult> runs = completed(e, step);
        Set<String> names = new LinkedHashSet<>();
        for (PhaseResult r : runs) {
          names.addAll(r.output().operations().keySet());
        }
        names.remove("CLEANUP");
        for (String op : names) {
          List<PhaseResult> with = withOperation(e, step, op);
          row(sb, List.of(label(step), e.label, op,
              format(median(with, r -> operation(r, op).operations()), "%,.0f"),
              format(median(with, r -> operation(r, op).averageUs()), "%,.1f"),
              format(median(with, r -> operation(r, op).p99Us()), "%,.0f"),
              format(median(with, r -> operation(r, op).errors()), "%,.0f"),
              format(median(with, r -> operation(r, op).notFound()), "%,.0f")));
        }
      }
    }
  }

  private List<String> notes() {
    List<String> notes = new ArrayList<>();
    for (PhaseResult r : results) {
      String run = "r" + r.repetition() + " " + r.engine().id + " " + label(r.step()) + " ("
          + r.stdout().getFileName() + ")";
      if (!r.output().completed()) {
        notes.add(run + ": FAILED, exit status " + r.exitCode()
            + (r.exitCode() == -1 ? " (killed at the timeout)" : "")
            + ", no throughput reported; see the .err file beside it");
      } else if (!r.measured()) {
        notes.add(run + ": FAILED, " + r.output().operationsDone() + " of "
            + r.expectedOperations() + " operations done; see the .err file beside it");
      } else if (r.exitCode() != 0) {
        notes.add(run + ": exit status " + r.exitCode());
      }
      if (r.output().errors() > 0) {
        notes.add(run + ": " + r.output().errors() + " operations FAILED (status other than OK"
            + " and NOT_FOUND)");
      }
      if (r.output().notFound() > 0) {
        notes.add(run + ": " + r.output().notFound() + " operations returned NOT_FOUND");
      }
    }
    return notes;
  }

  /** The row label of a step: the phase's name, with {@code (2)} for its second appearance. */
  private String label(int step) {
    String name = phases.get(step).name();
    int seen = 0;
    for (int i = 0; i <= step; i++) {
      if (phases.get(i).name().equals(name)) {
        seen++;
      }
    }
    return seen == 1 ? name : name + " (" + seen + ")";
  }

  private List<PhaseResult> completed(Engine engine, int step) {
    List<PhaseResult> out = new ArrayList<>();
    for (PhaseResult r : results) {
      if (r.engine() == engine && r.step() == step && r.measured()) {
        out.add(r);
      }
    }
    return out;
  }

  private List<PhaseResult> withOperation(Engine engine, int step, String op) {
    List<PhaseResult> out = new ArrayList<>();
    for (PhaseResult r : completed(engine, step)) {
      if (r.output().operation(op).isPresent()) {
        out.add(r);
      }
    }
    return out;
  }

  /** Requires: {@code r} has {@code op}. */
  private static YcsbOutput.Operation operation(PhaseResult r, String op) {
    return r.output().operation(op).orElseThrow();
  }

  /** The median of {@code f} over {@code runs}, or empty if there are none. */
  static OptionalDouble median(List<PhaseResult> runs, ToDoubleFunction<PhaseResult> f) {
    List<Double> values = new ArrayList<>();
    for (PhaseResult r : runs) {
      values.add(f.applyAsDouble(r));
    }
    return median(values);
  }

  static OptionalDouble median(List<Double> values) {
    if (values.isEmpty()) {
      return OptionalDouble.empty();
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return OptionalDouble.of(n % 2 == 1 ? sorted.get(n / 2)
        : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2);
  }

  private static String format(OptionalDouble v, String pattern) {
    if (v.isEmpty()) {
      return "failed";
    }
    return Double.isNaN(v.getAsDouble()) ? "n/a" : String.format(Locale.ROOT, pattern,
        v.getAsDouble());
  }

  private static void row(StringBuilder sb, List<String> cells) {
    sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }
}
