package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.MemtableKind;
import dev.strata.Options;
import dev.strata.PrefixExtractor;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import dev.strata.testing.KeyDistribution;
import dev.strata.testing.MarkedValues;
import dev.strata.testing.ModelDb;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.RandomCompaction;
import dev.strata.testing.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Metamorphic testing: one random operation sequence (put, delete, batch, get, bounded forward and
 * backward iteration, some of it prefix-bounded, snapshots, flush, compact, reopen, crash-restart after a forced write) runs
 * against {@link ModelDb} and against Strata under several configurations (memtable kinds, shard
 * counts, memtable sizes from 4 KiB to 64 MiB, block sizes from 64 B to 64 KiB, compaction on, off
 * and with tiny triggers, compression kinds). Every history must be identical to the model's. CI:
 * 12 seeds x 2,000 operations x 6 configurations; soak ({@code -Dstrata.soak=true}): 10,000
 * operations x 12 configurations, looped for {@code strata.soak.minutes} (default 5). A second
 * test draws the keys from each {@link KeyDistribution} and runs them under configurations with
 * drawn level-0 triggers, read-triggered compaction and bounded compactions.
 *
 * <p>Every sequence merges, with {@link dev.strata.MergeOperators#stringAppend} or (sequences of
 * even seed) {@link dev.strata.MergeOperators#uint64Add} over 8-byte counters, and every database
 * runs the {@link MarkedValues} compaction filter over values the generator marks on one key in
 * four ({@link OpGenerator#withMarkedValues}). A filter acts when a compaction reaches a value,
 * which differs between configurations, so histories record what the filter makes of each value
 * read ({@link MarkedValues#filtered}; a removed value reads as absent, and iterations skip it):
 * the model's value and the filtered one record alike, and so does any other value only if it is
 * wrong. Prefix-bounded iterations always seek to a target, since the prefix seekToFirst takes
 * from the key it lands on would depend on whether a filter removed that key.
 */
class MetamorphicTest {
  private static final Path DIR = Path.of("/db");

  /**
   * Every configuration's prefix extractor: "k%06d" keys fall in groups of 10, and the shorter keys
   * of {@link KeyDistribution#PREFIX} lie partly outside its domain. One iteration in four is
   * prefix-bounded.
   */
  private static final PrefixExtractor PREFIX = PrefixExtractor.fixedLength(5);

  static List<Function<Options.Builder, Options.Builder>> configs(boolean soak) {
    List<Function<Options.Builder, Options.Builder>> c = new ArrayList<>();
    c.add(b -> b.memtableShards(16).memtableSizeBytes(64 << 20).blockSizeBytes(4096));
    c.add(b -> b.memtable(MemtableKind.SKIPLIST).memtableSizeBytes(4096).blockSizeBytes(64)
        .level0CompactionTrigger(1).level0SlowdownTrigger(2).level0StopTrigger(3)
        .targetFileSizeBytes(1024).maxBytesForLevelBase(4096).compression(Compression.NONE));
    c.add(b -> b.memtableShards(1).memtableSizeBytes(8192).blockSizeBytes(64 << 10)
        .backgroundCompaction(false).level0SlowdownTrigger(1000).level0StopTrigger(1000)
        .compression(Compression.NONE));
    c.add(b -> b.memtableShards(4).memtableSizeBytes(16 << 10).blockSizeBytes(256)
        .targetFileSizeBytes(2048).maxBytesForLevelBase(8192).level0CompactionTrigger(2));
    c.add(b -> b.memtableShards(16).memtableSizeBytes(32 << 10).blockSizeBytes(1024)
        .targetFileSizeBytes(1024).bloomBitsPerKey(0).compression(Compression.LZ4));
    c.add(b -> b.memtable(MemtableKind.SKIPLIST).memtableSizeBytes(64 << 20)
        .blockSizeBytes(16 << 10).backgroundCompaction(false));
    if (soak) {
      c.add(b -> b.memtableShards(8).memtableSizeBytes(4096).blockSizeBytes(128)
          .compression(Compression.ZSTD));
      c.add(b -> b.memtableShards(2).memtableSizeBytes(1 << 20).blockSizeBytes(512)
          .compression(Compression.ZSTD).backgroundCompaction(false)
          .level0SlowdownTrigger(1000).level0StopTrigger(1000));
      c.add(b -> b.memtable(MemtableKind.SKIPLIST).memtableSizeBytes(4096).blockSizeBytes(64 << 10)
          .level0CompactionTrigger(1).level0SlowdownTrigger(1).level0StopTrigger(2));
      c.add(b -> b.memtableShards(64).memtableSizeBytes(64 << 10).blockSizeBytes(2048)
          .blockRestartInterval(1).maxImmutableMemtables(1));
      c.add(b -> b.memtableShards(16).memtableSizeBytes(4096).blockSizeBytes(64)
          .blockRestartInterval(64).levelSizeMultiplier(2).maxBytesForLevelBase(2048)
          .targetFileSizeBytes(1024));
      c.add(b -> b.memtableShards(1).memtableSizeBytes(16 << 20).blockSizeBytes(32 << 10)
          .blockCacheBytes(0).bloomBitsPerKey(20));
    }
    return c;
  }

  @Test
  void randomSequences_giveIdenticalHistoriesAcrossConfigurations() {
    boolean soak = Boolean.getBoolean("strata.soak");
    long seed = Seeds.seed("MetamorphicTest");
    Random seeds = new Random(seed);
    int ops = soak ? 10_000 : 2_000;
    long deadline =
        System.nanoTime() + Long.getLong("strata.soak.minutes", 5) * 60_000_000_000L;
    List<Function<Options.Builder, Options.Builder>> configs = configs(soak);
    int runs = 0;
    while (soak ? System.nanoTime() < deadline : runs < 12) {
      long s = seeds.nextLong();
      List<String> model = run(s, ops, null, null);
      for (int c = 0; c < configs.size(); c++) {
        List<String> got = run(s, ops, configs.get(c), null);
        for (int i = 0; i < model.size(); i++) {
          assertThat(got.get(i))
              .as("seed %d (from %d) config %d op %d", s, seed, c, i)
              .isEqualTo(model.get(i));
        }
      }
      runs++;
    }
    System.out.printf("MetamorphicTest: %d sequences x %d ops x %d configurations%n",
        runs, ops, configs.size());
  }

  /**
   * Configurations for sequences of clustered keys, drawn from the sequence's seed: background
   * compaction off with the level-0 triggers out of reach (level 0 grows until a compaction,
   * most of them bounded, lowers part of it), and background compaction on with a level-0
   * trigger from 2 to 12, read-triggered compaction and memtables of 1 to 16 KiB (see {@link
   * RandomCompaction#clustered}). Soak adds two more, one of them with background compaction off.
   */
  static List<Function<Options.Builder, Options.Builder>> clusteredConfigs(
      long seed, boolean soak) {
    Random rnd = new Random(seed);
    List<Function<Options.Builder, Options.Builder>> c = new ArrayList<>();
    c.add(b -> b.memtableShards(4).memtableSizeBytes(2048).blockSizeBytes(256)
        .targetFileSizeBytes(4096).maxBytesForLevelBase(16 << 10).backgroundCompaction(false)
        .level0SlowdownTrigger(RandomCompaction.OUT_OF_REACH)
        .level0StopTrigger(RandomCompaction.OUT_OF_REACH));
    int configs = soak ? 5 : 3;
    while (c.size() < configs) {
      long drawn = rnd.nextLong();
      boolean background = c.size() != 3;
      c.add(b -> {
        Random r = new Random(drawn);
        RandomCompaction.clustered(b, r, background)
            .memtable(r.nextBoolean() ? MemtableKind.SKIPLIST : MemtableKind.SHARDED)
            .blockSizeBytes(64 << r.nextInt(6))
            .bloomBitsPerKey(r.nextInt(3) == 0 ? 0 : 10);
        if (!background) {
          b.level0SlowdownTrigger(RandomCompaction.OUT_OF_REACH)
              .level0StopTrigger(RandomCompaction.OUT_OF_REACH);
        }
        return b;
      });
    }
    return c;
  }

  /**
   * The same comparison for sequences whose keys come from each {@link KeyDistribution} (CI: 2
   * sequences x 3,000 operations x 3 configurations per distribution; soak: 10,000 operations x
   * 5 configurations, looped for {@code strata.soak.minutes}), with compactions over random
   * bounds: level-0 files over narrow, moving ranges that overlap in chains, which uniform keys
   * never make.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(KeyDistribution.class)
  void clusteredSequences_giveIdenticalHistoriesAcrossConfigurations(KeyDistribution distribution) {
    boolean soak = Boolean.getBoolean("strata.soak");
    long seed = Seeds.seed("MetamorphicTest." + distribution);
    Random seeds = new Random(seed);
    int ops = soak ? 10_000 : 3_000;
    long deadline =
        System.nanoTime() + Long.getLong("strata.soak.minutes", 5) * 60_000_000_000L;
    int runs = 0;
    int configCount = 0;
    while (soak ? System.nanoTime() < deadline : runs < 2) {
      long s = seeds.nextLong();
      List<String> model = run(s, ops, null, distribution);
      List<Function<Options.Builder, Options.Builder>> configs = clusteredConfigs(s, soak);
      configCount = configs.size();
      for (int c = 0; c < configs.size(); c++) {
        List<String> got = run(s, ops, configs.get(c), distribution);
        String options = configs.get(c).apply(Options.builder()).build().toString();
        for (int i = 0; i < model.size(); i++) {
          assertThat(got.get(i))
              .as("%s seed %d (from %d) config %d %s op %d", distribution, s, seed, c, options, i)
              .isEqualTo(model.get(i));
        }
      }
      runs++;
    }
    System.out.printf("MetamorphicTest %s: %d sequences x %d ops x %d configurations%n",
        distribution, runs, ops, configCount);
  }

  /**
   * Runs the sequence of {@code seed} on the model (config null) or on Strata; its history. With
   * a {@code distribution} the keys come from it over 2,000 keys and compactions take {@link
   * RandomCompaction#range} bounds; without one, the original 400 uniform keys and bounds.
   */
  private static List<String> run(
      long seed,
      int ops,
      Function<Options.Builder, Options.Builder> config,
      KeyDistribution distribution) {
    Random rnd = new Random(seed);
    OpGenerator gen =
        distribution == null
            ? new OpGenerator(rnd, 400, "v").withMerges().withMarkedValues()
            : new OpGenerator(rnd, 2000, "v", distribution).withMerges().withMarkedValues();
    if ((seed & 1) == 0) {
      gen.withCounters();
    }
    List<String> history = new ArrayList<>();
    ModelDb model = new ModelDb();
    List<NavigableMap<byte[], byte[]>> modelSnaps = new ArrayList<>();
    FaultInjectionFileSystem[] fs = {new FaultInjectionFileSystem(seed)};
    StrataDB db = config == null ? null : open(fs[0], config, gen);
    List<Snapshot> snaps = new ArrayList<>();
    try {
      for (int i = 0; i < ops; i++) {
        int r = rnd.nextInt(1000);
        if (r < 450) {
          List<OpGenerator.WriteOp> w = gen.nextWrite(rnd.nextInt(10) == 0 ? 300 : 20);
          if (db == null) {
            OpGenerator.apply(model, w);
          } else {
            OpGenerator.apply(db, w, WriteOptions.DEFAULT);
          }
          history.add("w");
        } else if (r < 700 && r >= 650) {
          // multiGet of 1 to 12 keys (repeats possible), at the latest state or a snapshot.
          List<byte[]> keys = new ArrayList<>();
          int n = 1 + rnd.nextInt(12);
          for (int j = 0; j < n; j++) {
            keys.add(gen.key());
          }
          int snap = snaps.size() + modelSnaps.size() > 0 && rnd.nextInt(3) == 0
              ? rnd.nextInt(Math.max(snaps.size(), modelSnaps.size())) : -1;
          StringBuilder h = new StringBuilder("mget");
          List<byte[]> values = new ArrayList<>();
          if (db == null) {
            for (byte[] k : keys) {
              values.add(snap < 0 ? model.get(k) : modelSnaps.get(snap).get(k));
            }
          } else {
            values =
                snap < 0
                    ? db.multiGet(keys)
                    : db.multiGet(keys, ReadOptions.builder().snapshot(snaps.get(snap)).build());
          }
          for (int j = 0; j < n; j++) {
            h.append(' ').append(str(keys.get(j))).append('=').append(read(values.get(j)));
          }
          history.add(h.toString());
        } else if (r < 700) {
          byte[] k = gen.key();
          int snap = snaps.size() + modelSnaps.size() > 0 && rnd.nextInt(3) == 0
              ? rnd.nextInt(Math.max(snaps.size(), modelSnaps.size())) : -1;
          byte[] v;
          if (db == null) {
            v = snap < 0 ? model.get(k) : modelSnaps.get(snap).get(k);
          } else {
            v = snap < 0 ? db.get(k)
                : db.get(k, ReadOptions.builder().snapshot(snaps.get(snap)).build());
          }
          history.add("get " + str(k) + "=" + read(v));
        } else if (r < 900) {
          history.add(iterate(rnd, gen, db, model, db == null ? modelSnaps : null, snaps));
        } else if (r < 930) {
          if (db == null) {
            modelSnaps.add(model.snapshot());
          } else {
            snaps.add(db.getSnapshot());
          }
          history.add("snap");
        } else if (r < 945) {
          int n = Math.max(snaps.size(), modelSnaps.size());
          if (n > 0) {
            int j = rnd.nextInt(n);
            if (db == null) {
              modelSnaps.remove(j);
            } else {
              snaps.remove(j).close();
            }
          }
          history.add("release");
        } else if (r < 960) {
          if (db != null) {
            db.flush();
          }
          history.add("flush");
        } else if (r < 970) {
          byte[] a;
          byte[] b;
          if (distribution == null) {
            a = rnd.nextBoolean() ? null : gen.key();
            b = rnd.nextBoolean() ? null : gen.key();
          } else {
            byte[][] range = RandomCompaction.range(rnd, gen.keys());
            a = range[0];
            b = range[1];
          }
          if (db != null) {
            db.compactRange(a, b);
          }
          history.add("compact");
        } else if (r < 985) {
          // Reopen: snapshots do not survive.
          if (db != null) {
            snaps.clear();
            db.close();
            db = open(fs[0], config, gen);
          }
          modelSnaps.clear();
          history.add("reopen");
        } else {
          // Crash-restart after a forced write: everything acknowledged is durable.
          byte[] k = gen.key();
          byte[] v = gen.value(10);
          if (db == null) {
            model.put(k, v);
          } else {
            db.put(k, v, WriteOptions.SYNC);
            snaps.clear();
            FaultInjectionFileSystem after = fs[0].crash(CrashMode.DROP_UNSYNCED, new Random(i));
            db.close();
            fs[0] = after;
            db = open(fs[0], config, gen);
          }
          modelSnaps.clear();
          history.add("crash");
        }
      }
    } finally {
      if (db != null) {
        db.close();
      }
    }
    return history;
  }

  private static StrataDB open(
      FaultInjectionFileSystem fs,
      Function<Options.Builder, Options.Builder> config,
      OpGenerator gen) {
    return StrataDB.open(
        DIR,
        config
            .apply(
                Options.builder()
                    .fileSystem(fs)
                    .mergeOperator(gen.mergeOperator())
                    .compactionFilter(new MarkedValues())
                    .prefixExtractor(PREFIX))
            .build());
  }

  private static String iterate(
      Random rnd, OpGenerator gen, StrataDB db, ModelDb model,
      List<NavigableMap<byte[], byte[]>> modelSnaps, List<Snapshot> snaps) {
    byte[] lower = rnd.nextInt(3) == 0 ? gen.key() : null;
    byte[] upper = rnd.nextInt(3) == 0 ? gen.key() : null;
    boolean forward = rnd.nextBoolean();
    byte[] target = rnd.nextBoolean() ? gen.key() : null;
    int limit = 1 + rnd.nextInt(30);
    int n = db == null ? modelSnaps.size() : snaps.size();
    int snap = n > 0 && rnd.nextInt(3) == 0 ? rnd.nextInt(n) : -1;
    boolean prefixed = rnd.nextInt(4) == 0;
    if (prefixed && target == null) {
      target = gen.key();
    }
    StringBuilder out = new StringBuilder(forward ? "fwd" : "bwd").append(prefixed ? "-prefix" : "");
    if (db == null) {
      NavigableMap<byte[], byte[]> m = snap < 0 ? model.view() : modelSnaps.get(snap);
      if (lower != null) {
        m = m.tailMap(lower, true);
      }
      if (upper != null) {
        m = lower != null && dev.strata.util.Bytes.compare(lower, upper) >= 0
            ? new java.util.TreeMap<>(dev.strata.util.Bytes.COMPARATOR)
            : m.headMap(upper, false);
      }
      m = MarkedValues.filteredView(m);
      if (prefixed) {
        m = ModelDb.withPrefixOf(m, PREFIX, target);
      }
      NavigableMap<byte[], byte[]> view = forward
          ? (target == null ? m : m.tailMap(target, true))
          : (target == null ? m.descendingMap() : m.headMap(target, true).descendingMap());
      int i = 0;
      for (Map.Entry<byte[], byte[]> e : view.entrySet()) {
        if (i++ == limit) {
          break;
        }
        out.append(' ').append(str(e.getKey())).append('=').append(str(e.getValue()));
      }
      return out.toString();
    }
    ReadOptions.Builder ro =
        ReadOptions.builder().lowerBound(lower).upperBound(upper).prefixSameAsStart(prefixed);
    if (snap >= 0) {
      ro.snapshot(snaps.get(snap));
    }
    try (DBIterator it = db.newIterator(ro.build())) {
      if (forward) {
        if (target == null) {
          it.seekToFirst();
        } else {
          it.seek(target);
        }
      } else if (target == null) {
        it.seekToLast();
      } else {
        it.seekForPrev(target);
      }
      for (int i = 0; i < limit && it.isValid(); ) {
        byte[] v = MarkedValues.filtered(it.value());
        if (v != null) {
          out.append(' ').append(str(it.key())).append('=').append(str(v));
          i++;
        }
        if (forward) {
          it.next();
        } else {
          it.prev();
        }
      }
    }
    return out.toString();
  }

  /** What a history records of a value read: what the filter makes of it (null if removed). */
  private static String read(byte[] b) {
    return str(MarkedValues.filtered(b));
  }

  /** Printable ASCII as is, other bytes (a counter's) as {@code \xNN}: no two arrays alike. */
  private static String str(byte[] b) {
    if (b == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(b.length);
    for (byte x : b) {
      if (x >= 0x20 && x < 0x7F && x != '\\') {
        out.append((char) x);
      } else {
        out.append(String.format("\\x%02x", x & 0xFF));
      }
    }
    return out.toString();
  }
}
