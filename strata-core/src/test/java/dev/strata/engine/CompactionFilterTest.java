package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CompactionFilter;
import dev.strata.CompactionFilter.Decision;
import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.EventListener;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.Ticker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction filters: keep, remove and change through {@code compactRange}, level by level and in
 * the background; a removal never lets an older version in a lower level (or under a snapshot)
 * reappear; snapshots protect the versions they see; a filter that throws or returns null keeps
 * the entry; merge operands, tombstones and range-deleted entries are never offered, while the
 * full value a key's operands collapse to is, in the compaction that collapses them.
 */
class CompactionFilterTest {
  @TempDir Path dir;

  /**
   * Removes values ending in '!', changes those ending in '~' (to the value with '=' in its place),
   * throws on those ending in '#', returns null for those ending in '?', keeps the rest; records
   * every key offered, and every value offered as {@code key=value}.
   */
  static final class MarkerFilter implements CompactionFilter {
    final Set<String> offered = ConcurrentHashMap.newKeySet();
    final Set<String> offeredValues = ConcurrentHashMap.newKeySet();

    @Override
    public Decision filter(int level, byte[] key, byte[] value) {
      offered.add(s(key));
      offeredValues.add(s(key) + "=" + s(value));
      if (value.length == 0) {
        return Decision.KEEP;
      }
      switch (value[value.length - 1]) {
        case '!':
          return Decision.REMOVE;
        case '~':
          byte[] v = value.clone();
          v[v.length - 1] = '=';
          return Decision.change(v);
        case '#':
          throw new IllegalStateException("filter failure on purpose");
        case '?':
          return null;
        default:
          return Decision.KEEP;
      }
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] v) {
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  private static byte[] key(int i) {
    return b(String.format("k%05d", i));
  }

  private static Options.Builder small(CompactionFilter f) {
    return Options.builder()
        .compactionFilter(f)
        .memtableSizeBytes(32 * 1024)
        .blockSizeBytes(512)
        .targetFileSizeBytes(8 * 1024)
        .maxBytesForLevelBase(4 * 1024)
        .compression(Compression.NONE)
        .backgroundCompaction(false)
        .jmx(false);
  }

  /** get, multiGet and both scan directions against {@code expected}. */
  private static void check(StrataDB db, TreeMap<String, String> expected, List<byte[]> keys) {
    List<byte[]> got = db.multiGet(keys);
    for (int i = 0; i < keys.size(); i++) {
      String k = s(keys.get(i));
      assertThat(s(db.get(keys.get(i)))).as("get %s", k).isEqualTo(expected.get(k));
      assertThat(s(got.get(i))).as("multiGet %s", k).isEqualTo(expected.get(k));
    }
    TreeMap<String, String> forward = new TreeMap<>();
    List<String> backward = new ArrayList<>();
    try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        forward.put(s(it.key()), s(it.value()));
      }
      for (it.seekToLast(); it.isValid(); it.prev()) {
        backward.add(s(it.key()));
      }
    }
    assertThat(forward).isEqualTo(expected);
    assertThat(backward).containsExactlyElementsOf(expected.descendingKeySet());
  }

  @Test
  void keepRemoveChange_throughCompactRange_andReopen() {
    MarkerFilter f = new MarkerFilter();
    TreeMap<String, String> expected = new TreeMap<>();
    List<byte[]> keys = new ArrayList<>();
    Options o = small(f).build();
    try (StrataDB db = StrataDB.open(dir, o)) {
      for (int i = 0; i < 300; i++) {
        String suffix = i % 3 == 0 ? "!" : i % 3 == 1 ? "~" : "";
        String v = "value-" + i + "-" + "x".repeat(40) + suffix;
        db.put(key(i), b(v));
        keys.add(key(i));
        if (i % 3 == 1) {
          expected.put(s(key(i)), v.substring(0, v.length() - 1) + "=");
        } else if (i % 3 == 2) {
          expected.put(s(key(i)), v);
        }
      }
      // Unflushed, then flushed but not compacted: nothing is filtered yet.
      assertThat(s(db.get(key(0)))).endsWith("!");
      db.flush();
      assertThat(s(db.get(key(0)))).endsWith("!");
      assertThat(f.offered).isEmpty();
      db.compactRange(null, null);
      check(db, expected, keys);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_REMOVED)).isEqualTo(100);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_CHANGED)).isEqualTo(100);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_FAILURES)).isZero();
      assertThat(db.getProperty("strata.num-files-at-level6")).isNotEqualTo("0");
    }
    try (StrataDB db = StrataDB.open(dir, o)) {
      check(db, expected, keys);
      db.compactRange(null, null);
      check(db, expected, keys);
    }
  }

  /**
   * v1 sits in the last level; v2, marked for removal, is compacted from level 0 into a level
   * above it. The removal must write a deletion: dropping v2 would bring v1 back.
   */
  @Test
  void remove_inUpperLevel_neverResurrectsOlderVersionBelow() {
    MarkerFilter f = new MarkerFilter();
    byte[] victim = key(1000);
    try (DbImpl db = (DbImpl) StrataDB.open(dir, small(f).build())) {
      for (int i = 0; i < 2000; i++) {
        db.put(key(i), b("filler-" + i + "-" + "y".repeat(80)));
      }
      db.put(victim, b("v1"));
      db.compactRange(null, null);
      String bottomFiles = db.getProperty("strata.num-files-at-level6");
      assertThat(bottomFiles).isNotEqualTo("0");

      db.put(victim, b("v2!"));
      db.flush();
      db.compactLevelForTesting(0, null, null);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
      assertThat(db.getProperty("strata.num-files-at-level6")).as("untouched").isEqualTo(bottomFiles);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_REMOVED)).isEqualTo(1);
      assertThat(db.get(victim)).isNull();
      try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
        it.seek(victim);
        assertThat(s(it.key())).isNotEqualTo(s(victim));
        it.seekForPrev(victim);
        assertThat(s(it.key())).isNotEqualTo(s(victim));
      }
      // All the way down: the deletion meets v1 and both go.
      db.compactRange(null, null);
      assertThat(db.get(victim)).isNull();
    }
    try (StrataDB db = StrataDB.open(dir, small(f).build())) {
      assertThat(db.get(victim)).isNull();
      assertThat(s(db.get(key(999)))).startsWith("filler-999");
    }
  }

  @Test
  void snapshot_protectsTheVersionsItSees_untilReleased() {
    MarkerFilter f = new MarkerFilter();
    byte[] k = b("key");
    byte[] other = b("other");
    try (StrataDB db = StrataDB.open(dir, small(f).build())) {
      db.put(k, b("a!"));
      db.put(other, b("o!"));
      Snapshot snap = db.getSnapshot();
      ReadOptions atSnap = ReadOptions.builder().snapshot(snap).build();
      // Above the snapshot: "b!" is offered and removed, which must not bring back "a!" (still
      // kept for the snapshot) for the latest readers.
      db.put(k, b("b!"));
      db.compactRange(null, null);
      assertThat(s(db.get(k, atSnap))).isEqualTo("a!");
      assertThat(s(db.get(other, atSnap))).isEqualTo("o!");
      assertThat(db.get(k)).isNull();
      // "o!" is visible to the snapshot: never offered, so the latest readers see it too.
      assertThat(s(db.get(other))).isEqualTo("o!");
      assertThat(f.offered).containsExactly("key");
      db.compactRange(null, null);
      assertThat(s(db.get(k, atSnap))).isEqualTo("a!");
      assertThat(s(db.get(other))).isEqualTo("o!");

      snap.close();
      db.compactRange(null, null);
      assertThat(db.get(k)).isNull();
      assertThat(db.get(other)).isNull();
      assertThat(f.offered).containsExactlyInAnyOrder("key", "other");
    }
  }

  /**
   * A snapshot taken while a compaction runs (here by the filter itself, on its first call) sees
   * the value the compaction's filter removes: the compaction must not install that removal.
   */
  @Test
  void snapshotTakenDuringCompaction_stillSeesTheValue() {
    java.util.concurrent.atomic.AtomicReference<StrataDB> dbRef =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<Snapshot> taken =
        new java.util.concurrent.atomic.AtomicReference<>();
    MarkerFilter marker = new MarkerFilter();
    CompactionFilter f =
        (level, key, value) -> {
          if (taken.get() == null) {
            taken.set(dbRef.get().getSnapshot());
          }
          return marker.filter(level, key, value);
        };
    try (StrataDB db = StrataDB.open(dir, small(f).build())) {
      dbRef.set(db);
      db.put(b("k"), b("a!"));
      db.compactRange(null, null);
      assertThat(taken.get()).isNotNull();
      ReadOptions atSnap = ReadOptions.builder().snapshot(taken.get()).build();
      assertThat(s(db.get(b("k"), atSnap))).isEqualTo("a!");
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_REMOVED)).isZero();
      db.compactRange(null, null);
      assertThat(s(db.get(b("k"), atSnap))).isEqualTo("a!");
      taken.get().close();
      db.compactRange(null, null);
      assertThat(db.get(b("k"))).isNull();
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_REMOVED)).isEqualTo(1);
    }
  }

  @Test
  void throwingOrNullFilter_keepsEntries_countsFailures_databaseStaysWritable()
      throws IOException {
    MarkerFilter f = new MarkerFilter();
    TreeMap<String, String> expected = new TreeMap<>();
    List<byte[]> keys = new ArrayList<>();
    try (StrataDB db = StrataDB.open(dir, small(f).build())) {
      for (int i = 0; i < 90; i++) {
        String v = "v" + i + (i % 3 == 0 ? "#" : i % 3 == 1 ? "?" : "!");
        db.put(key(i), b(v));
        keys.add(key(i));
        if (i % 3 != 2) {
          expected.put(s(key(i)), v);
        }
      }
      db.compactRange(null, null);
      check(db, expected, keys);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_FAILURES))
          .isGreaterThanOrEqualTo(60);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_REMOVED)).isEqualTo(30);
      assertThat(db.getStatistics().tickerCount(Ticker.BACKGROUND_ERRORS)).isZero();
      // Logged once per compaction, with the lock released, to the LOG file too.
      String log = Files.readString(dir.resolve("LOG"));
      assertThat(log).contains("compaction filter").contains("filter failure on purpose");
      db.put(b("after"), b("fine"));
      db.compactRange(null, null);
      assertThat(s(db.get(b("after")))).isEqualTo("fine");
      check(db, withAfter(expected), withAfter(keys));
    }
  }

  private static TreeMap<String, String> withAfter(TreeMap<String, String> m) {
    TreeMap<String, String> out = new TreeMap<>(m);
    out.put("after", "fine");
    return out;
  }

  private static List<byte[]> withAfter(List<byte[]> keys) {
    List<byte[]> out = new ArrayList<>(keys);
    out.add(b("after"));
    return out;
  }

  @Test
  void mergeOperandsTombstonesAndRangeDeletedEntries_areNotOffered() {
    MarkerFilter f = new MarkerFilter();
    Options o = small(f).mergeOperator(MergeOperators.stringAppend((byte) ',')).build();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      db.merge(b("m"), b("a!"));
      db.merge(b("m"), b("b"));
      db.put(b("d"), b("gone!"));
      db.delete(b("d"));
      for (int i = 0; i < 10; i++) {
        db.put(key(i), b("r" + i + "!"));
      }
      db.flush();
      // In a second table, so that the covered entries reach the compaction.
      db.deleteRange(key(2), key(7));
      db.put(b("z"), b("z!"));
      db.flush();
      // The operands of "m" are folded onto nothing (no level below holds "m"), and the filter is
      // offered the full value, never an operand.
      db.compactLevelForTesting(0, null, null);
      assertThat(f.offeredValues).contains("m=a!,b").doesNotContain("m=a!", "m=b");
      assertThat(f.offered).doesNotContain("d");
      for (int i = 2; i < 7; i++) {
        assertThat(f.offered).doesNotContain(s(key(i)));
      }
      assertThat(f.offered).contains("z", s(key(0)), s(key(1)), s(key(7)));
      assertThat(s(db.get(b("m")))).isEqualTo("a!,b");
      assertThat(db.get(b("z"))).isNull();
      for (int i = 0; i < 10; i++) {
        assertThat(db.get(key(i))).as("key %d", i).isNull();
      }
      // A value under the range deletion, in the last level, stays hidden once entries above it
      // are filtered.
      db.compactRange(null, null);
      db.put(key(3), b("back~"));
      db.compactRange(null, null);
      assertThat(s(db.get(key(3)))).isEqualTo("back=");
      assertThat(db.get(key(4))).isNull();
    }
  }

  @Test
  void backgroundCompaction_appliesTheFilter() throws InterruptedException {
    MarkerFilter f = new MarkerFilter();
    CountDownLatch compacted = new CountDownLatch(1);
    Options o =
        small(f)
            .backgroundCompaction(true)
            .level0CompactionTrigger(2)
            .listener(
                new EventListener() {
                  @Override
                  public void onCompactionCompleted(CompactionInfo info) {
                    compacted.countDown();
                  }
                })
            .build();
    TreeMap<String, String> expected = new TreeMap<>();
    List<byte[]> keys = new ArrayList<>();
    try (StrataDB db = StrataDB.open(dir, o)) {
      for (int file = 0; file < 2; file++) {
        for (int i = file; i < 100; i += 2) {
          String v = "v" + i + (i % 4 == 0 ? "!" : i % 4 == 1 ? "~" : "");
          db.put(key(i), b(v));
          keys.add(key(i));
          if (i % 4 == 1) {
            expected.put(s(key(i)), v.substring(0, v.length() - 1) + "=");
          } else if (i % 4 != 0) {
            expected.put(s(key(i)), v);
          }
        }
        db.flush();
      }
      assertThat(compacted.await(30, TimeUnit.SECONDS)).isTrue();
      check(db, expected, keys);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_REMOVED)).isEqualTo(25);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_CHANGED)).isEqualTo(25);
    }
  }

  @Test
  void mergedKey_theFullValueOperandsCollapseTo_isFilteredInTheSameCompaction() {
    MarkerFilter f = new MarkerFilter();
    Options o = small(f).mergeOperator(MergeOperators.stringAppend((byte) ',')).build();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      db.put(b("r"), b("base"));
      db.merge(b("r"), b("x!"));
      db.put(b("c"), b("base"));
      db.merge(b("c"), b("y~"));
      db.merge(b("n"), b("z~"));
      db.flush();
      // One compaction folds each key's operands, then offers the full value it made.
      db.compactLevelForTesting(0, null, null);
      assertThat(f.offeredValues).contains("r=base,x!", "c=base,y~", "n=z~");
      assertThat(f.offeredValues).doesNotContain("r=x!", "c=y~", "r=base", "c=base");
      TreeMap<String, String> expected = new TreeMap<>();
      expected.put("c", "base,y=");
      expected.put("n", "z=");
      check(db, expected, List.of(b("r"), b("c"), b("n")));
    }
  }

  /**
   * A value is filtered while newer operands of its key wait in the memtable: they then merge onto
   * what the filter left, as if the application had deleted or rewritten the value first.
   */
  @Test
  void removedOrChangedValue_underNewerOperands_theyMergeOntoWhatTheFilterLeft() {
    MarkerFilter f = new MarkerFilter();
    Options o = small(f).mergeOperator(MergeOperators.stringAppend((byte) ',')).build();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      db.put(b("r"), b("old!"));
      db.put(b("c"), b("old~"));
      db.put(b("k"), b("old"));
      db.flush();
      db.merge(b("r"), b("n1"));
      db.merge(b("c"), b("n2"));
      db.merge(b("k"), b("n3"));
      db.merge(b("k"), b("n4"));
      db.compactLevelForTesting(0, null, null);
      assertThat(f.offeredValues).contains("r=old!", "c=old~", "k=old");
      TreeMap<String, String> expected = new TreeMap<>();
      expected.put("r", "n1");
      expected.put("c", "old=,n2");
      expected.put("k", "old,n3,n4");
      List<byte[]> keys = List.of(b("r"), b("c"), b("k"));
      check(db, expected, keys);
      db.flush();
      db.compactRange(null, null);
      check(db, expected, keys);
      db.close();
      try (StrataDB reopened = StrataDB.open(dir, o)) {
        check(reopened, expected, keys);
      }
    }
  }

  /**
   * Random puts, operands, deletions, range deletions, snapshots, flushes and compactions under an
   * operator whose every result says what made it: a full merge "F(base:op+op)", a partial merge
   * "op+op", an operand "o..." and a put "p...". Every value the filter is offered is a put's value
   * or a full merge, never an operand nor a partial merge.
   */
  @Test
  void filter_isNeverOfferedAMergeOperand() {
    Set<String> offered = ConcurrentHashMap.newKeySet();
    CompactionFilter recording =
        (level, key, value) -> {
          offered.add(s(value));
          return Decision.KEEP;
        };
    dev.strata.MergeOperator tagged =
        new dev.strata.MergeOperator() {
          @Override
          public byte[] fullMerge(byte[] key, byte[] existing, List<byte[]> operands) {
            List<String> ops = new ArrayList<>();
            operands.forEach(op -> ops.add(s(op)));
            String base = existing == null ? "" : s(existing);
            return b("F(" + base + ":" + String.join("+", ops) + ")");
          }

          @Override
          public byte[] partialMerge(byte[] key, byte[] older, byte[] newer) {
            return b(s(older) + "+" + s(newer));
          }
        };
    Options o = small(recording).mergeOperator(tagged).memtableSizeBytes(4096).build();
    java.util.Random rnd =
        new java.util.Random(dev.strata.testing.Seeds.seed("filter_isNeverOfferedAMergeOperand"));
    List<Snapshot> snaps = new ArrayList<>();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      for (int op = 0; op < 3000; op++) {
        byte[] k = key(rnd.nextInt(40));
        int r = rnd.nextInt(100);
        if (r < 30) {
          db.put(k, b("p" + op));
        } else if (r < 80) {
          db.merge(k, b("o" + op));
        } else if (r < 85) {
          db.delete(k);
        } else if (r < 87) {
          int from = rnd.nextInt(40);
          db.deleteRange(key(from), key(from + rnd.nextInt(4)));
        } else if (r < 90) {
          if (snaps.size() < 3 && rnd.nextBoolean()) {
            snaps.add(db.getSnapshot());
          } else if (!snaps.isEmpty()) {
            snaps.remove(rnd.nextInt(snaps.size())).close();
          }
        } else if (r < 95) {
          db.flush();
        } else if (r < 98) {
          db.compactLevelForTesting(rnd.nextInt(3), null, null);
        } else {
          db.compactRange(null, null);
        }
      }
      snaps.forEach(Snapshot::close);
      db.compactRange(null, null);
    }
    assertThat(offered).isNotEmpty();
    assertThat(offered).anyMatch(v -> v.startsWith("F("));
    assertThat(offered)
        .allMatch(v -> v.startsWith("p") || v.startsWith("F("), "a put or a full merge");
  }

  @Test
  void decision_copiesItsValue_andRefusesNull() {
    byte[] v = b("abc");
    Decision d = Decision.change(v);
    v[0] = 'x';
    assertThat(s(d.newValue())).isEqualTo("abc");
    d.newValue()[0] = 'y';
    assertThat(s(d.newValue())).isEqualTo("abc");
    assertThat(d.kind()).isEqualTo(Decision.Kind.CHANGE);
    assertThat(Decision.KEEP.newValue()).isNull();
    assertThat(Decision.REMOVE.kind()).isEqualTo(Decision.Kind.REMOVE);
    assertThatThrownBy(() -> Decision.change(null)).isInstanceOf(NullPointerException.class);
  }

  /**
   * {@code compactRange} with a filter rewrites the last level's files so that the filter sees
   * every value, but not the files the same call just wrote there, which the filter has seen: a
   * load compacted once writes its data about once, not twice.
   */
  @Test
  void compactRange_withAFilter_doesNotRewriteTheFilesItJustWrote() {
    long[] written = new long[2];
    for (int withFilter = 0; withFilter < 2; withFilter++) {
      Path d = dir.resolve("db" + withFilter);
      Options.Builder b = Options.builder().backgroundCompaction(false);
      if (withFilter == 1) {
        b.compactionFilter((level, key, value) -> CompactionFilter.Decision.KEEP);
      }
      try (StrataDB db = StrataDB.open(d, b.build())) {
        for (int i = 0; i < 20_000; i++) {
          db.put(b(String.format("k%06d", i)), b("value-" + i + "-" + "x".repeat(40)));
        }
        db.flush();
        long before = Long.parseLong(db.getProperty("strata.bytes-written-tables"));
        db.compactRange(null, null);
        written[withFilter] =
            Long.parseLong(db.getProperty("strata.bytes-written-tables")) - before;
        assertThat(db.getProperty("strata.num-files-at-level6")).isNotEqualTo("0");
      }
    }
    assertThat(written[1])
        .as("table bytes compactRange wrote with a filter, against %d without", written[0])
        .isLessThan(written[0] * 11 / 10);
  }
}
