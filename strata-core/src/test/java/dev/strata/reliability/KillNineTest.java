package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real kill -9: a child JVM ({@link KillTarget}) opens, writes {@code SYNC} puts from 4 threads
 * reporting each acknowledgement through its stdout pipe, closes and reopens in a loop; the parent
 * kills it ({@code destroyForcibly}) at a random moment: right after it announces an open or a
 * close, or after a random number of acknowledgements. Then it reopens the database and checks,
 * for every cycle so far, that every acknowledged write is there with its exact value, and that
 * per thread the surviving writes are a contiguous prefix (nothing partial or invented). CI: 40
 * cycles; soak: 2,000 (or {@code -Dstrata.kill.cycles=N}).
 */
class KillNineTest {
  private static final int THREADS = 4;

  @TempDir Path dir;

  @Test
  void killedProcess_keepsEveryAcknowledgedWrite() throws Exception {
    long seed = Seeds.seed("KillNineTest");
    Random rnd = new Random(seed);
    int cycles =
        Integer.getInteger("strata.kill.cycles", Boolean.getBoolean("strata.soak") ? 2_000 : 40);
    List<int[]> acked = new ArrayList<>();
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
      verify(acked, "seed " + seed + " cycle " + cycle + " kill at "
          + (trigger != null ? trigger + " #" + triggerCount : acks + " acks"));
    }
    System.out.printf("KillNineTest: %d cycles (kills at open %d, at close %d, mid-write %d), %.1f s%n",
        cycles, kinds[0], kinds[1], kinds[2], (System.nanoTime() - start) / 1e9);
  }

  private void verify(List<int[]> acked, String where) {
    try (StrataDB db = StrataDB.open(dir)) {
      for (int c = 0; c < acked.size(); c++) {
        // Older cycles: a sample suffices, they were checked in full before.
        boolean full = c == acked.size() - 1;
        for (int t = 0; t < THREADS; t++) {
          int last = acked.get(c)[t];
          for (int i = 0; i <= last; i++) {
            if (full || i % 17 == 0 || i == last) {
              assertThat(db.get(KillTarget.key(c, t, i)))
                  .as("%s: cycle %d thread %d write %d acknowledged", where, c, t, i)
                  .isEqualTo(KillTarget.value(c, t, i));
            }
          }
          if (full) {
            int i = last + 1;
            byte[] v;
            while ((v = db.get(KillTarget.key(c, t, i))) != null) {
              assertThat(v).as("%s: unacknowledged write %d intact", where, i)
                  .isEqualTo(KillTarget.value(c, t, i));
              i++;
            }
            for (int j = i + 1; j < i + 50; j++) {
              assertThat(db.get(KillTarget.key(c, t, j)))
                  .as("%s: thread %d write %d survived after a hole at %d", where, t, j, i)
                  .isNull();
            }
          }
        }
      }
    }
  }
}
