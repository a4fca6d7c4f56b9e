package dev.strata.testing;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child process for kill -9 tests: {@code KillTarget dir cycle threads writesPerOpen}. Repeatedly
 * prints {@code OPENING}, opens the database (tiny memtables: flushes and compactions run all the
 * time), prints {@code OPEN}, lets {@code threads} threads make {@code SYNC} puts of keys {@link
 * #key} and print {@code ACK thread index} after each returns, then prints {@code CLOSING}, closes
 * and starts over, so that a kill can land during open, writes, background work or close.
 */
public final class KillTarget {
  private KillTarget() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int cycle = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int perOpen = Integer.parseInt(args[3]);
    Options options =
        Options.builder()
            .memtableSizeBytes(16 * 1024)
            .targetFileSizeBytes(16 * 1024)
            .maxBytesForLevelBase(64 * 1024)
            .level0CompactionTrigger(2)
            .build();
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    AtomicInteger[] next = new AtomicInteger[threads];
    for (int t = 0; t < threads; t++) {
      next[t] = new AtomicInteger();
    }
    while (true) {
      say(out, "OPENING");
      StrataDB db = StrataDB.open(dir, options);
      say(out, "OPEN");
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        Thread w =
            new Thread(
                () -> {
                  for (int n = 0; n < perOpen; n++) {
                    int i = next[id].get();
                    try {
                      db.put(key(cycle, id, i), value(cycle, id, i), WriteOptions.SYNC);
                    } catch (StrataException e) {
                      return;
                    }
                    next[id].incrementAndGet();
                    say(out, "ACK " + id + " " + i);
                  }
                });
        w.start();
        workers.add(w);
      }
      for (Thread w : workers) {
        w.join();
      }
      say(out, "CLOSING");
      db.close();
    }
  }

  private static void say(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  public static byte[] key(int cycle, int thread, int i) {
    return String.format("c%03d-t%d-%07d", cycle, thread, i).getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] value(int cycle, int thread, int i) {
    return ("value-" + cycle + "-" + thread + "-" + i + "-" + "y".repeat(i % 211))
        .getBytes(StandardCharsets.UTF_8);
  }
}
