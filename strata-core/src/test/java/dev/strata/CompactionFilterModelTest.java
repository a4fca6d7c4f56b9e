package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.MarkedValues;
import dev.strata.testing.ModelDb;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random puts, deletes, range deletions, snapshots, flushes, bounded and full compactions and
 * reopens run against Strata with a deterministic compaction filter ({@link MarkedValues}: values
 * ending in '!' are removed, values ending in '~' become the value ending in '=') and against a
 * {@link ModelDb},
 * per configuration. When a compaction reaches a key is the engine's business, so a read may see
 * a marked value or what the filter makes of it, but nothing else: never an older version, never
 * a deleted key. A snapshot reads the same from its creation to its release, whatever compactions
 * run. At the end, with no snapshot left, a full compaction leaves exactly the model with the
 * filter applied. Merge operands are left to {@code CompactionFilterTest}: a removed base under
 * later operands changes what they merge onto, which this model does not follow.
 */
class CompactionFilterModelTest {
  static Stream<Arguments> configs() {
    Options base =
        Options.builder()
            .compactionFilter(new MarkedValues())
            .memtableSizeBytes(4 * 1024)
            .blockSizeBytes(256)
            .targetFileSizeBytes(4 * 1024)
            .maxBytesForLevelBase(8 * 1024)
            .level0CompactionTrigger(2)
            .level0SlowdownTrigger(8)
            .level0StopTrigger(12)
            .jmx(false)
            .infoLog(false)
            .build();
    return Stream.of(
        Arguments.of("background-compaction", base),
        Arguments.of(
            "skiplist-1-shard-zstd",
            base.toBuilder()
                .memtable(MemtableKind.SKIPLIST)
                .memtableShards(1)
                .compression(Compression.ZSTD)
                .build()),
        Arguments.of(
            "no-background-compaction",
            base.toBuilder()
                .backgroundCompaction(false)
                .compression(Compression.NONE)
                .level0SlowdownTrigger(1000)
                .level0StopTrigger(1000)
                .build()),
        Arguments.of(
            "large-memtable-level0-trigger-6",
            base.toBuilder().memtableSizeBytes(64 * 1024).level0CompactionTrigger(6).build()));
  }

  private static byte[] key(int i) {
    return String.format("key%04d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] v) {
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  /** The database's whole view at {@code ro}, forward; checks the backward scan agrees. */
  private static TreeMap<byte[], byte[]> scan(StrataDB db, ReadOptions ro) {
    TreeMap<byte[], byte[]> out = new TreeMap<>(Bytes.COMPARATOR);
    List<String> backward = new ArrayList<>();
    try (DBIterator it = db.newIterator(ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(it.key(), it.value());
      }
      for (it.seekToLast(); it.isValid(); it.prev()) {
        backward.add(s(it.key()) + "=" + s(it.value()));
      }
    }
    List<String> forward = new ArrayList<>();
    out.descendingMap().forEach((k, v) -> forward.add(s(k) + "=" + s(v)));
    assertThat(backward).isEqualTo(forward);
    return out;
  }

  /** Every key of the model and of the database's view obeys {@link #allowed}. */
  private static void checkView(
      NavigableMap<byte[], byte[]> model, Map<byte[], byte[]> view, String where) {
    for (Map.Entry<byte[], byte[]> e : view.entrySet()) {
      assertThat(MarkedValues.allowed(model.get(e.getKey()), e.getValue()))
          .as("%s: %s read %s, model %s", where, s(e.getKey()), s(e.getValue()), s(model.get(e.getKey())))
          .isTrue();
    }
    for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
      assertThat(MarkedValues.allowed(e.getValue(), view.get(e.getKey())))
          .as("%s: %s missing or wrong, model %s", where, s(e.getKey()), s(e.getValue()))
          .isTrue();
    }
  }

  /** {@code m} with keys and values as strings, for comparisons by value. */
  private static TreeMap<String, String> strings(Map<byte[], byte[]> m) {
    TreeMap<String, String> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(s(k), s(v)));
    return out;
  }

