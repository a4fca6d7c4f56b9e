package dev.strata.testing;

import dev.strata.Options;
import dev.strata.StrataDB;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-process writer for crash tests: opens a database with tiny memtables (so flushes and
 * compactions run all the time), makes {@code SYNC} writes from several threads ({@link
 * KillTarget#write}: puts, merge operands and range deletions under the keys of its cycle), and
 * prints {@code ACK thread index} after each write returns. The parent kills it at a random moment
 * and checks that each thread's writes survived as a prefix holding every acknowledged one.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    int cycle = Integer.parseInt(args[2]);
    Options options =
        Options.builder()
            .memtableSizeBytes(32 * 1024)
            .targetFileSizeBytes(32 * 1024)
            .maxBytesForLevelBase(128 * 1024)
            .level0CompactionTrigger(2)
            .mergeOperator(KillTarget.MERGE_OPERATOR)
            .columnFamilyOptions(KillTarget.MIRROR, KillTarget.mirrorOptions())
            .build();
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    StrataDB db = StrataDB.open(dir, options);
    KillTarget.mirror(db);
    out.println("OPEN");
    out.flush();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w =
          new Thread(
              () -> {
                for (int i = 0; ; i++) {
                  KillTarget.write(db, cycle, id, i);
                  synchronized (out) {
                    out.println("ACK " + id + " " + i);
                    out.flush();
                  }
                }
              });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
  }
}
