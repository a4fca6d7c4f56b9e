package dev.strata.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The benchmarks the runner knows, named as on the command line. {@link #freshDb} workloads start
 * from an empty database; {@link #needsData} workloads need every key in {@code [0, num)} present
 * and get an untimed implicit fill first when the database is empty or was emptied (by a fresh
 * start or {@code deleterandom}).
 */
public enum Workload {
  FILLSEQ("fillseq", true, false, "write num keys in ascending order into an empty database"),
  FILLRANDOM("fillrandom", true, false, "write each of num keys once, in random order"),
  OVERWRITE("overwrite", false, true, "write num uniformly random existing keys"),
  READRANDOM("readrandom", false, true, "read num uniformly random keys, all present"),
  READMISSING("readmissing", false, true, "read num uniformly random absent keys"),
  READSEQ("readseq", false, true, "each thread scans the whole database in order"),
  SEEKRANDOM("seekrandom", false, true, "seek to a random key, then 10 nexts; num seeks"),
  DELETERANDOM("deleterandom", false, true, "delete each of num keys once, in random order"),
  READWHILEWRITING(
      "readwhilewriting", false, true, "threads readers as readrandom plus one writer at full speed"),
  YCSB_A("ycsb-a", false, true, "YCSB A: 50% read, 50% update, Zipfian"),
  YCSB_B("ycsb-b", false, true, "YCSB B: 95% read, 5% update, Zipfian"),
  YCSB_C("ycsb-c", false, true, "YCSB C: 100% read, Zipfian"),
  YCSB_D("ycsb-d", false, true, "YCSB D: 95% read latest, 5% insert"),
  YCSB_E("ycsb-e", false, true, "YCSB E: 95% short scan (1-100), 5% insert, Zipfian"),
  YCSB_F("ycsb-f", false, true, "YCSB F: 50% read, 50% read-modify-write, Zipfian");

  private final String id;
  private final boolean freshDb;
  private final boolean needsData;
  private final String description;

  Workload(String id, boolean freshDb, boolean needsData, String description) {
    this.id = id;
    this.freshDb = freshDb;
    this.needsData = needsData;
    this.description = description;
  }

  /** The command-line name. */
  public String id() {
    return id;
  }

  public boolean freshDb() {
    return freshDb;
  }

  public boolean needsData() {
    return needsData;
  }

  public String description() {
    return description;
  }

  /** Whether a warm-up may run it untimed first: it neither empties nor refills the database. */
  public boolean warmable() {
    return !freshDb && this != DELETERANDOM;
  }

  /**
   * Whether its timed operations read what earlier work stored, so that a page cache dropped
   * before it ({@code --drop-caches}) sends its reads to the disk. The fills, {@code overwrite}
   * and {@code deleterandom} only write.
   */
  public boolean reads() {
    return needsData && this != OVERWRITE && this != DELETERANDOM;
  }

  public boolean isYcsb() {
    return id.startsWith("ycsb-");
  }

  /**
   * The workload with this command-line name.
   *
   * @throws IllegalArgumentException listing the known names if none matches
   */
  public static Workload parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Workload w : values()) {
      if (w.id.equals(n)) {
        return w;
      }
    }
    throw new IllegalArgumentException(
        "unknown benchmark '" + name + "'; known: " + names());
  }

  /** All command-line names, comma separated. */
  public static String names() {
    return Arrays.stream(values()).map(Workload::id).collect(Collectors.joining(", "));
  }
}
