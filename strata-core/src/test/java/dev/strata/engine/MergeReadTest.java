package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.DBIterator;
import dev.strata.MergeOperator;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.SstFileWriter;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.Ticker;
import dev.strata.testing.ManualExecutor;
import dev.strata.version.VersionSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point reads of keys with merge operands on layouts built step by step: a key's operands spread
 * over the active and an immutable memtable, level 0, ingested tables in the levels between and a
 * value at the bottom, read by get and multiGet and checked against the iterator; a range deletion
 * between operands; snapshots that read older operand sets; an operator that throws. The operator is string
 * append, whose result shows the order of the operands, so an operand read out of order, twice or
 * not at all shows in the value.
 *
 * <p>Flushes go through a {@link ManualExecutor}: a memtable filled until it switches stays
 * immutable until the test runs the pending flush, and no compaction runs but those the test asks
 * for.
 */
@Timeout(60)
class MergeReadTest {
  @TempDir Path dir;
  @TempDir Path outside;

  private static final byte[] KEY = b("key");
  private static final MergeOperator APPEND = MergeOperators.stringAppend((byte) ',');

  private final ManualExecutor background = new ManualExecutor();
  private int filler;
  private int files;

  private Options options(MergeOperator op) {
    return Options.builder()
        .mergeOperator(op)
        .backgroundExecutor(background).flushOnClose(false)
        .backgroundCompaction(false)
        .memtableSizeBytes(16 * 1024)
        .maxImmutableMemtables(4)
        .level0CompactionTrigger(64)
        .level0SlowdownTrigger(64)
        .level0StopTrigger(64)
        .build();
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] v) {
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  /**
   * Writes filler keys ("z...", after every key the tests read) until the active memtable
   * switches; the old one is immutable, its flush queued.
   */
  private void switchMemtable(StrataDB db) {
    int before = immutables(db);
    while (immutables(db) == before) {
      db.put(b("z" + filler++), new byte[512]);
    }
  }

  private static int immutables(StrataDB db) {
    return Integer.parseInt(db.getProperty("strata.num-immutable-memtables"));
  }

  /** Switches the memtable and runs its flush: a new level-0 table. */
  private void flush(StrataDB db) {
    switchMemtable(db);
    background.runPending();
    assertThat(immutables(db)).isZero();
  }

  private static int filesAt(StrataDB db, int level) {
    return Integer.parseInt(db.getProperty("strata.num-files-at-level" + level));
  }

  /** Ingests one external table holding a merge operand of {@code key}. */
  private void ingestOperand(StrataDB db, Options o, byte[] key, String operand) {
    Path p = outside.resolve("ingest-" + files++ + ".sst");
    try (SstFileWriter w = new SstFileWriter(o)) {
      w.open(p);
      w.merge(key, b(operand));
      w.finish();
    }
    db.ingestExternalFiles(List.of(p));
  }

  /** Files per level, "L0 L1 ... L6", for layout assertions. */
  private static String levels(StrataDB db) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
      out.append(i == 0 ? "" : " ").append(filesAt(db, i));
    }
    return out.toString();
  }

  /** Moves everything in levels 0 to 5 down to level 6. */
  private static void pushToBottom(DbImpl db) {
    for (int level = 0; level < VersionSet.NUM_LEVELS - 1; level++) {
      db.compactLevelForTesting(level, null, null);
    }
  }

  /**
   * Lays out {@code KEY} as: a value at level 6, an ingested operand at level 5 and another at
   * level 4 (each ingestion lands one level above the first level it overlaps), two operands in
   * level-0 tables of their own, one in an immutable memtable and one in the active memtable.
   *
   * @return the expected value, the parts in write order
   */
  private String spreadOperands(DbImpl db, Options o) {
    db.put(KEY, b("base"));
    flush(db);
    pushToBottom(db);
    ingestOperand(db, o, KEY, "i1");
    ingestOperand(db, o, KEY, "i2");
    db.merge(KEY, b("m3"));
    flush(db);
    db.merge(KEY, b("m4"));
    flush(db);
    db.merge(KEY, b("m5"));
    switchMemtable(db);
    db.merge(KEY, b("m6"));
    assertThat(levels(db)).as("files per level").isEqualTo("2 0 0 0 1 1 1");
    assertThat(immutables(db)).isEqualTo(1);
    return "base,i1,i2,m3,m4,m5,m6";
  }

  /** get, multiGet (with keys around it) and a forward and backward scan all read {@code want}. */
  private static void assertReads(StrataDB db, byte[] key, String want, ReadOptions ro) {
    assertThat(s(db.get(key, ro))).as("get").isEqualTo(want);
    List<byte[]> got = db.multiGet(List.of(b("a"), key, b("kez")), ro);
    assertThat(s(got.get(1))).as("multiGet").isEqualTo(want);
    try (DBIterator it = db.newIterator(ro)) {
      it.seek(key);
      boolean found = it.isValid() && s(it.key()).equals(s(key));
      assertThat(found ? s(it.value()) : null).as("scan forward").isEqualTo(want);
      it.seekForPrev(key);
      found = it.isValid() && s(it.key()).equals(s(key));
      assertThat(found ? s(it.value()) : null).as("scan backward").isEqualTo(want);
    }
  }

  @Test
  void get_operandsOverMemtablesLevelsAndIngestedTables_mergesInWriteOrder() {
    Options o = options(APPEND);
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      String want = spreadOperands(db, o);
      assertReads(db, KEY, want, ReadOptions.DEFAULT);
      long mergeReads = db.getStatistics().tickerCount(Ticker.MERGE_READS);
      db.get(KEY);
      assertThat(db.getStatistics().tickerCount(Ticker.MERGE_READS) - mergeReads).isOne();
      // The flush of the immutable memtable and a compaction of level 0 into level 4 fold
      // operands (partial merges); the value stays.
      background.runPending();
      assertReads(db, KEY, want, ReadOptions.DEFAULT);
      db.compactLevelForTesting(0, null, null);
      assertThat(levels(db)).isEqualTo("0 0 0 0 1 1 1");
      assertReads(db, KEY, want, ReadOptions.DEFAULT);
      pushToBottom(db);
      assertReads(db, KEY, want, ReadOptions.DEFAULT);
    }
  }

  @Test
  void get_callsTheOperatorOnce_withTheOperandsOldestFirst() {
    List<List<String>> calls = new ArrayList<>();
    List<String> bases = new ArrayList<>();
    MergeOperator recording =
        (key, existing, operands) -> {
          List<String> ops = new ArrayList<>();
          operands.forEach(op -> ops.add(s(op)));
          calls.add(ops);
          bases.add(s(existing));
          return APPEND.fullMerge(key, existing, operands);
        };
    Options o = options(recording);
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      String want = spreadOperands(db, o);
      calls.clear();
      bases.clear();
      assertThat(s(db.get(KEY))).isEqualTo(want);
      assertThat(calls).containsExactly(List.of("i1", "i2", "m3", "m4", "m5", "m6"));
      assertThat(bases).containsExactly("base");
      calls.clear();
      db.multiGet(List.of(KEY, b("absent"), KEY));
      assertThat(calls).hasSize(2);
    }
  }

  @Test
  void get_rangeDeletionBetweenOperands_hidesOnlyWhatIsBelowIt() {
    Options o = options(APPEND);
    byte[] inTable = b("k1");
    byte[] inMemtable = b("k2");
    byte[] acrossLevels = b("k3");
    byte[] ingested = b("k4");
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      for (byte[] k : List.of(inTable, inMemtable, acrossLevels, ingested)) {
        db.put(k, b("base"));
      }
      flush(db);
      pushToBottom(db);
      // k3: an operand over the bottom value in one level-0 table, the range deletion in the
      // table of a later flush with an operand above it, and an operand in the memtable.
      db.merge(acrossLevels, b("lost1"));
      flush(db);
      db.deleteRange(acrossLevels, b("k3\0"));
      db.merge(acrossLevels, b("kept1"));
      flush(db);
      db.merge(acrossLevels, b("kept2"));
      // k1: operand, range deletion and operand in one table.
      db.merge(inTable, b("lost"));
      db.deleteRange(inTable, b("k1\0"));
      db.merge(inTable, b("kept"));
      flush(db);
      // k2: the same in the active memtable.
      db.merge(inMemtable, b("lost"));
      db.deleteRange(inMemtable, b("k2\0"));
      db.merge(inMemtable, b("kept"));
      // k4: an ingested table's range deletion hides what was there, not the table's own operand.
      Path p = outside.resolve("with-range.sst");
      try (SstFileWriter w = new SstFileWriter(o)) {
        w.open(p);
        w.deleteRange(ingested, b("k4\0"));
        w.merge(ingested, b("kept"));
        w.finish();
      }
      db.ingestExternalFiles(List.of(p));

      assertReads(db, inTable, "kept", ReadOptions.DEFAULT);
      assertReads(db, inMemtable, "kept", ReadOptions.DEFAULT);
      assertReads(db, acrossLevels, "kept1,kept2", ReadOptions.DEFAULT);
      assertReads(db, ingested, "kept", ReadOptions.DEFAULT);
      db.merge(ingested, b("after"));
      assertReads(db, ingested, "kept,after", ReadOptions.DEFAULT);
    }
  }

  @Test
  void get_atSnapshots_readsTheOperandsEachSaw() {
    Options o = options(APPEND);
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      db.put(KEY, b("base"));
      flush(db);
      pushToBottom(db);
      List<Snapshot> snapshots = new ArrayList<>();
      List<String> seen = new ArrayList<>();
      String value = "base";
      for (int i = 1; i <= 8; i++) {
        db.merge(KEY, b("m" + i));
        value += ",m" + i;
        snapshots.add(db.getSnapshot());
        seen.add(value);
        if (i % 2 == 0) {
          flush(db);
        }
        if (i == 4) {
          db.compactLevelForTesting(0, null, null);
        }
      }
      db.put(KEY, b("over"));
      db.merge(KEY, b("n1"));
      assertReads(db, KEY, "over,n1", ReadOptions.DEFAULT);
      for (int i = 0; i < snapshots.size(); i++) {
        ReadOptions at = ReadOptions.builder().snapshot(snapshots.get(i)).build();
        assertReads(db, KEY, seen.get(i), at);
      }
      // A compaction keeps every version a snapshot sees apart.
      flush(db);
      pushToBottom(db);
      for (int i = 0; i < snapshots.size(); i++) {
        ReadOptions at = ReadOptions.builder().snapshot(snapshots.get(i)).build();
        assertReads(db, KEY, seen.get(i), at);
      }
      snapshots.forEach(Snapshot::close);
    }
  }

  @Test
  void get_throwingOperator_failsTheReadOnly() {
    MergeOperator picky =
        (key, existing, operands) -> {
          for (byte[] op : operands) {
            if (s(op).equals("boom")) {
              throw new IllegalArgumentException("cannot append boom");
            }
          }
          return APPEND.fullMerge(key, existing, operands);
        };
    Options o = options(picky);
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      db.put(KEY, b("base"));
      db.put(b("other"), b("fine"));
      flush(db);
      db.merge(KEY, b("boom"));
      flush(db);
      db.merge(KEY, b("after"));
      db.merge(b("other"), b("too"));
      assertThatThrownBy(() -> db.get(KEY))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("cannot append boom")
          .hasMessageContaining("failed for key");
      assertThatThrownBy(() -> db.multiGet(List.of(b("other"), KEY)))
          .isInstanceOf(StrataException.class);
      assertThat(s(db.get(b("other")))).isEqualTo("fine,too");
      // The database goes on: a put over the operands reads back, and so do merges onto it.
      db.put(KEY, b("reset"));
      db.merge(KEY, b("again"));
      assertReads(db, KEY, "reset,again", ReadOptions.DEFAULT);
    }
  }

  /**
   * Installs landing between the lookup's steps: after the memtables, after level 0 and after
   * level 3 (empty, above the ingested tables), the hook flushes the immutable memtable or compacts
   * level 0 into level 4 (folding operands into one). The lookup sees one version or the other,
   * never a mix: an operand counted twice or one folded away behind it would show in the value,
   * and the hook must run twice (the lookup read again after the install).
   */
}
