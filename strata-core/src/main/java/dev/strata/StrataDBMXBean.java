package dev.strata;

import java.util.Map;

/**
 * The JMX view of an open database, registered as {@code dev.strata:type=StrataDB,name=<name>}
 * with the platform MBean server at open and unregistered at close ({@link Options#jmx()}, {@link
 * Options#name()}). Attributes are read live, without a lock; operations run in the caller's
 * (the JMX connector's) thread. The level, table, memtable and compaction figures are the whole
 * database's: summed over its column families ({@link StrataDB#getAggregatedLongProperty}).
 */
public interface StrataDBMXBean {
  /** The database's name, as in its JMX object name (without a {@code -2} suffix). */
  String getName();

  /** The database directory. */
  String getDirectory();

  /** Table files per level, level 0 first, of every column family. */
  int[] getLevelFileCounts();

  /** Table bytes per level, level 0 first, of every column family. */
  long[] getLevelBytes();

  /** Table bytes of every level and column family. */
  long getTotalTableBytes();

  /** Heap bytes of the memtables not yet flushed, of every column family. */
  long getMemtableBytes();

  /** Bytes the block cache holds (of every database sharing it). */
  long getBlockCacheUsage();

  /** The block cache's capacity in bytes. */
  long getBlockCacheCapacity();

  /** Data-block cache hits over lookups of this database, 0 before any. */
  double getBlockCacheHitRatio();

  /**
   * Estimated bytes compactions must rewrite to bring every level of every column family under its
   * target.
   */
  long getPendingCompactionBytes();

  /** Whether a compaction would run now in some column family. */
  boolean isCompactionPending();

  /** {@code NORMAL}, {@code DELAYED} or {@code STOPPED}. */
  String getStallCondition();

  /** Keys put or deleted since open. */
  long getKeysWritten();

  /** Point lookups since open. */
  long getKeysRead();

  /** User bytes written since open. */
  long getBytesWritten();

  /** Value bytes returned by gets since open. */
  long getBytesRead();

  /** Write groups that stopped since open. */
  long getStallCount();

  /** Microseconds writes spent stopped or delayed since open. */
  long getStallMicros();

  /** Flushes since open. */
  long getFlushCount();

  /** Compactions that rewrote data since open. */
  long getCompactionCount();

  /** (WAL + table bytes written) / user bytes written since open. */
  double getWriteAmplification();

  /** Every ticker of {@link Statistics}, by {@link Ticker#statName()}. */
  Map<String, Long> getTickers();

  /**
   * Every histogram's figures, flattened: for each histogram name (such as {@code
   * strata.get.nanos}) the keys {@code NAME.count}, {@code .mean}, {@code .p50}, {@code .p95},
   * {@code .p99}, {@code .p999} and {@code .max}, in the histogram's unit. Empty when {@code
   * statisticsLevel} turns histograms off.
   */
  Map<String, Double> getHistograms();

  /**
   * The {@code strata.stats} text: the default family's levels, the whole database's memory (with
   * each family's memtables and table readers when there are several), writes and stalls.
   */
  String getStatsText();

  /** Flushes every memtable ({@link StrataDB#flush()}). */
  void flush();

  /** Compacts everything to the bottom level ({@link StrataDB#compactRange} of null, null). */
  void compactRange();

  /** A property of the default family ({@link StrataDB#getProperty}), or null if unknown. */
  String getProperty(String name);
}
