package dev.strata.testing;

import dev.strata.DBIterator;
import dev.strata.MergeOperator;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child process for kill -9 tests: {@code KillTarget dir cycle threads writesPerOpen}. Repeatedly
 * prints {@code OPENING}, opens the database (tiny memtables: flushes and compactions run all the
 * time), prints {@code OPEN}, lets {@code threads} threads make {@code SYNC} writes ({@link
 * #write}: puts, merge operands and range deletions) and print {@code ACK thread index} after each
 * returns, then prints {@code CLOSING}, closes and starts over, so that a kill can land during
 * open, writes, background work or close.
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
            .mergeOperator(MERGE_OPERATOR)
            .columnFamilyOptions(MIRROR, mirrorOptions())
            .build();
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    AtomicInteger[] next = new AtomicInteger[threads];
    for (int t = 0; t < threads; t++) {
      next[t] = new AtomicInteger();
    }
    while (true) {
      say(out, "OPENING");
      StrataDB db = StrataDB.open(dir, options);
      mirror(db);
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
                      write(db, cycle, id, i);
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

  /** The merge operator the database is opened with. */
  public static final MergeOperator MERGE_OPERATOR = MergeOperators.stringAppend((byte) ',');

  /**
   * The column family every write also goes to, in the same batch: with a smaller memtable than
   * the default family's, it flushes at other moments, and after a crash it must hold exactly the
   * same prefix of writes as the default family.
   */
  public static final String MIRROR = "mirror";

  /** The mirror family's settings: a memtable half the default's, the same merge operator. */
  public static dev.strata.ColumnFamilyOptions mirrorOptions() {
    return dev.strata.ColumnFamilyOptions.builder()
        .memtableSizeBytes(8 * 1024)
        .targetFileSizeBytes(8 * 1024)
        .maxBytesForLevelBase(32 * 1024)
        .level0CompactionTrigger(2)
        .mergeOperator(MERGE_OPERATOR)
        .build();
  }

  /** The options the database is opened with to read it after a crash. */
  public static Options readOptions() {
    return Options.builder()
        .mergeOperator(MERGE_OPERATOR)
        .columnFamilyOptions(MIRROR, mirrorOptions())
        .build();
  }

  /** The mirror family, created if this database has none yet (durable when it returns). */
  public static dev.strata.ColumnFamilyHandle mirror(StrataDB db) {
    dev.strata.ColumnFamilyHandle h = db.columnFamily(MIRROR);
    return h != null ? h : db.createColumnFamily(MIRROR, mirrorOptions());
  }

  /**
   * Write {@code i} of a thread, a {@code SYNC} write whose kind cycles with {@code i % 6}: 0, 2
   * and 4 put {@link #key}; 1 and 3 append {@code i} to the thread's {@link #logKey} as a merge
   * operand; 5 deletes the range from {@code key(i - 5)} to {@code key(i - 3)}, which holds the
   * put of {@code i - 5} (i - 4 wrote no key). So range tombstones and merge operands are in the
   * WAL and, after the many flushes, in tables when the kill lands.
   */
  public static void write(StrataDB db, int cycle, int thread, int i) {
    dev.strata.WriteBatch batch = new dev.strata.WriteBatch();
    dev.strata.ColumnFamilyHandle mirror = db.columnFamily(MIRROR);
    for (dev.strata.ColumnFamilyHandle f :
        mirror == null ? List.of(db.defaultColumnFamily()) : List.of(db.defaultColumnFamily(), mirror)) {
      switch (i % 6) {
        case 1, 3 -> batch.merge(f, logKey(cycle, thread), operand(i));
        case 5 -> batch.deleteRange(f, key(cycle, thread, i - 5), key(cycle, thread, i - 3));
        default -> batch.put(f, key(cycle, thread, i), value(cycle, thread, i));
      }
    }
    db.write(batch, WriteOptions.SYNC);
  }

  /** What the first {@code n} writes of a thread leave in its key range (see {@link #range}). */
  public static TreeMap<String, String> expected(int cycle, int thread, int n) {
    TreeMap<String, String> out = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      apply(out, cycle, thread, i);
    }
    return out;
  }

  /** Applies write {@code i} of a thread to a model of its key range. */
  public static void apply(TreeMap<String, String> model, int cycle, int thread, int i) {
    switch (i % 6) {
      case 1, 3 -> model.merge(str(logKey(cycle, thread)), str(operand(i)), (a, b) -> a + "," + b);
      case 5 ->
          model.subMap(str(key(cycle, thread, i - 5)), str(key(cycle, thread, i - 3))).clear();
      default -> model.put(str(key(cycle, thread, i)), str(value(cycle, thread, i)));
    }
  }

  /** A thread's key range as the database holds it now (see {@link #range}). */
  public static TreeMap<String, String> contents(StrataDB db, int cycle, int thread) {
    return contents(db, null, cycle, thread);
  }

  /** A thread's key range as column family {@code family} (null: the default) holds it now. */
  public static TreeMap<String, String> contents(
      StrataDB db, dev.strata.ColumnFamilyHandle family, int cycle, int thread) {
    byte[][] range = range(cycle, thread);
    TreeMap<String, String> out = new TreeMap<>();
    ReadOptions ro = ReadOptions.builder().lowerBound(range[0]).upperBound(range[1]).build();
    try (DBIterator it = db.newIterator(family, ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(str(it.key()), str(it.value()));
      }
    }
    return out;
  }

  /**
   * The number n of a thread's writes that survived a crash: the least n past {@code
   * lastAcknowledged} such that {@code actual} equals {@link #expected}(n) (writes whose
   * acknowledgement the parent never read may have survived too, in order), or -1 if none up to
   * 5,000 writes past it does: a write lost, reordered, partial or invented.
   */
  public static int survivingPrefix(
      TreeMap<String, String> actual, int cycle, int thread, int lastAcknowledged) {
    int n = lastAcknowledged + 1;
    TreeMap<String, String> model = expected(cycle, thread, n);
    while (!model.equals(actual)) {
      if (n >= lastAcknowledged + 1 + 5_000) {
        return -1;
      }
      apply(model, cycle, thread, n++);
    }
    return n;
  }

  /** The bounds [lower, upper) of a thread's keys in a cycle, its log key included. */
  public static byte[][] range(int cycle, int thread) {
    String prefix = String.format("c%03d-t%d", cycle, thread);
    return new byte[][] {
      (prefix + "-").getBytes(StandardCharsets.UTF_8),
      (prefix + ".").getBytes(StandardCharsets.UTF_8)
    };
  }

  /** The key a thread's merge operands go to: after its put keys, inside {@link #range}. */
  public static byte[] logKey(int cycle, int thread) {
    return String.format("c%03d-t%d-log", cycle, thread).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] operand(int i) {
    return Integer.toString(i).getBytes(StandardCharsets.UTF_8);
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  public static byte[] key(int cycle, int thread, int i) {
    return String.format("c%03d-t%d-%07d", cycle, thread, i).getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] value(int cycle, int thread, int i) {
    return ("value-" + cycle + "-" + thread + "-" + i + "-" + "y".repeat(i % 211))
        .getBytes(StandardCharsets.UTF_8);
  }
}
