package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.CrashWriter;
import dev.strata.testing.KillTarget;
import dev.strata.testing.Seeds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM ({@code destroyForcibly}) at random moments while four threads make {@code
 * SYNC} writes (puts, merge operands and range deletions: {@link KillTarget#write}) with flushes
 * and compactions running, then reopens: per thread and cycle, the recovered key range must be
 * exactly what a prefix of its writes holding every acknowledged one leaves (no holes, nothing
 * invented), and earlier cycles must still read as they were recovered.
 */
class CrashRecoveryTest {
  private static final int THREADS = 4;
  private static final int CYCLES = 6;

  @TempDir Path dir;

  @Test
  void killedWriter_keepsEveryAcknowledgedSyncWrite() throws Exception {
    long seed = Seeds.seed("CrashRecoveryTest");
    Random rnd = new Random(seed);
    List<int[]> survived = new ArrayList<>();
    for (int cycle = 0; cycle < CYCLES; cycle++) {
      int[] acked = new int[THREADS];
      java.util.Arrays.fill(acked, -1);
      int killAfter = 50 + rnd.nextInt(1500);
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  CrashWriter.class.getName(),
                  dir.toString(),
                  Integer.toString(THREADS),
                  Integer.toString(cycle))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      int seen = 0;
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            String[] parts = line.split(" ");
            int t = Integer.parseInt(parts[1]);
            acked[t] = Math.max(acked[t], Integer.parseInt(parts[2]));
            if (++seen >= killAfter) {
              p.destroyForcibly();
              break;
            }
          }
        }
      } finally {
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      verify(cycle, acked, survived, "cycle " + cycle + " seed " + seed);
    }
  }

  /**
   * Checks the prefix property of {@code cycle}'s threads and records how many writes of each
   * survived; earlier cycles must read as they were recovered.
   */
  private void verify(int cycle, int[] acked, List<int[]> survived, String where) {
    try (StrataDB db =
        StrataDB.open(dir, KillTarget.readOptions())) {
      for (int c = 0; c < cycle; c++) {
        for (int t = 0; t < THREADS; t++) {
          assertThat(KillTarget.contents(db, c, t))
              .as("%s: cycle %d thread %d still as recovered", where, c, t)
              .isEqualTo(KillTarget.expected(c, t, survived.get(c)[t]));
        }
      }
      int[] n = new int[THREADS];
      for (int t = 0; t < THREADS; t++) {
        TreeMap<String, String> actual = KillTarget.contents(db, cycle, t);
        dev.strata.ColumnFamilyHandle mirror = db.columnFamily(KillTarget.MIRROR);
        if (mirror != null) {
          // Each write went to both families in one batch.
          assertThat(KillTarget.contents(db, mirror, cycle, t))
              .as("%s thread %d: the mirror family holds what the default does", where, t)
              .isEqualTo(actual);
        }
        n[t] = KillTarget.survivingPrefix(actual, cycle, t, acked[t]);
        assertThat(n[t])
            .as("%s thread %d: no prefix from write %d on gives %s", where, t, acked[t] + 1, actual)
            .isNotNegative();
      }
      survived.add(n);
    }
  }
}
