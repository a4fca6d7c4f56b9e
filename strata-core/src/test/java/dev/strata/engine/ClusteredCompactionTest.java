package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.KeyDistribution;
import dev.strata.testing.ModelDb;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import dev.strata.version.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Background compaction under keys of each {@link KeyDistribution} and level-0 compaction
 * triggers from 2 to 12: with clustered keys level-0 files cover narrow, moving ranges and
 * overlap in chains, and the compactions their size and their read samples trigger must still
 * keep every key's newest version on top. Writers put and delete keys while read samples are
 * charged in bursts (as iterators charge them, through {@link DbImpl#recordReadSample}) and
 * bounded scans run; every 100 writes 50 keys of the distribution are read back with {@code get}
 * (which stops at the first level holding a key, so it sees a newer version left below an older
 * one), and every 2,000 writes every key, and levels 1 and below must be disjoint, level 0 at or
 * under the stop trigger. CI: per distribution, triggers 2, 12 and
 * one drawn between, 16,000 writes each; soak ({@code -Dstrata.soak=true}): every trigger from 2
 * to 12, 100,000 writes each. In memory (the fault-injecting file system without faults), so that
 * the thousands of tiny tables cost no forces.
 */
class ClusteredCompactionTest {
  private static final int KEYS = 4000;
  private static final int CHECK_EVERY = 2000;

  @ParameterizedTest(name = "{0}")
  @EnumSource(KeyDistribution.class)
  void backgroundCompaction_clusteredKeys_keepsNewestVersionsAndDisjointLevels(
      KeyDistribution distribution) {
    boolean soak = Boolean.getBoolean("strata.soak");
    long seed = Seeds.seed("ClusteredCompactionTest." + distribution);
    Random rnd = new Random(seed);
    List<Integer> triggers = new ArrayList<>();
    if (soak) {
      for (int t = 2; t <= 12; t++) {
        triggers.add(t);
      }
    } else {
      triggers.add(2);
      triggers.add(3 + rnd.nextInt(9));
      triggers.add(12);
    }
    int writes = soak ? 100_000 : 16_000;
    for (int trigger : triggers) {
      long runSeed = rnd.nextLong();
      String where = distribution + " trigger " + trigger + " seed " + seed + " run " + runSeed;
      run(distribution, trigger, writes, new Random(runSeed), where);
    }
  }

  private static void run(
      KeyDistribution distribution, int trigger, int writes, Random rnd, String where) {
    Options o =
        Options.builder()
            .fileSystem(new FaultInjectionFileSystem(rnd.nextLong()))
            .memtableShards(4)
            .memtableSizeBytes(4096)
            .blockSizeBytes(512)
            .targetFileSizeBytes(4096)
            .maxBytesForLevelBase(16 << 10)
            .level0CompactionTrigger(trigger)
            .level0SlowdownTrigger(trigger + 4)
            .level0StopTrigger(trigger + 8)
            .readTriggeredCompaction(true)
            .build();
    KeyDistribution.Source keys = distribution.source(rnd, KEYS);
    int burstOdds = new int[] {5, 15, 50}[rnd.nextInt(3)];
    where += " burst odds 1/" + burstOdds;
    ModelDb model = new ModelDb();
    try (DbImpl db = (DbImpl) StrataDB.open(Path.of("/clustered"), o)) {
      for (int i = 1; i <= writes; i++) {
        byte[] k = keys.next();
        if (rnd.nextInt(5) == 0) {
          db.delete(k);
          model.delete(k);
        } else {
          byte[] v = value(i, rnd);
          db.put(k, v);
          model.put(k, v);
        }
        // Read samples in bursts of 20: a level-0 file takes 100 before it is due, and a
        // memtable of 4 KiB holds some 60 writes, so that level 0 gathers several files between
        // read-triggered compactions, more or fewer as the run's odds fall.
        if (rnd.nextInt(burstOdds) == 0) {
          for (int s = 0; s < 20; s++) {
            db.recordReadSampleForTesting(keys.next());
          }
        }
        if (i % 100 == 0) {
          for (int s = 0; s < 50; s++) {
            expectGet(db, model, keys.next(), where + " write " + i);
          }
        }
        if (rnd.nextInt(200) == 0) {
          scan(db, model, keys, rnd, where + " write " + i);
        }
        if (i % CHECK_EVERY == 0) {
          check(db, o, model, keys, where + " after write " + i);
        }
      }
      db.flush();
      check(db, o, model, keys, where + " at the end");
      System.out.printf(
          "ClusteredCompactionTest %s: %d compactions, %d read-triggered, max %d level-0 files%n",
          where,
          Arrays.stream(db.stats.compactions).mapToLong(LongAdder::sum).sum(),
          db.stats.readTriggeredCompactions.sum(),
          db.stats.maxLevel0Files.get());
    }
  }

  /** Every key of the key space by get, then the shape of the levels. */
  private static void check(
      DbImpl db, Options o, ModelDb model, KeyDistribution.Source keys, String where) {
    for (int i = 0; i < keys.keySpace(); i++) {
      expectGet(db, model, keys.key(i), where);
    }
    Level[] levels = db.levelsForProperties();
    for (int l = 1; l < levels.length; l++) {
      assertThat(levels[l].isDisjoint()).as("%s: level %d disjoint", where, l).isTrue();
    }
    assertThat(db.stats.maxLevel0Files.get())
        .as("%s: level-0 files", where)
        .isLessThanOrEqualTo(o.level0StopTrigger());
  }

  private static void expectGet(DbImpl db, ModelDb model, byte[] k, String where) {
    byte[] expected = model.get(k);
    byte[] actual = db.get(k);
    if (!Arrays.equals(actual, expected)) {
      throw new AssertionError(
          where + ": get(" + str(k) + ") returned " + str(actual) + ", expected " + str(expected));
    }
  }

  /** A bounded scan from a drawn key, in either direction, compared with the model. */
  private static void scan(
      DbImpl db, ModelDb model, KeyDistribution.Source keys, Random rnd, String where) {
    byte[] lo = keys.next();
    byte[] hi = keys.next();
    if (Bytes.compare(lo, hi) > 0) {
      byte[] t = lo;
      lo = hi;
      hi = t;
    }
    boolean forward = rnd.nextBoolean();
    List<String> expected = new ArrayList<>();
    var range = model.view().subMap(lo, true, hi, false);
    for (Map.Entry<byte[], byte[]> e : (forward ? range : range.descendingMap()).entrySet()) {
      expected.add(str(e.getKey()) + "=" + str(e.getValue()));
    }
    List<String> actual = new ArrayList<>();
    try (DBIterator it =
        db.newIterator(ReadOptions.builder().lowerBound(lo).upperBound(hi).build())) {
      if (forward) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          actual.add(str(it.key()) + "=" + str(it.value()));
        }
      } else {
        for (it.seekToLast(); it.isValid(); it.prev()) {
          actual.add(str(it.key()) + "=" + str(it.value()));
        }
      }
    }
    assertThat(actual).as("%s: scan [%s, %s)", where, str(lo), str(hi)).isEqualTo(expected);
  }

  private static byte[] value(int i, Random rnd) {
    return ("v" + i + "-" + "x".repeat(rnd.nextInt(60))).getBytes(StandardCharsets.UTF_8);
  }

  private static String str(byte[] b) {
    return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
  }
}
