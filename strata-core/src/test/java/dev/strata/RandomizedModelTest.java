package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.KeyDistribution;
import dev.strata.testing.MarkedValues;
import dev.strata.testing.ModelDb;
import dev.strata.testing.RandomCompaction;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random puts, deletes, batches, gets, bounded scans in both directions, snapshot reads, flushes,
 * compactions and reopens run against Strata and a {@link ModelDb}; every read must match. Runs
 * per memtable kind and shard count, per compression kind, with compaction on and off and tiny
 * memtables so that many tables and levels exist, and per {@link KeyDistribution} with drawn
 * level-0 triggers, read-triggered compaction and bounded compactions. Configurations with a
 * prefix extractor make half their scans prefix-bounded ({@code prefixSameAsStart}).
 *
 * <p>Every run merges (with {@link MergeOperators#stringAppend} or, in half the configurations,
 * {@link MergeOperators#uint64Add} over 8-byte counters) and runs the {@link MarkedValues}
 * compaction filter: one put in eight writes a marked value, which compactions may remove or
 * change at any time the engine chooses. Reads where the model holds a marked value accept it or
 * its filtered form ({@link MarkedValues#allowed}), a scan may skip a key whose value the filter
 * removes, and at the end, with every snapshot released, a full compaction must leave exactly the
 * model with the filter applied.
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
        Arguments.of("sharded-16", base, 100_000, false),
        Arguments.of("sharded-1", base.toBuilder().memtableShards(1).build(), 100_000, true),
        Arguments.of(
            "skiplist", base.toBuilder().memtable(MemtableKind.SKIPLIST).build(), 100_000, false),
        Arguments.of(
            "no-compression-no-bg-compaction",
            base.toBuilder()
                .compression(Compression.NONE)
                .backgroundCompaction(false)
                .level0SlowdownTrigger(1000)
                .level0StopTrigger(1000)
                .build(),
            30_000,
            true),
        Arguments.of(
            "zstd-tiny-memtable",
            base.toBuilder().compression(Compression.ZSTD).memtableSizeBytes(4096).build(),
            20_000,
            true),
        // Keys "key%05d": 6-byte prefixes of about 10 keys each; half the scans prefix-bounded.
        Arguments.of(
            "prefix-extractor-6",
            base.toBuilder().prefixExtractor(PrefixExtractor.fixedLength(6)).build(),
            50_000,
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void randomOps_matchModel(String name, Options options, int ops, boolean uint64) {
    long seed = Seeds.seed("RandomizedModelTest." + name);
    Random rnd = new Random(seed);
    run(name, options, dir, ops, seed, rnd, new UniformKeys(rnd), new Values(rnd, uint64));
  }

  /**
   * Keys of each {@link KeyDistribution} on small memtables with background compaction, a drawn
   * level-0 trigger from 2 to 12 and read-triggered compaction on, plus flushes and bounded
   * {@code compactRange} calls at random points: level-0 files over narrow, moving ranges that
   * overlap in chains, which uniform keys never make. CI: 12,000 operations per distribution;
   * soak: 200,000.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(KeyDistribution.class)
  void clusteredKeys_matchModel(KeyDistribution distribution) {
    long seed = Seeds.seed("RandomizedModelTest.clustered-" + distribution);
    Random rnd = new Random(seed);
    Options.Builder builder = clusteredOptions(rnd, true);
    // Prefix-bounded scans over keys of shared prefixes ("a/", "a/b/", "a/bcd/", "q": 4-byte
    // prefixes cut through them, and "q" keys under 4 bytes are out of the domain) and over
    // Zipfian "k%06d" keys (5-byte prefixes of 10 keys).
    if (distribution == KeyDistribution.PREFIX) {
      builder.prefixExtractor(PrefixExtractor.fixedLength(4));
    } else if (distribution == KeyDistribution.ZIPFIAN) {
      builder.prefixExtractor(PrefixExtractor.fixedLength(5));
    }
    Options options = builder.build();
    // Counters for every other distribution; the test below takes the others.
    boolean uint64 = distribution.ordinal() % 2 == 1;
    clustered(
        "clustered-" + distribution, options, distribution, seed, rnd, uint64, 12_000, 200_000, 50, 400);
  }

  /**
   * As {@link #clusteredKeys_matchModel} with background compaction off and the level-0 triggers
   * out of reach (as {@link RandomCompaction#either} sets them): level 0 grows until one of the
   * random {@code compactRange} calls, most of them bounded, lowers part of it: the longest
   * chains of overlapping level-0 files. CI: 18,000 operations per distribution; soak: 300,000.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(KeyDistribution.class)
  void clusteredKeys_backgroundCompactionOff_matchModel(KeyDistribution distribution) {
    long seed = Seeds.seed("RandomizedModelTest.clustered-no-bg-" + distribution);
    Random rnd = new Random(seed);
    Options options =
        clusteredOptions(rnd, false)
            .level0SlowdownTrigger(RandomCompaction.OUT_OF_REACH)
            .level0StopTrigger(RandomCompaction.OUT_OF_REACH)
            .build();
    clustered(
        "clustered-no-bg-" + distribution, options, distribution, seed, rnd,
        distribution.ordinal() % 2 == 0, 18_000, 300_000, 25, 500);
  }

  /**
   * Background compaction off with the level-0 slowdown and stop triggers in reach (a
   * distribution drawn from the seed): level 0 is lowered only by the random {@code compactRange}
   * calls, and the writes between them must not fail on a level-0 stall, since no compaction
   * thread exists to end it. The write-stall timeout is 2 s so that such a failure shows at once.
   * Extra flushes and compactions are rare: writes stop at the trigger only when they fill the
   * memtable, and level 0 must reach the trigger between compactions. CI: 10,000 operations;
   * soak: 100,000.
   */
  @Test
  void clusteredKeys_backgroundCompactionOff_level0TriggersInReach_writesDoNotStall() {
    long seed = Seeds.seed("RandomizedModelTest.clustered-no-bg-in-reach");
    Random rnd = new Random(seed);
    KeyDistribution distribution =
        KeyDistribution.values()[rnd.nextInt(KeyDistribution.values().length)];
    Options options =
        clusteredOptions(rnd, false).writeStallTimeout(Duration.ofSeconds(2)).build();
    clustered(
        "clustered-no-bg-in-reach-" + distribution, options, distribution, seed, rnd,
        rnd.nextBoolean(), 10_000, 100_000, 1000, 5000);
  }

  private static Options.Builder clusteredOptions(Random rnd, boolean background) {
    return RandomCompaction.clustered(Options.builder(), rnd, background)
        .memtableShards(1 << rnd.nextInt(5))
        .blockSizeBytes(256 << rnd.nextInt(4));
  }

  /**
   * One run of {@code ops} operations ({@code soakOps} in soak), with an extra flush before one
   * operation in {@code flushOdds} and an extra bounded compaction before one in {@code
   * compactOdds}.
   */
  private void clustered(
      String name,
      Options options,
      KeyDistribution distribution,
      long seed,
      Random rnd,
      boolean uint64,
      int ops,
      int soakOps,
      int flushOdds,
      int compactOdds) {
    System.out.println(name + ": " + options);
    int n = Boolean.getBoolean("strata.soak") ? soakOps : ops;
    KeyDistribution.Source source = distribution.source(rnd, 5000);
    // In memory: these runs flush and compact thousands of tiny tables, and the forces of a real
    // disk would dominate their time without adding to what they check.
    Options inMemory = options.toBuilder().fileSystem(new FaultInjectionFileSystem(seed)).build();
    run(name, inMemory, Path.of("/db"), n, seed, rnd,
        new ClusteredKeys(rnd, source, flushOdds, compactOdds), new Values(rnd, uint64));
  }

  /** Where a run's keys come from, and whether it adds flushes and bounded compactions. */
  private interface Keys {
    byte[] next();

    /** Bounds for a compactRange call. */
    byte[][] range();

    /** Extra flushes and compactRange calls, drawn before each operation; true if one ran. */
    boolean maybeFlushOrCompact(StrataDB db, ModelDb model, String where);

    /** Checks the database after a compaction the main loop drew. */
    void checkAfterCompaction(StrataDB db, ModelDb model, String where);

    /** Checks the database after the final full compaction, with no snapshot live. */
    void checkAfterFullCompaction(StrataDB db, ModelDb model, String where);
  }

  /** The original key space: 3,000 uniform keys, compactRange bounds of random keys or null. */
  private static final class UniformKeys implements Keys {
    private final Random rnd;

    UniformKeys(Random rnd) {
      this.rnd = rnd;
    }

    @Override
    public byte[] next() {
      return key(rnd);
    }

    @Override
    public byte[][] range() {
      byte[] begin = rnd.nextBoolean() ? null : key(rnd);
      byte[] end = rnd.nextBoolean() ? null : key(rnd);
      return new byte[][] {begin, end};
    }

    @Override
    public boolean maybeFlushOrCompact(StrataDB db, ModelDb model, String where) {
      return false;
    }

    @Override
    public void checkAfterCompaction(StrataDB db, ModelDb model, String where) {}

    @Override
    public void checkAfterFullCompaction(StrataDB db, ModelDb model, String where) {}
  }

  /**
   * Keys of a distribution (one in 20 drawn uniformly instead). Before each operation, one in
   * {@code flushOdds} is an extra flush, so that level 0 gathers files between compactions, and
   * one in {@code compactOdds} an extra {@code compactRange} with {@link RandomCompaction#range}
   * bounds. After each compaction (these and the main loop's) every
   * key of the key space is read back with {@code get}: a get stops at the first level holding a
   * key, so it sees a newer version left below an older one, which a merging iterator hides.
   */
  private static final class ClusteredKeys implements Keys {
    private final Random rnd;
    private final KeyDistribution.Source source;
    private final int flushOdds;
    private final int compactOdds;

    ClusteredKeys(Random rnd, KeyDistribution.Source source, int flushOdds, int compactOdds) {
      this.rnd = rnd;
      this.source = source;
      this.flushOdds = flushOdds;
      this.compactOdds = compactOdds;
    }

    @Override
    public byte[] next() {
      return rnd.nextInt(20) == 0 ? source.anyKey() : source.next();
    }

    @Override
    public byte[][] range() {
      return RandomCompaction.range(rnd, source);
    }

    @Override
    public boolean maybeFlushOrCompact(StrataDB db, ModelDb model, String where) {
      if (rnd.nextInt(flushOdds) == 0) {
        db.flush();
        return true;
      }
      if (rnd.nextInt(compactOdds) == 0) {
        byte[][] range = range();
        db.compactRange(range[0], range[1]);
        checkAfterCompaction(
            db, model, where + " after compactRange(" + str(range[0]) + ", " + str(range[1]) + ")");
        return true;
      }
      return false;
    }

    @Override
    public void checkAfterCompaction(StrataDB db, ModelDb model, String where) {
      checkEveryKey(db, model, source, where);
    }

    @Override
    public void checkAfterFullCompaction(StrataDB db, ModelDb model, String where) {
      checkEveryKeyFiltered(db, model, source, where);
    }
  }

  /** A multiGet of 1 to 40 keys (repeats allowed) compared key by key with the model's view. */
  private static void multiGet(
      StrataDB db,
      ReadOptions ro,
      java.util.Map<byte[], byte[]> view,
      Random rnd,
      Keys keys,
      String where) {
    List<byte[]> asked = new ArrayList<>();
    int n = 1 + rnd.nextInt(40);
    for (int i = 0; i < n; i++) {
      asked.add(rnd.nextInt(8) == 0 && !asked.isEmpty() ? asked.get(rnd.nextInt(asked.size())) : keys.next());
    }
    List<byte[]> got = db.multiGet(asked, ro);
    assertThat(got).as(where).hasSize(n);
    for (int i = 0; i < n; i++) {
      checkRead(view.get(asked.get(i)), got.get(i), where + " key " + str(asked.get(i)));
    }
  }

  /**
   * Fails unless a read may return {@code actual} where the model holds {@code expected}: the
   * value itself, or its filtered form if it is marked ({@link MarkedValues#allowed}).
   */
  private static void checkRead(byte[] expected, byte[] actual, String where) {
    if (!MarkedValues.allowed(expected, actual)) {
      throw new AssertionError(
          where + ": read " + hex(actual) + ", expected " + hex(expected)
              + (MarkedValues.isMarked(expected)
                  ? " or " + hex(MarkedValues.filtered(expected))
                  : ""));
    }
  }

  private static String hex(byte[] b) {
    return b == null ? "null" : Bytes.toHex(b, 64);
  }

  /** Reads every key of the key space with {@code get} and compares it with the model. */
  private static void checkEveryKey(
      StrataDB db, ModelDb model, KeyDistribution.Source keys, String where) {
    for (int i = 0; i < keys.keySpace(); i++) {
      byte[] k = keys.key(i);
      checkRead(model.get(k), db.get(k), where + ": get(" + str(k) + ")");
    }
  }

  /** As {@link #checkEveryKey}, against the model with the filter applied to every value. */
  private static void checkEveryKeyFiltered(
      StrataDB db, ModelDb model, KeyDistribution.Source keys, String where) {
    for (int i = 0; i < keys.keySpace(); i++) {
      byte[] k = keys.key(i);
      byte[] expected = MarkedValues.filtered(model.get(k));
      byte[] actual = db.get(k);
      if (!Arrays.equals(actual, expected)) {
        throw new AssertionError(
            where + ": get(" + str(k) + ") returned " + str(actual) + ", expected "
                + str(expected));
      }
    }
  }

  /** Bounds of a range deletion: two drawn keys in order, sometimes equal (an empty range). */
  private static byte[][] deleteRange(Keys keys) {
    byte[] a = keys.next();
    byte[] b = keys.next();
    return Bytes.compare(a, b) <= 0 ? new byte[][] {a, b} : new byte[][] {b, a};
  }

  private static String str(byte[] b) {
    return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
  }

  private static void run(
      String name,
      Options options,
      Path dir,
      int ops,
      long seed,
      Random rnd,
      Keys keys,
      Values values) {
    ModelDb model = new ModelDb();
    name = name + (values.uint64 ? " uint64Add" : " stringAppend");
    options =
        options.toBuilder()
            .mergeOperator(values.operator())
            .compactionFilter(new MarkedValues())
            .build();
    StrataDB db = StrataDB.open(dir, options);
    Map<Snapshot, NavigableMap<byte[], byte[]>> snaps = new IdentityHashMap<>();
    List<Snapshot> snapList = new ArrayList<>();
    int op = 0;
    try {
      for (; op < ops; op++) {
        if (keys.maybeFlushOrCompact(db, model, name + " seed=" + seed + " op=" + op)) {
          continue;
        }
        int r = rnd.nextInt(10_000);
        String where = name + " seed=" + seed + " op=" + op;
        if (r < 3600) {
          byte[] k = keys.next();
          byte[] v = values.putValue(op);
          db.put(k, v);
          model.put(k, v);
        } else if (r < 4000) {
          // A merge operand: over clustered keys, chains of operands on a key build up across
          // memtables and tables, with puts, deletes and range deletions between them. Onto a
          // marked value it is a put instead (see MarkedValues).
          byte[] k = keys.next();
          byte[] v = values.operand(op);
          if (MarkedValues.isMarked(model.get(k))) {
            db.put(k, v);
            model.put(k, v);
          } else {
            db.merge(k, v);
            values.merge(model, k, v);
          }
        } else if (r < 4900) {
          byte[] k = keys.next();
          db.delete(k);
          model.delete(k);
        } else if (r < 5000) {
          // A range deletion between two drawn keys: over clustered keys it hides a run of
          // neighbours, which later writes, flushes and compactions must keep hidden.
          byte[][] range = deleteRange(keys);
          db.deleteRange(range[0], range[1]);
          model.deleteRange(range[0], range[1]);
        } else if (r < 5400) {
          WriteBatch batch = new WriteBatch();
          int n = 1 + rnd.nextInt(10);
          for (int i = 0; i < n; i++) {
            byte[] k = keys.next();
            if (rnd.nextInt(20) == 0) {
              byte[][] range = deleteRange(keys);
              batch.deleteRange(range[0], range[1]);
              model.deleteRange(range[0], range[1]);
            } else if (rnd.nextInt(8) == 0 && !MarkedValues.isMarked(model.get(k))) {
              byte[] v = values.operand(op);
              batch.merge(k, v);
              values.merge(model, k, v);
            } else if (rnd.nextInt(4) == 0) {
              batch.delete(k);
              model.delete(k);
            } else {
              byte[] v = values.putValue(op);
              batch.put(k, v);
              model.put(k, v);
            }
          }
          db.write(batch, rnd.nextInt(50) == 0 ? WriteOptions.SYNC : WriteOptions.DEFAULT);
        } else if (r < 7900) {
          byte[] k = keys.next();
          byte[] got = db.get(k);
          checkRead(model.get(k), got, where + " get(" + str(k) + ")");
          // A value the filter removes may be dropped by a compaction between the get and
          // keyMayExist (at the bottom level, with no snapshot, it leaves no tombstone either), so
          // keyMayExist may then rightly say false.
          if (got != null && !MarkedValues.mayBeAbsent(model.get(k))) {
            assertThat(db.keyMayExist(k)).as(where + " keyMayExist").isTrue();
          }
          if (r < 6400) {
            multiGet(db, ReadOptions.DEFAULT, model.view(), rnd, keys, where + " multiGet");
          }
        } else if (r < 8400) {
          scan(db, ReadOptions.DEFAULT, model.view(), rnd, keys, where, options);
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
            int kind = rnd.nextInt(3);
            if (kind == 0) {
              byte[] k = keys.next();
              checkRead(view.get(k), db.get(k, ro), where + " snapshot get(" + str(k) + ")");
            } else if (kind == 1) {
              multiGet(db, ro, view, rnd, keys, where + " snapshot multiGet");
            } else {
              scan(db, ro, view, rnd, keys, where + " snapshot scan", options);
            }
          }
        } else if (r < 9950) {
          db.flush();
        } else if (r < 9965) {
          byte[][] range = keys.range();
          db.compactRange(range[0], range[1]);
          keys.checkAfterCompaction(db, model, where + " after compactRange");
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
      // Final full comparison after a full compaction with no snapshot live: every marked value
      // filtered.
      for (Snapshot s : snapList) {
        s.close();
      }
      snapList.clear();
      snaps.clear();
      db.compactRange(null, null);
      List<String> expected = new ArrayList<>();
      for (Map.Entry<byte[], byte[]> e : MarkedValues.filteredView(model.view()).entrySet()) {
        expected.add(Bytes.toHex(e.getKey(), 64) + "=" + Bytes.toHex(e.getValue(), 64));
      }
      List<String> actual = new ArrayList<>();
      try (DBIterator it = db.newIterator()) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          actual.add(Bytes.toHex(it.key(), 64) + "=" + Bytes.toHex(it.value(), 64));
        }
      }
      assertThat(actual).as(name + " seed=" + seed + " final scan").isEqualTo(expected);
      keys.checkAfterFullCompaction(db, model, name + " seed=" + seed + " final gets");
    } catch (StrataException e) {
      throw new AssertionError(name + " seed=" + seed + " op=" + op + ": " + e, e);
    } finally {
      for (Snapshot s : snapList) {
        s.close();
      }
      db.close();
    }
  }

  /**
   * A scan from a drawn start with drawn bounds, compared step by step with the model. With a
   * prefix extractor, half the scans are prefix-bounded: the model then keeps only the keys with
   * the start's prefix (a seek's target, or the key seekToFirst or seekToLast lands on).
   */
  private static void scan(
      StrataDB db,
      ReadOptions base,
      NavigableMap<byte[], byte[]> view,
      Random rnd,
      Keys keys,
      String where,
      Options options) {
    PrefixExtractor extractor = options.prefixExtractor();
    boolean prefixed = extractor != null && rnd.nextBoolean();
    byte[] lo = rnd.nextInt(3) == 0 ? keys.next() : null;
    byte[] hi = rnd.nextInt(3) == 0 ? keys.next() : null;
    if (lo != null && hi != null && Bytes.compare(lo, hi) > 0) {
      byte[] t = lo;
      lo = hi;
      hi = t;
    }
    ReadOptions ro =
        ReadOptions.builder()
            .snapshot(base.snapshot())
            .lowerBound(lo)
            .upperBound(hi)
            .prefixSameAsStart(prefixed)
            .build();
    NavigableMap<byte[], byte[]> range = view;
    if (lo != null) {
      range = range.tailMap(lo, true);
    }
    if (hi != null) {
      range = range.headMap(hi, false);
    }
    boolean forward = rnd.nextBoolean();
    byte[] start = keys.next();
    int steps = 1 + rnd.nextInt(40);
    try (DBIterator it = db.newIterator(ro)) {
      Map.Entry<byte[], byte[]> expected;
      boolean toEnd = rnd.nextBoolean();
      if (prefixed && !toEnd) {
        range = ModelDb.withPrefixOf(range, extractor, start);
      }
      if (forward) {
        if (toEnd) {
          it.seekToFirst();
          expected = range.firstEntry();
        } else {
          it.seek(start);
          expected = range.ceilingEntry(start);
        }
      } else {
        if (toEnd) {
          it.seekToLast();
          expected = range.lastEntry();
        } else {
          it.seekForPrev(start);
          expected = range.floorEntry(start);
        }
      }
      expected = skipRemoved(it, range, expected, forward);
      if (prefixed && toEnd && expected != null) {
        range = ModelDb.withPrefixOf(range, extractor, expected.getKey());
      }
      for (int i = 0; i < steps; i++) {
        if (expected == null) {
          assertThat(it.isValid()).as(where + " step " + i + " expected end").isFalse();
          break;
        }
        assertThat(it.isValid()).as(where + " step " + i + " expected " + ModelDb.describe(expected)).isTrue();
        assertThat(it.key()).as(where + " key step " + i).isEqualTo(expected.getKey());
        checkRead(expected.getValue(), it.value(), where + " value step " + i);
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
        expected = skipRemoved(it, range, expected, forward);
      }
    }
  }

  /**
   * The model entry the iterator must be on: {@code expected}, or the first one after it in the
   * direction of travel, skipping entries the filter removes ({@link MarkedValues#mayBeAbsent})
   * that the iterator does not show.
   */
  private static Map.Entry<byte[], byte[]> skipRemoved(
      DBIterator it,
      NavigableMap<byte[], byte[]> range,
      Map.Entry<byte[], byte[]> expected,
      boolean forward) {
    while (expected != null
        && MarkedValues.mayBeAbsent(expected.getValue())
        && (!it.isValid() || !Arrays.equals(it.key(), expected.getKey()))) {
      byte[] k = expected.getKey();
      expected = forward ? range.higherEntry(k) : range.lowerEntry(k);
    }
    return expected;
  }

  private static byte[] key(Random rnd) {
    return String.format("key%05d", rnd.nextInt(3000)).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A run's values and its merge operator: strings under {@link MergeOperators#stringAppend}, or
   * 8-byte counters under {@link MergeOperators#uint64Add}. One put in eight writes a value marked
   * for the {@link MarkedValues} filter; operands are never marked, and neither is a merge result
   * (operands and counters below 2^40 never end in a marker byte).
   */
  private static final class Values {
    private final Random rnd;
    private final boolean uint64;

    Values(Random rnd, boolean uint64) {
      this.rnd = rnd;
      this.uint64 = uint64;
    }

    MergeOperator operator() {
      return uint64 ? MergeOperators.uint64Add() : MergeOperators.stringAppend((byte) ',');
    }

    byte[] putValue(int op) {
      byte[] v = operand(op);
      int mark = rnd.nextInt(16);
      return mark == 0
          ? MarkedValues.mark(v, MarkedValues.REMOVE)
          : mark == 1 ? MarkedValues.mark(v, MarkedValues.CHANGE) : v;
    }

    byte[] operand(int op) {
      if (uint64) {
        return MergeOperators.uint64(rnd.nextLong() & ((1L << 40) - 1));
      }
      int len = rnd.nextInt(8) == 0 ? rnd.nextInt(400) : 10 + rnd.nextInt(30);
      byte[] v = new byte[len];
      for (int i = 0; i < len; i++) {
        v[i] = (byte) ('a' + (op + i) % 26);
      }
      return v;
    }

    void merge(ModelDb model, byte[] k, byte[] operand) {
      if (uint64) {
        model.addUint64(k, operand);
      } else {
        model.appendMerge(k, operand, (byte) ',');
      }
    }
  }
}
