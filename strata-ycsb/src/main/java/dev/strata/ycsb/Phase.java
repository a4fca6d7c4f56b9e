package dev.strata.ycsb;

import java.util.Locale;

/**
 * One step of the suite: the load ({@code site.ycsb.Client -load} with workload A's file, whose
 * record settings all six core files share) or a run of a core workload A to F ({@code -t}).
 * Each names the operation whose p99 the summary shows. Immutable.
 *
 * @param name {@code load} or a letter {@code a} to {@code f}
 */
record Phase(String name) {
  /** The core workloads, in the suite's default order after the load (YCSB's recommended one). */
  static final String DEFAULT_PHASES = "load,a,b,c,f,d,e";

  Phase {
    if (!name.equals("load") && !(name.length() == 1 && name.charAt(0) >= 'a'
        && name.charAt(0) <= 'f')) {
      throw new IllegalArgumentException("unknown phase '" + name + "': load or a..f");
    }
  }

  /** Accepts {@code load}, {@code a}..{@code f} and {@code workloada}..{@code workloadf}. */
  static Phase parse(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    return new Phase(s.startsWith("workload") ? s.substring("workload".length()) : s);
  }

  boolean isLoad() {
    return name.equals("load");
  }

  /** The workload file the phase passes with {@code -P}. */
  String workloadFile() {
    return "workload" + (isLoad() ? "a" : name);
  }

  /**
   * The operation that characterizes the phase: INSERT for the load, UPDATE for A (update
   * heavy), READ for B, C and D, SCAN for E, READ-MODIFY-WRITE for F.
   */
  String mainOperation() {
    return switch (name) {
      case "load" -> "INSERT";
      case "a" -> "UPDATE";
      case "e" -> "SCAN";
      case "f" -> "READ-MODIFY-WRITE";
      default -> "READ";
    };
  }
}
