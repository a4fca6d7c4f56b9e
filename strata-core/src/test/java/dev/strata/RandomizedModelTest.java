package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.ModelDb;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random puts, deletes, batches, gets, bounded scans in both directions, snapshot reads, flushes,
 * compactions and reopens run against Strata and a {@link ModelDb}; every read must match. Runs
 * per memtable kind and shard count, per compression kind, with compaction on and off and tiny
 * memtables so that many tables and levels exist.
 */
class RandomizedModelTest {
  @TempDir Path dir;

  static Stream<Arguments> configs() {
    Options base =
        Options.builder()
            .memtableSizeBytes(64 * 1024)
            .blockSizeBytes(512)
            .targetFileSizeBytes(32 * 1024)
            .maxBytesForLevelBase(64 * 1024)
            .level0CompactionTrigger(2)
            .level0SlowdownTrigger(8)
            .level0StopTrigger(12)
            .build();
    return Stream.of(
        Arguments.of("sharded-16", base, 100_000),
        Arguments.of("sharded-1", base.toBuilder().memtableShards(1).build(), 100_000),
        Arguments.of("skiplist", base.toBuilder().memtable(MemtableKind.SKIPLIST).build(), 100_000),
        Arguments.of(
            "no-compression-no-bg-compaction",
            base.toBuilder()
                .compression(Compression.NONE)
                .backgroundCompaction(false)
                .level0SlowdownTrigger(1000)
                .level0StopTrigger(1000)
                .build(),
            30_000),
        Arguments.of(
            "zstd-tiny-memtable",
            base.toBuilder().compression(Compression.ZSTD).memtableSizeBytes(4096).build(),
            20_000));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void randomOps_matchModel(String name, Options options, int ops) {
    long seed = Seeds.seed("RandomizedModelTest." + name);
    Random rnd = new Random(seed);
    ModelDb model = new ModelDb();
    StrataDB db = StrataDB.open(dir, options);
    Map<Snapshot, NavigableMap<byte[], byte[]>> snaps = new IdentityHashMap<>();
    List<Snapshot> snapList = new ArrayList<>();
    try {
      for (int op = 0; op < ops; op++) {
        int r = rnd.nextInt(10_000);
        String where = name + " seed=" + seed + " op=" + op;
        if (r < 4000) {
          byte[] k = key(rnd);
          byte[] v = value(rnd, op);
          db.put(k, v);
          model.put(k, v);
        } else if (r < 5000) {
          byte[] k = key(rnd);
          db.delete(k);
          model.delete(k);
        } else if (r < 5400) {
          WriteBatch batch = new WriteBatch();
          int n = 1 + rnd.nextInt(10);
          for (int i = 0; i < n; i++) {
            byte[] k = key(rnd);
            if (rnd.nextInt(4) == 0) {
              batch.delete(k);
              model.delete(k);
            } else {
              byte[] v = value(rnd, op);
              batch.put(k, v);
              model.put(k, v);
            }
          }
          db.write(batch, rnd.nextInt(50) == 0 ? WriteOptions.SYNC : WriteOptions.DEFAULT);
        } else if (r < 7900) {
          byte[] k = key(rnd);
          assertThat(db.get(k)).as(where).isEqualTo(model.get(k));
        } else if (r < 8400) {
          scan(db, ReadOptions.DEFAULT, model.view(), rnd, where);
        } else if (r < 8600) {
          if (snapList.size() < 4) {
            Snapshot s = db.getSnapshot();
            snaps.put(s, model.snapshot());
            snapList.add(s);
          } else {
            Snapshot s = snapList.remove(rnd.nextInt(snapList.size()));
            snaps.remove(s);
            s.close();
          }
        } else if (r < 9900) {
          if (!snapList.isEmpty()) {
            Snapshot s = snapList.get(rnd.nextInt(snapList.size()));
            NavigableMap<byte[], byte[]> view = snaps.get(s);
            ReadOptions ro = ReadOptions.builder().snapshot(s).build();
            if (rnd.nextBoolean()) {
              byte[] k = key(rnd);
              assertThat(db.get(k, ro)).as(where + " snapshot get").isEqualTo(view.get(k));
            } else {
              scan(db, ro, view, rnd, where + " snapshot scan");
            }
          }
        } else if (r < 9950) {
          db.flush();
        } else if (r < 9965) {
          db.compactRange(rnd.nextBoolean() ? null : key(rnd), rnd.nextBoolean() ? null : key(rnd));
        } else if (r < 9985) {
          for (Snapshot s : snapList) {
            s.close();
          }
          snapList.clear();
          snaps.clear();
          db.close();
          db = StrataDB.open(dir, options);
        }
      }
      // Final full comparison, forward and backward.
      List<String> expected = new ArrayList<>();
      for (Map.Entry<byte[], byte[]> e : model.view().entrySet()) {
        expected.add(Bytes.toHex(e.getKey(), 64) + "=" + Bytes.toHex(e.getValue(), 64));
      }
      List<String> actual = new ArrayList<>();
      try (DBIterator it = db.newIterator()) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          actual.add(Bytes.toHex(it.key(), 64) + "=" + Bytes.toHex(it.value(), 64));
        }
      }
      assertThat(actual).as(name + " seed=" + seed + " final scan").isEqualTo(expected);
    } finally {
      for (Snapshot s : snapList) {
        s.close();
      }
      db.close();
    }
  }

  private static void scan(
      StrataDB db, ReadOptions base, NavigableMap<byte[], byte[]> view, Random rnd, String where) {
    byte[] lo = rnd.nextInt(3) == 0 ? key(rnd) : null;
    byte[] hi = rnd.nextInt(3) == 0 ? key(rnd) : null;
    if (lo != null && hi != null && Bytes.compare(lo, hi) > 0) {
      byte[] t = lo;
      lo = hi;
      hi = t;
    }
    ReadOptions ro =
        ReadOptions.builder().snapshot(base.snapshot()).lowerBound(lo).upperBound(hi).build();
    NavigableMap<byte[], byte[]> range = view;
    if (lo != null) {
      range = range.tailMap(lo, true);
    }
    if (hi != null) {
      range = range.headMap(hi, false);
    }
    boolean forward = rnd.nextBoolean();
    byte[] start = key(rnd);
    int steps = 1 + rnd.nextInt(40);
    try (DBIterator it = db.newIterator(ro)) {
      Map.Entry<byte[], byte[]> expected;
      if (forward) {
        if (rnd.nextBoolean()) {
          it.seekToFirst();
          expected = range.firstEntry();
        } else {
          it.seek(start);
          expected = range.ceilingEntry(start);
        }
      } else {
        if (rnd.nextBoolean()) {
          it.seekToLast();
          expected = range.lastEntry();
        } else {
          it.seekForPrev(start);
          expected = range.floorEntry(start);
        }
      }
      for (int i = 0; i < steps; i++) {
        if (expected == null) {
          assertThat(it.isValid()).as(where + " step " + i + " expected end").isFalse();
          break;
        }
        assertThat(it.isValid()).as(where + " step " + i + " expected " + ModelDb.describe(expected)).isTrue();
        assertThat(it.key()).as(where + " key step " + i).isEqualTo(expected.getKey());
        assertThat(it.value()).as(where + " value step " + i).isEqualTo(expected.getValue());
        // Occasionally reverse direction mid-scan.
        if (rnd.nextInt(8) == 0) {
          forward = !forward;
        }
        if (forward) {
          it.next();
          expected = range.higherEntry(expected.getKey());
        } else {
          it.prev();
          expected = range.lowerEntry(expected.getKey());
        }
      }
    }
  }

  private static byte[] key(Random rnd) {
    return String.format("key%05d", rnd.nextInt(3000)).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(Random rnd, int op) {
    int len = rnd.nextInt(8) == 0 ? rnd.nextInt(400) : 10 + rnd.nextInt(30);
    byte[] v = new byte[len];
    for (int i = 0; i < len; i++) {
      v[i] = (byte) ('a' + (op + i) % 26);
    }
    return v;
  }
}
