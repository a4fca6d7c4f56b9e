package dev.strata.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code --drop-caches}: whether the operating system's page cache is dropped before each timed
 * run of a workload that reads ({@link Workload#reads()}), so that its reads of what the engine's
 * own cache does not hold go to the disk. {@link #BOTH} runs each such workload twice, first with
 * the page cache as the work before it left it, then dropped, and reports both.
 */
public enum DropCaches {
  OFF("off"),
  ON("on"),
  BOTH("both");

  private final String id;

  DropCaches(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** Whether a run of this mode may drop the page cache at all. */
  public boolean drops() {
    return this != OFF;
  }

  /**
   * The mode with this command-line name.
   *
   * @throws IllegalArgumentException listing the known names if none matches
   */
  public static DropCaches parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (DropCaches d : values()) {
      if (d.id.equals(n)) {
        return d;
      }
    }
    throw new IllegalArgumentException("--drop-caches must be one of "
        + Arrays.stream(values()).map(DropCaches::id).collect(Collectors.joining(", "))
        + ", got '" + name + "'");
  }

  @Override
  public String toString() {
    return id;
  }
}
