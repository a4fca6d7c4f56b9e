package dev.strata.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Renders results as text: a one-line summary per result while running, and at the end each
 * engine's configuration followed by an aligned table with ratio columns against RocksDB when it
 * ran too. Each row names its value size and page-cache state; a ratio compares rows of the same
 * workload, thread count, value size and kind, and page-cache state. Stateless.
 */
public final class ResultTable {
  /** The engine the ratio columns compare with. */
  public static final String BASELINE = "rocksdb";

  private static final String[] HEADERS = {
    "engine", "workload", "thr", "value B", "cache", "ops/s", "spread", "MiB/s", "p50 us",
    "p99 us", "p99.9 us", "max us", "found", "disk MiB", "w-amp", "max L0", "stall ms", "RSS MiB", "heap MiB",
    "ops/s vs rocksdb", "p99 vs rocksdb"
  };

  /** Columns of text, aligned left. */
  private static final Set<String> TEXT_COLUMNS = Set.of("engine", "workload", "cache");

  private ResultTable() {}

  /** One result on one line, printed as soon as it is known. */
  static String line(BenchResult r) {
    return String.format(Locale.ROOT,
        "%-12s %-24s t=%-3d v=%-5d %-11s %12s ops/s %8.1f MiB/s  p50 %s  p99 %s  p99.9 %s"
            + "  max %s us",
        r.engine(), r.workload(), r.threads(), r.valueSize(), r.cache().label(),
        grouped(r.opsPerSec()), r.mibPerSec(), micros(r.p50Micros()), micros(r.p99Micros()),
        micros(r.p999Micros()), micros(r.maxMicros()));
  }

  /** Prints every engine's configuration, then the table. */
  public static void print(List<BenchResult> results, PrintWriter out) {
    Map<String, Map<String, String>> configs = new LinkedHashMap<>();
    for (BenchResult r : results) {
      configs.putIfAbsent(r.engine(), r.configuration());
    }
    for (Map.Entry<String, Map<String, String>> e : configs.entrySet()) {
      out.println("configuration of " + e.getKey() + ":");
      e.getValue().forEach((k, v) -> out.println("  " + k + " = " + v));
    }
    out.println();
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADERS);
    for (BenchResult r : results) {
      rows.add(row(r, baseline(results, r)));
    }
    out.print(align(rows));
  }

  /**
   * The RocksDB result measured under the same conditions as {@code r}, if any: the same
   * workload, thread count, value size and kind, and page-cache state.
   */
  public static Optional<BenchResult> baseline(List<BenchResult> results, BenchResult r) {
    return results.stream()
        .filter(b -> b.engine().equals(BASELINE) && sameConditions(b, r))
        .findFirst();
  }

  /** Whether {@code a} and {@code b} measured the same workload phase under the same conditions. */
  public static boolean sameConditions(BenchResult a, BenchResult b) {
    return a.workload().equals(b.workload()) && a.threads() == b.threads()
        && a.valueSize() == b.valueSize() && a.valueKind() == b.valueKind()
        && a.cache() == b.cache();
  }

  private static String[] row(BenchResult r, Optional<BenchResult> base) {
    String opsRatio = base.map(b -> ratio(ResultMath.ratio(r.opsPerSec(), b.opsPerSec())))
        .orElse("");
    String p99Ratio = base.map(b -> ratio(ResultMath.ratio(r.p99Micros(), b.p99Micros())))
        .orElse("");
    String found = r.expectedFound() >= 0 ? r.found() + "/" + r.expectedFound()
        : Long.toString(r.found());
    return new String[] {
      r.engine(), r.workload(), Integer.toString(r.threads()), Integer.toString(r.valueSize()),
      r.cache().label(), grouped(r.opsPerSec()),
      r.repeats() > 1 ? String.format(Locale.ROOT, "%.1f%%", r.spreadPercent()) : "-",
      String.format(Locale.ROOT, "%.1f", r.mibPerSec()), micros(r.p50Micros()),
      micros(r.p99Micros()), micros(r.p999Micros()), micros(r.maxMicros()), found,
      mib(r.diskBytes()),
      Double.isNaN(r.writeAmplification()) ? "n/a"
          : String.format(Locale.ROOT, "%.2f", r.writeAmplification()),
      maxLevel0(r), stallMillis(r), mib(r.peakRssBytes()), mib(r.peakHeapBytes()), opsRatio,
      p99Ratio
    };
  }

  /** The {@code max L0} cell: the largest level-0 file count, or "n/a". */
  public static String maxLevel0(BenchResult r) {
    return r.maxLevel0Files() < 0 ? "n/a" : Long.toString(r.maxLevel0Files());
  }

  /** The {@code stall ms} cell: write-stall time in milliseconds, or "n/a". */
  public static String stallMillis(BenchResult r) {
    return r.stallMicros() < 0 ? "n/a" : micros(r.stallMicros() / 1000.0);
  }

  /**
   * Columns padded to their widest cell; text ({@link #TEXT_COLUMNS}, named by the first row)
   * left-aligned, numbers right-aligned.
   */
  static String align(List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] row : rows) {
      for (int c = 0; c < cols; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] row : rows) {
      for (int c = 0; c < cols; c++) {
        String cell = row[c];
        String pad = " ".repeat(width[c] - cell.length());
        sb.append(TEXT_COLUMNS.contains(rows.get(0)[c]) ? cell + pad : pad + cell);
        sb.append(c + 1 < cols ? "  " : "");
      }
      sb.append(System.lineSeparator());
    }
    return sb.toString();
  }

  static String grouped(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  static String ratio(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2fx", v);
  }

  private static String micros(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / ResultMath.MIB);
  }
}
