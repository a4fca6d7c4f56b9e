package dev.strata.testing;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-process writer for crash tests: opens a database with tiny memtables (so flushes and
 * compactions run all the time), writes {@code SYNC} puts from several threads, and prints {@code
 * ACK thread index} after each put returns. The parent kills it at a random moment and checks that
 * every acknowledged write survived.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    Options options =
        Options.builder()
            .memtableSizeBytes(32 * 1024)
            .targetFileSizeBytes(32 * 1024)
            .maxBytesForLevelBase(128 * 1024)
            .level0CompactionTrigger(2)
            .build();
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    StrataDB db = StrataDB.open(dir, options);
    out.println("OPEN");
    out.flush();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w =
          new Thread(
              () -> {
                for (int i = 0; ; i++) {
                  db.put(key(id, i), value(id, i), WriteOptions.SYNC);
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

  public static byte[] key(int thread, int i) {
    return String.format("t%d-%08d", thread, i).getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] value(int thread, int i) {
    return ("value-" + thread + "-" + i + "-" + "x".repeat(i % 97)).getBytes(StandardCharsets.UTF_8);
  }
}
