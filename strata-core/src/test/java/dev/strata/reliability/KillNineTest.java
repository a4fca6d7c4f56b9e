package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.testing.KillTarget;
import dev.strata.testing.Seeds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real kill -9: a child JVM ({@link KillTarget}) opens, makes {@code SYNC} writes (puts, merge
 * operands and range deletions, see {@link KillTarget#write}) from 4 threads reporting each
 * acknowledgement through its stdout pipe, closes and reopens in a loop; the parent kills it ({@code destroyForcibly}) at a random moment: right after it announces an open or a
 * close, or after a random number of acknowledgements. Then it reopens the database and checks,
 * for every cycle so far, that per thread the recovered key range is exactly what a prefix of its
 * writes holding every acknowledged one leaves (nothing lost, partial, reordered or invented). CI:
 * 25 cycles; soak: 2,000 (or {@code -Dstrata.kill.cycles=N}).
 */
class KillNineTest {
  private static final int THREADS = 4;

  @TempDir Path dir;

  @Test
  void killedProcess_keepsEveryAcknowledgedWrite() throws Exception {
    long seed = Seeds.seed("KillNineTest");
    Random rnd = new Random(seed);
    int cycles =
        Integer.getInteger("strata.kill.cycles", Boolean.getBoolean("strata.soak") ? 2_000 : 25);
    List<int[]> acked = new ArrayList<>();
    List<int[]> survived = new ArrayList<>();
    int[] kinds = new int[3];
    long start = System.nanoTime();
    for (int cycle = 0; cycle < cycles; cycle++) {
      int[] ack = new int[THREADS];
      Arrays.fill(ack, -1);
      acked.add(ack);
      int kind = rnd.nextInt(3);
      kinds[kind]++;
      String trigger = kind == 0 ? "OPENING" : kind == 1 ? "CLOSING" : null;
      int triggerCount = 1 + rnd.nextInt(3);
      int killAfterAcks = 1 + rnd.nextInt(400);
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-XX:TieredStopAtLevel=1",
                  "-Xshare:auto",
                  "-cp",
                  System.getProperty("java.class.path"),
                  KillTarget.class.getName(),
                  dir.toString(),
                  Integer.toString(cycle),
                  Integer.toString(THREADS),
                  Integer.toString(20 + rnd.nextInt(100)))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      int acks = 0;
      int triggers = 0;
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            String[] parts = line.split(" ");
            int t = Integer.parseInt(parts[1]);
            ack[t] = Math.max(ack[t], Integer.parseInt(parts[2]));
            acks++;
            if (trigger == null && acks >= killAfterAcks) {
              break;
            }
          } else if (line.equals(trigger) && ++triggers >= triggerCount) {
            break;
          }
        }
      } finally {
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      verify(acked, survived, "seed " + seed + " cycle " + cycle + " kill at "
          + (trigger != null ? trigger + " #" + triggerCount : acks + " acks"));
    }
    System.out.printf("KillNineTest: %d cycles (kills at open %d, at close %d, mid-write %d), %.1f s%n",
        cycles, kinds[0], kinds[1], kinds[2], (System.nanoTime() - start) / 1e9);
  }

  /**
   * For each thread of each cycle, the writes that survived must be a prefix of at least its
   * acknowledged writes: the thread's key range (puts, the merge log, what range deletions left)
   * must equal {@link KillTarget#expected} for some n past the last acknowledged write. The n
   * found is kept, and older cycles must still read as it.
   */
  private void verify(List<int[]> acked, List<int[]> survived, String where) {
    try (StrataDB db =
        StrataDB.open(dir, KillTarget.readOptions())) {
      // Every write went to both families in one batch: the mirror holds exactly the same prefix.
      dev.strata.ColumnFamilyHandle mirror = db.columnFamily(KillTarget.MIRROR);
      for (int c = 0; c < acked.size(); c++) {
        boolean last = c == acked.size() - 1;
        if (last) {
          survived.add(new int[THREADS]);
        }
        for (int t = 0; t < THREADS; t++) {
          TreeMap<String, String> actual = KillTarget.contents(db, c, t);
          if (mirror != null) {
            assertThat(KillTarget.contents(db, mirror, c, t))
                .as("%s: cycle %d thread %d: the mirror family holds what the default does",
                    where, c, t)
                .isEqualTo(actual);
          }
          if (!last) {
            assertThat(actual)
                .as("%s: cycle %d thread %d still as recovered", where, c, t)
                .isEqualTo(KillTarget.expected(c, t, survived.get(c)[t]));
            continue;
          }
          int n = KillTarget.survivingPrefix(actual, c, t, acked.get(c)[t]);
          assertThat(n)
              .as("%s: cycle %d thread %d: no prefix from write %d on gives %s",
                  where, c, t, acked.get(c)[t] + 1, actual)
              .isNotNegative();
          survived.get(c)[t] = n;
        }
      }
    }
  }
}
