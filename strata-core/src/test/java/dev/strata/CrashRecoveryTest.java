package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.CrashWriter;
import dev.strata.testing.Seeds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM ({@code destroyForcibly}) at random moments while four threads make {@code
 * SYNC} writes with flushes and compactions running, then reopens: every acknowledged write must
 * be there, and per thread the surviving writes must be a prefix (no holes, nothing invented).
 */
class CrashRecoveryTest {
  private static final int THREADS = 4;
  private static final int CYCLES = 6;

  @TempDir Path dir;

  @Test
  void killedWriter_keepsEveryAcknowledgedSyncWrite() throws Exception {
    long seed = Seeds.seed("CrashRecoveryTest");
    Random rnd = new Random(seed);
    int[] acked = new int[THREADS];
    java.util.Arrays.fill(acked, -1);
    for (int cycle = 0; cycle < CYCLES; cycle++) {
      int killAfter = 50 + rnd.nextInt(1500);
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  CrashWriter.class.getName(),
                  dir.toString(),
                  Integer.toString(THREADS))
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
      verify(acked, "cycle " + cycle + " seed " + seed);
    }
  }

  /** Checks every acknowledged write and the prefix property; resets counters to what survived. */
  private void verify(int[] acked, String where) {
    try (StrataDB db = StrataDB.open(dir)) {
      for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i <= acked[t]; i++) {
          assertThat(db.get(CrashWriter.key(t, i)))
              .as("%s thread %d write %d acknowledged", where, t, i)
              .isEqualTo(CrashWriter.value(t, i));
        }
        // The next writer restarts at index 0 and rewrites the same values; a surviving
        // unacknowledged write past acked[t] must still be a contiguous prefix.
        int i = acked[t] + 1;
        while (db.get(CrashWriter.key(t, i)) != null) {
          assertThat(db.get(CrashWriter.key(t, i))).isEqualTo(CrashWriter.value(t, i));
          i++;
        }
        for (int j = i + 1; j < i + 50; j++) {
          assertThat(db.get(CrashWriter.key(t, j))).as("%s hole before %d/%d", where, t, j).isNull();
        }
      }
    }
  }
}
