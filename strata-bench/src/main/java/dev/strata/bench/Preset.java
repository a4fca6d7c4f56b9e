package dev.strata.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Named sets of options for conditions that others define ({@code --preset}). A preset is a list
 * of command-line arguments; an option given explicitly on the command line wins over the
 * preset's, and {@code --engine-options} merge key by key (the explicit value of a key wins).
 * Immutable.
 */
public enum Preset {
  /**
   * The standard independent conditions: Strata beside RocksDB, the workloads in {@code
   * db_bench}'s order, no warm-up, at 100 B, 1 KiB and 4 KiB values.
   */
  INDEPENDENT(
      "independent",
      "strata beside rocksdb; fillrandom, readrandom, readwhilewriting, ycsb-a in db_bench's "
          + "order; no warm-up; values of 100, 1024 and 4096 B",
      List.of("--engine=strata,rocksdb",
          "--benchmarks=fillrandom,readrandom,readwhilewriting,ycsb-a", "--warmup=0",
          "--value-size=100,1024,4096")),
  /**
   * A data set far larger than the block cache: 10 million 1 KiB values (about 10 GiB) beside a
   * 64 MiB cache, filled, then read with the page cache warm and then dropped.
   */
  LARGER_THAN_CACHE(
      "larger-than-cache",
      "strata beside rocksdb; 10,000,000 keys of 1024 B values (about 10 GiB, 150x the cache) "
          + "with a 64 MiB block cache; fillrandom, then readrandom with the page cache warm and "
          + "then dropped",
      List.of("--engine=strata,rocksdb", "--benchmarks=fillrandom,readrandom",
          "--num=10000000", "--value-size=1024", "--engine-options=cache-mb=64",
          "--drop-caches=both"));

  private final String id;
  private final String description;
  private final List<String> arguments;

  Preset(String id, String description, List<String> arguments) {
    this.id = id;
    this.description = description;
    this.arguments = arguments;
  }

  /** The command-line name. */
  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /** The options the preset stands for, as on a command line. */
  public List<String> arguments() {
    return arguments;
  }

  /**
   * The preset with this command-line name.
   *
   * @throws IllegalArgumentException listing the known names if none matches
   */
  public static Preset parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Preset p : values()) {
      if (p.id.equals(n)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown preset '" + name + "'; known: "
        + Arrays.stream(values()).map(Preset::id).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return id;
  }
}
