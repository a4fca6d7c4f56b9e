package dev.strata;

import java.util.List;

/**
 * What {@link StrataDB#repair} or {@link StrataDB#salvage} read, lost and wrote. Immutable.
 *
 * @param tablesRead tables every block of which was read
 * @param tablesPartial tables with blocks that could not be read (see {@code lostRanges})
 * @param tablesUnreadable tables whose footer, index, filter or properties could not be read;
 *     none of their entries survived
 * @param logsRead write-ahead logs read to their end
 * @param logsTruncated write-ahead logs read up to a bad record, each "file at offset: reason"
 * @param lostRanges key ranges lost with unreadable blocks, each "file at offset: keys after A up
 *     to and including B", keys in hex
 * @param entriesWritten entries in the new tables (the newest version of each live key)
 * @param tablesWritten new table files written
 * @param movedToLost files moved to the database's {@code lost/} folder (in-place repair only)
 */
public record RepairReport(
    List<String> tablesRead,
    List<String> tablesPartial,
    List<String> tablesUnreadable,
    List<String> logsRead,
    List<String> logsTruncated,
    List<String> lostRanges,
    long entriesWritten,
    int tablesWritten,
    List<String> movedToLost) {
  public RepairReport {
    tablesRead = List.copyOf(tablesRead);
    tablesPartial = List.copyOf(tablesPartial);
    tablesUnreadable = List.copyOf(tablesUnreadable);
    logsRead = List.copyOf(logsRead);
    logsTruncated = List.copyOf(logsTruncated);
    lostRanges = List.copyOf(lostRanges);
    movedToLost = List.copyOf(movedToLost);
  }

  /** Whether everything on disk was read: no table, block or log record was lost. */
  public boolean lostNothing() {
    return tablesPartial.isEmpty()
        && tablesUnreadable.isEmpty()
        && logsTruncated.isEmpty()
        && lostRanges.isEmpty();
  }
}
