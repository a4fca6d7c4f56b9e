package dev.strata.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event {@code dev.strata.Flush}: one memtable flushed into a level-0 table. *
 * <p>Off unless a recording enables it, as the settings file {@code META-INF/jfr/strata.jfc}
 * in the jar does.
 */
@Enabled(false)
@Name("dev.strata.Flush")
@Label("Strata Flush")
@Category({"Strata", "Background"})
@Description("A memtable flushed into a level-0 table")
@StackTrace(false)
public final class FlushEvent extends Event {
  @Label("Database")
  public String db;

  @Label("WAL Number")
  public long walNumber;

  @Label("Entries")
  public long entries;

  @Label("Table File Number")
  public long fileNumber;

  @Label("Bytes Written")
  @DataAmount
  public long bytesWritten;
}
