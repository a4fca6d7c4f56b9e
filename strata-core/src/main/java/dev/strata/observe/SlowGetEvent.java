package dev.strata.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JFR event {@code dev.strata.SlowGet}: a {@code get} that took at least the database's {@code
 * Options.slowGetThreshold}. Raised after the fact with the measured time (the event's own
 * duration is zero); the stack shows the caller.
 *
 * <p>Off unless a recording enables it, as the settings file {@code META-INF/jfr/strata.jfc}
 * in the jar does.
 */
@Enabled(false)
@Name("dev.strata.SlowGet")
@Label("Strata Slow Get")
@Category({"Strata", "Reads"})
@Description("A point lookup slower than the database's slow-get threshold")
public final class SlowGetEvent extends Event {
  @Label("Database")
  public String db;

  @Label("Get Time")
  @Timespan(Timespan.NANOSECONDS)
  public long nanos;

  @Label("Key Size")
  @DataAmount
  public int keyBytes;

  @Label("Found")
  public boolean found;

  /**
   * Whether a JFR recording now enables this event, so that every get must be timed: false, at
   * the cost of a static check, while no recording does (the compiler removes the event made to
   * ask; {@code Event.isEnabled} is false until JFR instruments the class).
   */
  public static boolean watched() {
    return new SlowGetEvent().isEnabled();
  }
}
