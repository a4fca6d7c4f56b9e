package dev.strata.engine;

import dev.strata.compaction.CompactionPicker;
import dev.strata.compaction.CompactionStats;
import dev.strata.memtable.Memtable;
import dev.strata.memtable.ShardedMemtable;
import dev.strata.version.Level;
import dev.strata.version.VersionSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Answers {@code StrataDB.getProperty} and {@code getAggregatedLongProperty}: per-level file counts
 * and bytes, memtable and cache figures, write amplification and the readable {@code strata.stats}
 * table. Names are listed in {@code docs/design/properties.md}, which says which figures are one
 * column family's ({@code family}'s) and which the whole database's. A short-lived view built per
 * call; reads racy counters.
 */
final class Properties {
  private static final String PREFIX = "strata.";

  /**
   * The integer figures of one family (besides {@code num-files-at-level<N>} and {@code
   * level-bytes<N>}) whose database figure is their sum over the families.
   */
  private static final Set<String> PER_FAMILY_SUMS =
      Set.of(
          "total-sst-bytes",
          "memtable-bytes",
          "cur-size-all-mem-tables",
          "cur-size-active-mem-table",
          "size-all-mem-tables",
          "estimate-pinned-iterator-mem",
          "num-immutable-memtables",
          "estimate-num-keys",
          "estimate-table-readers-mem",
          "num-open-table-readers",
          "estimate-pending-compaction-bytes");

  /** The integer figures of the whole database: the same whichever family is asked. */
  private static final Set<String> DATABASE_LONGS =
      Set.of(
          "block-cache-bytes",
          "block-cache-usage",
          "block-cache-capacity",
          "compaction-buffer-bytes",
          "estimate-heap-bytes",
          "memtable-off-heap-bytes",
          "bytes-written-user",
          "bytes-written-wal",
          "bytes-written-tables",
          "stall-count",
          "slowdown-count",
          "slowdown-micros",
          "stall-micros",
          "compaction-micros",
          "max-level0-files",
          "last-sequence",
          "num-snapshots");

  private final DbImpl db;

  /** The column family whose memtables, levels and tables the figures describe. */
  private final ColumnFamily family;

  Properties(DbImpl db) {
    this(db, db.defaultFamily());
  }

  Properties(DbImpl db, ColumnFamily family) {
    this.db = db;
    this.family = family;
  }

  String get(String name) {
    if (!name.startsWith(PREFIX)) {
      return null;
    }
    String p = name.substring(PREFIX.length());
    CompactionStats s = db.stats;
    if (p.startsWith("num-files-at-level")) {
      int level = parseLevel(p.substring("num-files-at-level".length()));
      return level < 0 ? null : Integer.toString(family.versions.eachLevelNow()[level].fileCount());
    }
    if (p.startsWith("level-bytes")) {
      int level = parseLevel(p.substring("level-bytes".length()));
      return level < 0 ? null : Long.toString(family.versions.eachLevelNow()[level].totalBytes());
    }
    switch (p) {
      case "memtable-bytes":
      case "cur-size-all-mem-tables":
        return Long.toString(family.mems.approximateBytes());
      case "cur-size-active-mem-table":
        return Long.toString(family.mems.active.approximateBytes());
      case "size-all-mem-tables":
        {
          // The set first: a memtable whose flush installs between the two reads is counted in
          // both rather than in neither (MemtablePin adds before its state changes).
          long unflushed = family.mems.approximateBytes();
          return Long.toString(unflushed + family.pinnedMemtableBytes.get());
        }
      case "estimate-pinned-iterator-mem":
        return Long.toString(family.pinnedMemtableBytes.get());
      case "estimate-num-keys":
        return Long.toString(db.estimateNumKeys(family));
      case "num-immutable-memtables":
        return Integer.toString(family.mems.immutables.size());
      case "block-cache-hit-ratio":
        return String.format(Locale.ROOT, "%.4f", db.blockCache().hitRatio());
      case "block-cache-bytes":
      case "block-cache-usage":
        return Long.toString(db.blockCache().usedBytes());
      case "block-cache-capacity":
        return Long.toString(db.blockCache().capacityBytes());
      case "estimate-table-readers-mem":
        return Long.toString(family.tables.openReaderHeapBytes());
      case "num-open-table-readers":
        return Integer.toString(family.tables.openReaderCount());
      case "compaction-buffer-bytes":
        return Long.toString(s.tableBuilderBytes.get());
      case "estimate-heap-bytes":
        return Long.toString(MemoryUsage.of(db).estimatedHeapBytes());
      case "memtable-off-heap-bytes":
        return Long.toString(MemoryUsage.of(db).offHeapBytes());
      case "compaction-pending":
        return Boolean.toString(compactionPending(family));
      case "estimate-pending-compaction-bytes":
        return Long.toString(family.picker.estimatedPendingBytes(family.versions.eachLevelNow()));
      case "stall-condition":
        return db.stallCondition().name();
      case "memtable-shard-lock-waits":
        {
          // The active memtable's shards: the per-shard figures on demand.
          Memtable active = family.mems.active;
          return active instanceof ShardedMemtable sharded
              ? java.util.Arrays.toString(sharded.lockWaitsPerShard())
              : "[]";
        }
      case "total-sst-bytes":
        {
          long n = 0;
          for (Level l : family.versions.eachLevelNow()) {
            n += l.totalBytes();
          }
          return Long.toString(n);
        }
      case "bytes-written-user":
        return Long.toString(s.userBytesWritten.sum());
      case "bytes-written-wal":
        return Long.toString(s.walBytesWritten.sum());
      case "bytes-written-tables":
        return Long.toString(s.tableBytesWritten());
      case "write-amplification":
        return String.format(Locale.ROOT, "%.3f", s.writeAmplification());
      case "stall-count":
        return Long.toString(s.stalls.sum());
      case "slowdown-count":
        return Long.toString(s.slowdowns.sum());
      case "slowdown-micros":
        return Long.toString(s.slowdownNanos.sum() / 1000);
      case "stall-micros":
        return Long.toString(s.stallNanos.sum() / 1000);
      case "memtable-hit-ratio":
        long gets = s.gets.sum();
        return Double.toString(gets == 0 ? 0 : Math.min(1.0, (double) s.memtableHits.sum() / gets));
      case "compaction-micros":
        return Long.toString(s.compactionNanos.sum() / 1000);
      case "max-level0-files":
        return Long.toString(s.maxLevel0Files.get());
      case "last-sequence":
        return Long.toString(db.visibleSequence());
      case "num-snapshots":
        return Integer.toString(db.snapshotCount());
      case "stats":
        return stats();
      default:
        return null;
    }
  }

