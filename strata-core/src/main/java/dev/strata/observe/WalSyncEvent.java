package dev.strata.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event {@code dev.strata.WalSync}: a force of the write-ahead log for sync writes. *
 * <p>Off unless a recording enables it, as the settings file {@code META-INF/jfr/strata.jfc}
 * in the jar does.
 */
@Enabled(false)
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
