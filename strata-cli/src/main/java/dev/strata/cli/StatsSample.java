package dev.strata.cli;

import java.util.Map;

/**
 * One reading of a database's figures for {@code strata stats --watch}: its tickers (by {@link
 * dev.strata.Ticker#statName()}), pending compaction bytes, stall condition, and when it was
 * taken. Immutable.
 *
 * @param nanos when it was taken, {@link System#nanoTime()}
 * @param tickers tickers by name; absent ones count as unknown
 * @param pendingCompactionBytes the estimate, or -1 if unknown
 * @param stallCondition {@code NORMAL}, {@code DELAYED}, {@code STOPPED}, or {@code ?}
 */
record StatsSample(
    long nanos, Map<String, Long> tickers, long pendingCompactionBytes, String stallCondition) {}