  /**
   * {@code getAggregatedLongProperty}: a per-family integer figure summed over the live families,
   * {@code strata.compaction-pending} as the number of families with a compaction pending, or a
   * database-wide integer figure as {@link #get} gives it.
   *
   * @throws IllegalArgumentException if {@code name} is not an integer property
   */
  long aggregatedLong(String name) {
    String p = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : "";
    boolean perFamily =
        PER_FAMILY_SUMS.contains(p)
            || p.startsWith("num-files-at-level")
            || p.startsWith("level-bytes")
            || p.equals("compaction-pending");
    if (!perFamily && !DATABASE_LONGS.contains(p) || get(name) == null) {
      throw new IllegalArgumentException(name + " is not an integer property");
    }
    if (!perFamily) {
      return Long.parseLong(get(name));
    }
    long n = 0;
    for (ColumnFamily f : db.familiesForProperties()) {
      if (p.equals("compaction-pending")) {
        n += compactionPending(f) ? 1 : 0;
      } else {
        n += Long.parseLong(new Properties(db, f).get(name));
      }
    }
    return n;
  }

  /**
   * Whether the picker would find a compaction to run now in {@code f}; reads the levels without
   * the version lock (see {@link DbImpl#levelsForProperties}).
   */
  private static boolean compactionPending(ColumnFamily f) {
    return f.picker.needsCompaction(f.versions.eachLevelNow());
  }

  /** The memory section of {@code strata.stats}: one line per consumer, then the total. */
  private static void memory(StringBuilder sb, MemoryUsage u, double hitRatio) {
    sb.append(
        String.format(
            Locale.ROOT,
            "memory (heap bytes): %d estimated%n"
                + "  memtables: %d active, %d in %d immutable, %d flushed but held by iterators%n"
                + "  block cache: %d of %d used, %d overhead; hit ratio %.4f%n"
                + "  table readers: %d in %d open (index, filter and properties blocks)%n"
                + "  table builders: %d (running flush and compaction)%n"
                + "memory (direct bytes): %d memtable values, %d of them pooled for the next"
                + " memtables%n",
            u.estimatedHeapBytes(),
            u.activeMemtable(),
            u.immutableMemtables(),
            u.immutableCount(),
            u.pinnedMemtables(),
            u.blockCacheUsed(),
            u.blockCacheCapacity(),
            u.blockCacheOverhead(),
            hitRatio,
            u.tableReaderBytes(),
            u.tableReaders(),
            u.tableBuilderBytes(),
            u.offHeapBytes(),
            u.pooledValueChunks()));
  }