  private record Snap(Snapshot snapshot, TreeMap<String, String> seen) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void randomOps_withFilter_matchModel(String name, Options options) {
    long seed = Seeds.seed("CompactionFilterModelTest." + name);
    Random rnd = new Random(seed);
    Options o = options.toBuilder().fileSystem(new FaultInjectionFileSystem(seed)).build();
    Path dir = Path.of("/db");
    ModelDb model = new ModelDb();
    List<Snap> snaps = new ArrayList<>();
    int ops = Boolean.getBoolean("strata.soak") ? 200_000 : 20_000;
    StrataDB db = StrataDB.open(dir, o);
    try {
      for (int op = 0; op < ops; op++) {
        String where = name + " op " + op + " seed " + seed;
        int r = rnd.nextInt(1000);
        byte[] k = key(rnd.nextInt(300));
        if (r < 600) {
          int mark = rnd.nextInt(10);
          String v = "v" + op + "-" + "p".repeat(rnd.nextInt(40)) + (mark < 3 ? "!" : mark < 5 ? "~" : "");
          byte[] value = v.getBytes(StandardCharsets.UTF_8);
          db.put(k, value);
          model.put(k, value);
        } else if (r < 720) {
          db.delete(k);
          model.delete(k);
        } else if (r < 740) {
          byte[] end = key(rnd.nextInt(300));
          if (Bytes.compare(k, end) < 0) {
            db.deleteRange(k, end);
            model.deleteRange(k, end);
          }
        } else if (r < 900) {
          assertThat(MarkedValues.allowed(model.get(k), db.get(k)))
              .as("%s: get %s read %s, model %s", where, s(k), s(db.get(k)), s(model.get(k)))
              .isTrue();
        } else if (r < 915 && snaps.size() < 3) {
          Snapshot sn = db.getSnapshot();
          ReadOptions ro = ReadOptions.builder().snapshot(sn).build();
          TreeMap<byte[], byte[]> seen = scan(db, ro);
          checkView(model.snapshot(), seen, where + " new snapshot");
          snaps.add(new Snap(sn, strings(seen)));
        } else if (r < 930 && !snaps.isEmpty()) {
          Snap sn = snaps.remove(rnd.nextInt(snaps.size()));
          assertThat(strings(scan(db, ReadOptions.builder().snapshot(sn.snapshot()).build())))
              .as("%s: snapshot reads what it read when taken", where)
              .isEqualTo(sn.seen());
          sn.snapshot().close();
        } else if (r < 950) {
          db.flush();
        } else if (r < 975) {
          byte[] a = rnd.nextInt(4) == 0 ? null : key(rnd.nextInt(300));
          byte[] b = a == null || rnd.nextBoolean() ? null : key(rnd.nextInt(300));
          if (a != null && b != null && Bytes.compare(a, b) > 0) {
            byte[] t = a;
            a = b;
            b = t;
          }
          db.compactRange(a, b);
        } else if (r < 980) {
          for (Snap sn : snaps) {
            sn.snapshot().close();
          }
          snaps.clear();
          db.close();
          db = StrataDB.open(dir, o);
        } else {
          checkView(model.view(), scan(db, ReadOptions.DEFAULT), where + " scan");
          for (Snap sn : snaps) {
            assertThat(strings(scan(db, ReadOptions.builder().snapshot(sn.snapshot()).build())))
                .as("%s: snapshot stable", where)
                .isEqualTo(sn.seen());
          }
        }
      }
      for (Snap sn : snaps) {
        assertThat(strings(scan(db, ReadOptions.builder().snapshot(sn.snapshot()).build())))
            .as("%s end: snapshot stable", name)
            .isEqualTo(sn.seen());
        sn.snapshot().close();
      }
      db.compactRange(null, null);
      TreeMap<String, String> want = strings(MarkedValues.filteredView(model.view()));
      assertThat(strings(scan(db, ReadOptions.DEFAULT))).as("%s seed %d: after a full compaction", name, seed).isEqualTo(want);
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_FAILURES)).isZero();
    } finally {
      db.close();
    }
  }
}
