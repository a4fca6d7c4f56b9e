package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defect 2: what {@code load} reports as committed survives a power loss. The command runs in this
 * JVM with its database on the fault-injecting file system of strata-core's test-jar, which then
 * drops every byte that was not forced. In-process because a power loss cannot be staged for a
 * child process; the hook is {@link DbOpener#useFileSystemForTesting}.
 */
class LoadDurabilityTest {
  private static final Path DB = Path.of("/db");

  @TempDir Path tmp;

  @AfterEach
  void restoreFileSystem() {
    DbOpener.useFileSystemForTesting(null);
  }

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = StrataCli.run(args, new PrintWriter(out), new PrintWriter(err));
    return code + " " + out + err;
  }

  private static long rowsAfterPowerLoss(FaultInjectionFileSystem fs) {
    FaultInjectionFileSystem after = fs.crash(CrashMode.DROP_UNSYNCED, new Random(1));
    long n = 0;
    try (StrataDB d = StrataDB.open(DB, Options.builder().fileSystem(after).build());
        DBIterator it = d.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
      }
    }
    return n;
  }

  private Path input(int rows, String badLine, int badAt) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i <= rows; i++) {
      sb.append(i == badAt ? badLine : String.format("k%05d\tv%d", i, i)).append('\n');
    }
    Path p = tmp.resolve("in.txt");
    Files.writeString(p, sb);
    return p;
  }

  /**
   * 2000 rows in batches of 1000. Before the fix: "loaded 2000 entries", and after the power loss
   * 0 rows: both full batches were written without sync and the final sync write had an empty
   * batch, which returns before the WAL.
   */
  @Test
  void rowCountAMultipleOfTheBatchSize_survivesAPowerLoss() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(17);
    DbOpener.useFileSystemForTesting(fs);
    Path in = input(2000, null, -1);
    assertThat(run("load", "--db", DB.toString(), "--create", "--batch-size", "1000", in.toString()))
        .isEqualTo("0 loaded 2000 rows from " + in + "; all committed and durable\n");
    assertThat(rowsAfterPowerLoss(fs)).isEqualTo(2000);
  }

  /**
   * Every row a failed load reports committed survives a power loss too. Before the fix the
   * error said only "no tab or comma separator" at line 1501, and after the power loss 0 rows.
   */
  @Test
  void malformedLine_rowsBeforeItSurviveAPowerLoss() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(18);
    DbOpener.useFileSystemForTesting(fs);
    Path in = input(2000, "no tab on this line", 1501);
    assertThat(run("load", "--db", DB.toString(), "--create", "--batch-size", "1000", in.toString()))
        .isEqualTo("1 strata: " + in + ":1501: expected KEY<TAB>VALUE with exactly one tab, found"
            + " 0 (is this the dump format? see --format); the 1500 rows before line 1501 are"
            + " committed and durable, nothing from it on was loaded\n");
    assertThat(rowsAfterPowerLoss(fs)).isEqualTo(1500);
  }
}
