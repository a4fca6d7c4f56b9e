package dev.strata.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event {@code dev.strata.WalSync}: a force of the write-ahead log for sync writes. */
@Name("dev.strata.WalSync")
@Label("Strata WAL Sync")
@Category({"Strata", "Writes"})
@Description("The commit leader forced the write-ahead log for a group with sync writes")
@StackTrace(false)
public final class WalSyncEvent extends Event {
  @Label("Database")
  public String db;

  @Label("Writers")
  @Description("Writers of the group the force made durable")
  public int writers;
}
