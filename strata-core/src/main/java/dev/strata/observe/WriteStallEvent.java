package dev.strata.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR event {@code dev.strata.WriteStall}: a write group that stopped, or was delayed, until
 * background work made room. Its duration is the wait; the stack shows the writer.
 *
 * <p>Off unless a recording enables it, as the settings file {@code META-INF/jfr/strata.jfc}
 * in the jar does.
 */
@Enabled(false)
@Name("dev.strata.WriteStall")
@Label("Strata Write Stall")
@Category({"Strata", "Writes"})
@Description("A write group waited for a flush or compaction")
public final class WriteStallEvent extends Event {
  @Label("Database")
  public String db;

  @Label("Condition")
  @Description("DELAYED or STOPPED")
  public String condition;

  @Label("Cause")
  public String cause;
}