  /**
   * What the database shares with others in the JVM: its block cache (the figures above are the
   * whole cache's) and its memtable budget (the process default or the application's).
   */
  private void sharing(StringBuilder sb) {
    if (db.optionsForProperties().blockCacheShared()) {
      sb.append("  block cache shared with other databases: the figures above are the whole cache's")
          .append(System.lineSeparator());
    }
    MemtableBudget budget = db.memtableBudget();
    if (budget != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              "  memtable budget: %d of %d held; databases sharing it: %d%n",
              budget.memtableBytes(),
              budget.budgetBytes(),
              budget.memberCount()));
    }
  }

  private static int parseLevel(String digits) {
    try {
      int n = Integer.parseInt(digits);
      return n >= 0 && n < VersionSet.NUM_LEVELS ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * With more than one family, the memory section's memtables and table readers of each: the
   * lines above sum them.
   */
  private void memoryPerFamily(StringBuilder sb) {
    List<ColumnFamily> families = db.familiesForProperties();
    if (families.size() < 2) {
      return;
    }
    for (ColumnFamily f : families) {
      MemtableSet m = f.mems;
      sb.append(
          String.format(
              Locale.ROOT,
              "  column family %s: memtables %d (%d immutable), %d held by iterators;"
                  + " table readers %d in %d open%n",
              f.name,
              m.approximateBytes(),
              m.immutables.size(),
              f.pinnedMemtableBytes.get(),
              f.tables.openReaderHeapBytes(),
              f.tables.openReaderCount()));
    }
  }

  private String stats() {
    StringBuilder sb = new StringBuilder();
    levels(sb);
    memory(sb, MemoryUsage.of(db), db.blockCache().hitRatio());
    sharing(sb);
    memoryPerFamily(sb);
    CompactionStats s = db.stats;
    sb.append(
        String.format(
            Locale.ROOT,
            "writes: %d ops, %d user bytes, %d WAL bytes, %d WAL syncs%n",
            s.userWrites.sum(),
            s.userBytesWritten.sum(),
            s.walBytesWritten.sum(),
            s.walSyncs.sum()));
    sb.append(
        String.format(
            Locale.ROOT,
            "flushes: %d (%d bytes); trivial moves: %d; read-triggered compactions: %d;"
                + " write amplification %.3f%n",
            s.flushes.sum(),
            s.flushBytesWritten.sum(),
            s.trivialMoves.sum(),
            s.readTriggeredCompactions.sum(),
            s.writeAmplification()));
    sb.append(
        String.format(
            Locale.ROOT,
            "stalls: %d stops, %d slowdowns, %d ms waiting; max level-0 files: %d%n",
            s.stalls.sum(),
            s.slowdowns.sum(),
            s.stallNanos.sum() / 1_000_000,
            s.maxLevel0Files.get()));
    int[] failing = db.failuresInARow();
    if (failing[0] + failing[1] > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              "retried after failing to write their output (writes go on): flushes %d in a row,"
                  + " compactions %d in a row%n",
              failing[0],
              failing[1]));
    }
    return sb.toString();
  }

  /**
   * The level table of {@code strata.stats} for this family: files, bytes, target and score per
   * level; the compaction columns count every family's compactions into that level.
   */
  void levels(StringBuilder sb) {
    Level[] levels = family.versions.eachLevelNow();
    CompactionPicker picker = family.picker;
    CompactionPicker.Targets targets = picker.targets(levels);
    double[] scores = picker.scores(levels);
    CompactionStats s = db.stats;
    sb.append(
        String.format(
            Locale.ROOT,
            "%-5s %6s %12s %12s %7s %12s %12s %6s%n",
            "Level",
            "Files",
            "Bytes",
            "Target",
            "Score",
            "CompRead",
            "CompWrite",
            "Comps"));
    for (int i = 0; i < levels.length; i++) {
      String target =
          i == 0 || i < targets.baseLevel() || i == levels.length - 1
              ? "-"
              : Long.toString(targets.bytes()[i]);
      sb.append(
          String.format(
              Locale.ROOT,
              "L%-4d %6d %12d %12s %7.2f %12d %12d %6d%n",
              i,
              levels[i].fileCount(),
              levels[i].totalBytes(),
              target,
              scores[i],
              s.compactionBytesRead[i].sum(),
              s.compactionBytesWritten[i].sum(),
              s.compactions[i].sum()));
    }
  }
}
