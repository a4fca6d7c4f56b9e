package dev.strata.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event {@code dev.strata.Compaction}: one compaction (or trivial move). *
 * <p>Off unless a recording enables it, as the settings file {@code META-INF/jfr/strata.jfc}
 * in the jar does.
 */
@Enabled(false)
@Name("dev.strata.Compaction")
@Label("Strata Compaction")
@Category({"Strata", "Background"})
@Description("A compaction of one level into the next")
@StackTrace(false)
public final class CompactionEvent extends Event {
  @Label("Database")
  public String db;

  @Label("Level")
  public int level;

  @Label("Output Level")
  public int outputLevel;

  @Label("Reason")
  public String reason;

  @Label("Trivial Move")
  public boolean trivialMove;

  @Label("Input Files")
  public int inputFiles;

  @Label("Output Files")
  public int outputFiles;

  @Label("Bytes Read")
  @DataAmount
  public long bytesRead;

  @Label("Bytes Written")
  @DataAmount
  public long bytesWritten;
}
