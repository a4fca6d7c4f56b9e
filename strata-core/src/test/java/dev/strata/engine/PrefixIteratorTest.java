package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.PrefixExtractor;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.Statistics;
import dev.strata.StrataDB;
import dev.strata.Ticker;
import dev.strata.fs.FileSystem;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableReader;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.ModelDb;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Prefix extractors end to end: prefix-bounded iterators ({@code prefixSameAsStart}) against a
 * model in both directions, with and without bounds, over the memtable, level 0 and sorted levels,
 * with deletes, range deletions and snapshots; keys out of the domain; a custom extractor; tables
 * skipped by their prefix filter (counted, and without a data block read), never at the cost of a
 * range deletion they hold; and reopening with another extractor or none, whose tables' filters
 * must never be trusted.
 */
class PrefixIteratorTest {
  private static final Path DIR = Path.of("/db");

  /** The prefix is everything up to and including the first ':'; keys without one are out. */
  static class UpToColon implements PrefixExtractor {
    @Override
    public String name() {
      return "test.UpToColon";
    }

    @Override
    public boolean inDomain(byte[] key) {
      return indexOfColon(key) >= 0;
    }

    @Override
    public int prefixLength(byte[] key) {
      return indexOfColon(key) + 1;
    }

    private static int indexOfColon(byte[] key) {
      for (int i = 0; i < key.length; i++) {
        if (key[i] == ':') {
          return i;
        }
      }
      return -1;
    }
  }

  private static Options.Builder smallTables(FileSystem fs) {
    return Options.builder()
        .fileSystem(fs)
        .memtableSizeBytes(256 * 1024)
        .blockSizeBytes(256)
        .targetFileSizeBytes(4 * 1024)
        .maxBytesForLevelBase(16 * 1024)
        .backgroundCompaction(false)
        .level0SlowdownTrigger(1000)
        .level0StopTrigger(1000);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String str(byte[] k) {
    return k == null ? "null" : new String(k, StandardCharsets.UTF_8);
  }

  /** Fixed-length keys: 6-digit prefixes with short suffixes, and some keys under 6 bytes. */
  private static byte[] fixedKey(Random rnd) {
    if (rnd.nextInt(12) == 0) {
      return b(String.format("%06d", rnd.nextInt(60)).substring(0, 1 + rnd.nextInt(5)));
    }
    StringBuilder k = new StringBuilder(String.format("%06d", rnd.nextInt(60)));
    int suffix = rnd.nextInt(4);
    for (int i = 0; i < suffix; i++) {
      k.append((char) ('a' + rnd.nextInt(4)));
    }
    return b(k.toString());
  }

  /** Keys for {@link UpToColon}: {@code u<n>:<suffix>}, and some without a colon. */
  private static byte[] colonKey(Random rnd) {
    String head = "u" + rnd.nextInt(40);
    if (rnd.nextInt(12) == 0) {
      return b(rnd.nextBoolean() ? head : head + (char) ('a' + rnd.nextInt(3)));
    }
    StringBuilder k = new StringBuilder(head).append(':');
    int suffix = rnd.nextInt(4);
    for (int i = 0; i < suffix; i++) {
      k.append((char) ('a' + rnd.nextInt(4)));
    }
    return b(k.toString());
  }

  static Stream<Arguments> extractors() {
    Function<Random, byte[]> fixed = PrefixIteratorTest::fixedKey;
    Function<Random, byte[]> colon = PrefixIteratorTest::colonKey;
    return Stream.of(
        Arguments.of("fixed-6", PrefixExtractor.fixedLength(6), fixed),
        Arguments.of("up-to-colon", new UpToColon(), colon));
  }

  /**
   * Four phases leave data in a sorted level, in two level-0 tables and in the memtable; after
   * each, random prefix-bounded scans (both directions, direction changes, drawn bounds) at the
   * latest state and at every open snapshot must match the model, and every prefix of the model is
   * read whole forward and backward.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("extractors")
  void prefixScans_acrossMemtableLevel0AndSortedLevels_matchModel(
      String name, PrefixExtractor extractor, Function<Random, byte[]> keys) {
    long seed = Seeds.seed("PrefixIteratorTest." + name);
    Random rnd = new Random(seed);
    Options options = smallTables(new FaultInjectionFileSystem(seed)).prefixExtractor(extractor)
        .build();
    ModelDb model = new ModelDb();
    Map<Snapshot, NavigableMap<byte[], byte[]>> snaps = new IdentityHashMap<>();
    try (StrataDB db = StrataDB.open(DIR, options)) {
      for (int phase = 0; phase < 4; phase++) {
        for (int op = 0; op < 600; op++) {
          int r = rnd.nextInt(100);
          byte[] k = keys.apply(rnd);
          if (r < 70) {
            byte[] v = b(str(k) + "@" + phase + "." + op);
            db.put(k, v);
            model.put(k, v);
          } else if (r < 93) {
            db.delete(k);
            model.delete(k);
          } else {
            byte[] e = keys.apply(rnd);
            byte[] lo = Bytes.compare(k, e) <= 0 ? k : e;
            byte[] hi = lo == k ? e : k;
            db.deleteRange(lo, hi);
            model.deleteRange(lo, hi);
          }
          if (op == 300 && snaps.size() < 3) {
            snaps.put(db.getSnapshot(), model.snapshot());
          }
        }
        if (phase == 0) {
          db.flush();
          db.compactRange(null, null);
        } else if (phase < 3) {
          db.flush();
        }
        String where = name + " seed=" + seed + " phase=" + phase;
        checkEveryPrefix(db, ReadOptions.DEFAULT, model.view(), extractor, where);
        for (int i = 0; i < 150; i++) {
          scan(db, ReadOptions.DEFAULT, model.view(), extractor, rnd, keys, where + " scan " + i);
        }
        for (Map.Entry<Snapshot, NavigableMap<byte[], byte[]>> s : snaps.entrySet()) {
          ReadOptions ro = ReadOptions.builder().snapshot(s.getKey()).build();
          checkEveryPrefix(db, ro, s.getValue(), extractor, where + " snapshot");
          for (int i = 0; i < 30; i++) {
            scan(db, ro, s.getValue(), extractor, rnd, keys, where + " snapshot scan " + i);
          }
        }
      }
      assertThat(Integer.parseInt(db.getProperty("strata.num-files-at-level0"))).isEqualTo(2);
      assertThat(db.getStatistics().tickerCount(Ticker.BLOOM_PREFIX_CHECKED)).isPositive();
    } finally {
      for (Snapshot s : snaps.keySet()) {
        s.close();
      }
    }
  }

  /**
   * For every key of the model in the domain: seek to it and read forward, seekForPrev to it and
   * read backward; each must give exactly the model's keys of its prefix on that side.
   */
  private static void checkEveryPrefix(
      StrataDB db,
      ReadOptions base,
      NavigableMap<byte[], byte[]> view,
      PrefixExtractor extractor,
      String where) {
    ReadOptions ro = ReadOptions.builder().snapshot(base.snapshot()).prefixSameAsStart(true).build();
    try (DBIterator it = db.newIterator(ro)) {
      for (byte[] k : view.keySet()) {
        if (!extractor.inDomain(k)) {
          continue;
        }
        NavigableMap<byte[], byte[]> group = ModelDb.withPrefixOf(view, extractor, k);
        List<String> forward = new ArrayList<>();
        for (it.seek(k); it.isValid(); it.next()) {
          forward.add(str(it.key()) + "=" + str(it.value()));
        }
        assertThat(forward).as(where + " forward from " + str(k)).isEqualTo(render(group.tailMap(k, true)));
        List<String> backward = new ArrayList<>();
        for (it.seekForPrev(k); it.isValid(); it.prev()) {
          backward.add(str(it.key()) + "=" + str(it.value()));
        }
        assertThat(backward)
            .as(where + " backward from " + str(k))
            .isEqualTo(render(group.headMap(k, true).descendingMap()));
      }
    }
  }

  private static List<String> render(NavigableMap<byte[], byte[]> m) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : m.entrySet()) {
      out.add(str(e.getKey()) + "=" + str(e.getValue()));
    }
    return out;
  }

  /**
   * One prefix-bounded scan: a drawn start (seek, seekForPrev, seekToFirst or seekToLast), drawn
   * bounds, then up to 30 steps with random direction changes, each compared with the model.
   */
  static void scan(
      StrataDB db,
      ReadOptions base,
      NavigableMap<byte[], byte[]> view,
      PrefixExtractor extractor,
      Random rnd,
      Function<Random, byte[]> keys,
      String where) {
    byte[] lo = rnd.nextInt(3) == 0 ? keys.apply(rnd) : null;
    byte[] hi = rnd.nextInt(3) == 0 ? keys.apply(rnd) : null;
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
            .prefixSameAsStart(true)
            .build();
    NavigableMap<byte[], byte[]> range = view;
    if (lo != null) {
      range = range.tailMap(lo, true);
    }
    if (hi != null) {
      range = range.headMap(hi, false);
    }
    String desc = where + " bounds [" + str(lo) + ", " + str(hi) + ")";
    byte[] start = keys.apply(rnd);
    try (DBIterator it = db.newIterator(ro)) {
      Map.Entry<byte[], byte[]> expected;
      boolean forward;
      boolean boundByLanding = false;
      switch (rnd.nextInt(4)) {
        case 0 -> {
          it.seek(start);
          range = ModelDb.withPrefixOf(range, extractor, start);
          expected = range.ceilingEntry(start);
          forward = true;
          desc += " seek(" + str(start) + ")";
        }
        case 1 -> {
          it.seekForPrev(start);
          range = ModelDb.withPrefixOf(range, extractor, start);
          expected = range.floorEntry(start);
          forward = false;
          desc += " seekForPrev(" + str(start) + ")";
        }
        case 2 -> {
          it.seekToFirst();
          expected = range.firstEntry();
          forward = true;
          boundByLanding = true;
          desc += " seekToFirst";
        }
        default -> {
          it.seekToLast();
          expected = range.lastEntry();
          forward = false;
          boundByLanding = true;
          desc += " seekToLast";
        }
      }
      if (expected != null && boundByLanding) {
        // seekToFirst and seekToLast bound the iterator by the key they land on.
        range = ModelDb.withPrefixOf(range, extractor, expected.getKey());
      }
      for (int i = 0; i < 30; i++) {
        if (expected == null) {
          assertThat(it.isValid()).as(desc + " step " + i + " expected the end").isFalse();
          return;
        }
        assertThat(it.isValid()).as(desc + " step " + i + " expected " + str(expected.getKey()))
            .isTrue();
        assertThat(str(it.key())).as(desc + " key at step " + i).isEqualTo(str(expected.getKey()));
        assertThat(it.value()).as(desc + " value at step " + i).isEqualTo(expected.getValue());
        if (rnd.nextInt(6) == 0) {
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

  private static List<String> keysOf(DBIterator it, boolean forward) {
    List<String> out = new ArrayList<>();
    for (; it.isValid(); ) {
      out.add(str(it.key()));
      if (forward) {
        it.next();
      } else {
        it.prev();
      }
    }
    return out;
  }

  @Test
  void keysShorterThanThePrefix_areOutOfTheDomain() {
    Options options =
        smallTables(new FaultInjectionFileSystem(1)).prefixExtractor(PrefixExtractor.fixedLength(6))
            .build();
    try (StrataDB db = StrataDB.open(DIR, options)) {
      for (String k : List.of("ab", "abcde", "abcdef", "abcdef1", "abcdef2", "abcdeg", "abd", "b")) {
        db.put(b(k), b("v" + k));
      }
      db.flush();
      ReadOptions ro = ReadOptions.builder().prefixSameAsStart(true).build();
      try (DBIterator it = db.newIterator(ro)) {
        it.seek(b("abcdef"));
        assertThat(keysOf(it, true)).containsExactly("abcdef", "abcdef1", "abcdef2");
        it.seek(b("abcdef0"));
        assertThat(keysOf(it, true)).containsExactly("abcdef1", "abcdef2");
        it.seekForPrev(b("abcdef9"));
        assertThat(keysOf(it, false)).containsExactly("abcdef2", "abcdef1", "abcdef");
        // Out of the domain: no bound until the next seek.
        it.seek(b("abc"));
        assertThat(keysOf(it, true))
            .containsExactly("abcde", "abcdef", "abcdef1", "abcdef2", "abcdeg", "abd", "b");
        it.seekForPrev(b("abcd"));
        assertThat(keysOf(it, false)).containsExactly("ab");
        // seekToFirst lands on "ab", out of the domain: unbounded.
        it.seekToFirst();
        assertThat(keysOf(it, true)).hasSize(8);
        // seekToLast lands on "b", out of the domain too.
        it.seekToLast();
        assertThat(keysOf(it, false)).hasSize(8);
        // An absent prefix between present ones.
        it.seek(b("abcdee"));
        assertThat(it.isValid()).isFalse();
        it.seekForPrev(b("abcdee"));
        assertThat(it.isValid()).isFalse();
        // A bound's prefix ends where a longer in-domain key of another prefix starts.
        it.seek(b("abcdeg"));
        assertThat(keysOf(it, true)).containsExactly("abcdeg");
      }
      // seekToFirst and seekToLast bound by the prefix of the key they land on.
      ReadOptions bounded =
          ReadOptions.builder().prefixSameAsStart(true).lowerBound(b("abcdef1")).upperBound(b("abd"))
              .build();
      try (DBIterator it = db.newIterator(bounded)) {
        it.seekToFirst();
        assertThat(keysOf(it, true)).containsExactly("abcdef1", "abcdef2");
        it.seekToLast();
        assertThat(keysOf(it, false)).containsExactly("abcdeg");
        it.seekToFirst();
        it.next();
        it.prev();
        assertThat(str(it.key())).isEqualTo("abcdef1");
        it.prev();
        assertThat(it.isValid()).isFalse();
      }
    }
  }

  /**
   * Tables whose key ranges cover every prefix (a sorted level cut into files, two level-0 tables)
   * and seeks to absent prefixes between the present ones: each consulted table is ruled out by
   * its prefix filter, counted in {@code BLOOM_PREFIX_USEFUL}, and almost no data block is read;
   * the same seeks in total order read one or more data blocks each and probe no prefix filter.
   */
  @Test
  void seekToAbsentPrefix_skipsTablesByTheirPrefixFilter_withoutReadingDataBlocks() {
    Options options =
        smallTables(new FaultInjectionFileSystem(2))
            .prefixExtractor(PrefixExtractor.fixedLength(8))
            .targetFileSizeBytes(64 * 1024)
            .build();
    try (StrataDB db = StrataDB.open(DIR, options)) {
      // Present prefixes are the even numbers; suffixes 0-1 go to a sorted level, 2 and 3 to one
      // level-0 table each.
      int[][] batches = {{0, 1}, {2}, {3}};
      for (int[] suffixes : batches) {
        for (int p = 0; p < 2000; p += 2) {
          for (int s : suffixes) {
            db.put(b(String.format("%08d%08d", p, s)), b("value-" + p + "-" + s));
          }
        }
        db.flush();
        if (suffixes[0] == 0) {
          db.compactRange(null, null);
        }
      }
      assertThat(Integer.parseInt(db.getProperty("strata.num-files-at-level0"))).isEqualTo(2);
      Statistics s = db.getStatistics();
      ReadOptions prefixed = ReadOptions.builder().prefixSameAsStart(true).build();

      long checked = s.tickerCount(Ticker.BLOOM_PREFIX_CHECKED);
      long useful = s.tickerCount(Ticker.BLOOM_PREFIX_USEFUL);
      long blocks = dataBlockAccesses(s);
      int seeks = 0;
      try (DBIterator it = db.newIterator(prefixed)) {
        for (int p = 1; p < 1000; p += 6) {
          it.seek(b(String.format("%08d", p)));
          assertThat(it.isValid()).as("absent prefix %d", p).isFalse();
          it.seekForPrev(b(String.format("%08d%08d", p, 9)));
          assertThat(it.isValid()).as("absent prefix %d backward", p).isFalse();
          seeks += 2;
        }
      }
      long probes = s.tickerCount(Ticker.BLOOM_PREFIX_CHECKED) - checked;
      long ruledOut = s.tickerCount(Ticker.BLOOM_PREFIX_USEFUL) - useful;
      long blockReads = dataBlockAccesses(s) - blocks;
      // Three tables reach every prefix: two level-0 tables and one file of the sorted level.
      assertThat(probes).isGreaterThanOrEqualTo(3L * seeks);
      assertThat(ruledOut).isGreaterThanOrEqualTo(probes * 95 / 100);
      // A false positive reads the block the prefix would be in, and perhaps the next one.
      assertThat(blockReads).isLessThanOrEqualTo(2 * (probes - ruledOut));

      checked = s.tickerCount(Ticker.BLOOM_PREFIX_CHECKED);
      blocks = dataBlockAccesses(s);
      try (DBIterator it = db.newIterator()) {
        for (int p = 1; p < 1000; p += 6) {
          it.seek(b(String.format("%08d", p)));
          assertThat(str(it.key())).startsWith(String.format("%08d", p + 1));
        }
      }
      assertThat(s.tickerCount(Ticker.BLOOM_PREFIX_CHECKED)).isEqualTo(checked);
      assertThat(dataBlockAccesses(s) - blocks).isGreaterThanOrEqualTo(seeks / 2);

      // Present prefixes read whole, each of its four keys from three tables.
      try (DBIterator it = db.newIterator(prefixed)) {
        for (int p = 0; p < 2000; p += 74) {
          String prefix = String.format("%08d", p);
          it.seek(b(prefix));
          assertThat(keysOf(it, true))
              .as("prefix %d", p)
              .hasSize(4)
              .allMatch(k -> k.startsWith(prefix));
        }
      }
    }
  }

  private static long dataBlockAccesses(Statistics s) {
    return s.tickerCount(Ticker.BLOCK_CACHE_DATA_HIT) + s.tickerCount(Ticker.BLOCK_CACHE_DATA_MISS);
  }

  /**
   * A newer table holding a range deletion over a prefix and point keys of other prefixes only:
   * its prefix filter rules the prefix out and its entries are skipped, but its range deletion
   * must still hide the prefix's keys in the older table, in both directions; a snapshot taken
   * before the deletion still sees them.
   */
  @Test
  void tableSkippedByPrefixFilter_stillAppliesItsRangeDeletions() {
    Options options =
        smallTables(new FaultInjectionFileSystem(3))
            .prefixExtractor(PrefixExtractor.fixedLength(4))
            .build();
    try (StrataDB db = StrataDB.open(DIR, options)) {
      for (String p : List.of("aaaa", "bbbb", "cccc")) {
        for (int i = 0; i < 5; i++) {
          db.put(b(p + i), b("old-" + p + i));
        }
      }
      db.flush();
      db.compactRange(null, null);
      try (Snapshot before = db.getSnapshot()) {
        db.deleteRange(b("bbbb"), b("bbbc"));
        db.put(b("aaaa9"), b("new"));
        db.put(b("cccc9"), b("new"));
        db.flush();
        assertThat(Integer.parseInt(db.getProperty("strata.num-files-at-level0"))).isEqualTo(1);
        Statistics s = db.getStatistics();
        long useful = s.tickerCount(Ticker.BLOOM_PREFIX_USEFUL);
        ReadOptions ro = ReadOptions.builder().prefixSameAsStart(true).build();
        try (DBIterator it = db.newIterator(ro)) {
          it.seek(b("bbbb"));
          assertThat(it.isValid()).isFalse();
          it.seekForPrev(b("bbbb9"));
          assertThat(it.isValid()).isFalse();
          it.seek(b("aaaa"));
          assertThat(keysOf(it, true)).containsExactly("aaaa0", "aaaa1", "aaaa2", "aaaa3", "aaaa4", "aaaa9");
        }
        // The level-0 table was ruled out for "bbbb" by its filter, not by its key range.
        assertThat(s.tickerCount(Ticker.BLOOM_PREFIX_USEFUL) - useful).isGreaterThanOrEqualTo(2);
        ReadOptions old = ReadOptions.builder().prefixSameAsStart(true).snapshot(before).build();
        try (DBIterator it = db.newIterator(old)) {
          it.seek(b("bbbb"));
          assertThat(keysOf(it, true)).containsExactly("bbbb0", "bbbb1", "bbbb2", "bbbb3", "bbbb4");
          it.seekForPrev(b("bbbb9"));
          assertThat(keysOf(it, false)).containsExactly("bbbb4", "bbbb3", "bbbb2", "bbbb1", "bbbb0");
        }
      }
      // A table of nothing but a range deletion (no entries, an empty filter) hides keys too.
      db.deleteRange(b("aaaa"), b("aaab"));
      db.flush();
      try (DBIterator it = db.newIterator(ReadOptions.builder().prefixSameAsStart(true).build())) {
        it.seek(b("aaaa"));
        assertThat(it.isValid()).isFalse();
        it.seekToFirst();
        assertThat(keysOf(it, true)).containsExactly("cccc0", "cccc1", "cccc2", "cccc3", "cccc4", "cccc9");
      }
    }
  }

  /**
   * Tables written with a 4-byte extractor hold 4-byte prefixes in their filters. Reopened with a
   * 6-byte extractor (another name), a prefix-bounded iterator must not probe those filters for
   * 6-byte prefixes, which they would mostly rule out: every key of every prefix is found, and no
   * prefix probe is counted until a table of the new extractor exists. Reopened without an
   * extractor, {@code prefixSameAsStart} is ignored; reopened with the first extractor again over
   * tables of both, each table's filter is used only for its own extractor.
   */
  @Test
  void reopen_withAnotherExtractorOrNone_neverTrustsOtherTablesFilters() throws IOException {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(4);
    ModelDb model = new ModelDb();
    Random rnd = new Random(4);
    PrefixExtractor four = PrefixExtractor.fixedLength(4);
    PrefixExtractor six = PrefixExtractor.fixedLength(6);
    try (StrataDB db = StrataDB.open(DIR, smallTables(fs).prefixExtractor(four).build())) {
      writeDigits(db, model, rnd, 3000);
      db.flush();
      db.compactRange(null, null);
      writeDigits(db, model, rnd, 500);
      db.flush();
    }
    assertThat(tableExtractorNames(fs)).containsOnly("strata.FixedPrefix.4");

    try (StrataDB db = StrataDB.open(DIR, smallTables(fs).prefixExtractor(six).build())) {
      checkEveryPrefix(db, ReadOptions.DEFAULT, model.view(), six, "reopened with 6");
      assertThat(db.getStatistics().tickerCount(Ticker.BLOOM_PREFIX_CHECKED)).isZero();
      writeDigits(db, model, rnd, 500);
      db.flush();
      checkEveryPrefix(db, ReadOptions.DEFAULT, model.view(), six, "reopened with 6, new table");
      assertThat(db.getStatistics().tickerCount(Ticker.BLOOM_PREFIX_CHECKED)).isPositive();
    }
    assertThat(tableExtractorNames(fs))
        .containsOnly("strata.FixedPrefix.4", "strata.FixedPrefix.6");

    try (StrataDB db = StrataDB.open(DIR, smallTables(fs).build())) {
      // No extractor: prefixSameAsStart is ignored, the iteration is in total order.
      try (DBIterator it = db.newIterator(ReadOptions.builder().prefixSameAsStart(true).build())) {
        it.seekToFirst();
        assertThat(keysOf(it, true))
            .isEqualTo(model.view().keySet().stream().map(PrefixIteratorTest::str).toList());
      }
      writeDigits(db, model, rnd, 300);
      db.flush();
    }
    assertThat(tableExtractorNames(fs))
        .containsOnly("strata.FixedPrefix.4", "strata.FixedPrefix.6", "");

    try (StrataDB db = StrataDB.open(DIR, smallTables(fs).prefixExtractor(four).build())) {
      checkEveryPrefix(db, ReadOptions.DEFAULT, model.view(), four, "reopened with 4 again");
      db.compactRange(null, null);
      checkEveryPrefix(db, ReadOptions.DEFAULT, model.view(), four, "compacted with 4");
    }
    assertThat(tableExtractorNames(fs)).containsOnly("strata.FixedPrefix.4");
  }

  /** Writes {@code n} puts and deletes of 8-digit keys over 2,000 keys spread over 10^8. */
  private static void writeDigits(StrataDB db, ModelDb model, Random rnd, int n) {
    for (int i = 0; i < n; i++) {
      byte[] k = b(String.format("%08d", rnd.nextInt(2000) * 49_999L % 100_000_000));
      if (rnd.nextInt(8) == 0) {
        db.delete(k);
        model.delete(k);
      } else {
        byte[] v = b("v" + i);
        db.put(k, v);
        model.put(k, v);
      }
    }
  }

  /** The prefix extractor name in each live table's properties ("" for none). */
  private static List<String> tableExtractorNames(FaultInjectionFileSystem fs) throws IOException {
    List<String> names = new ArrayList<>();
    for (String name : fs.list(DIR)) {
      if (!name.endsWith(".sst")) {
        continue;
      }
      Path p = DIR.resolve(name);
      long size = fs.size(p);
      try (TableReader r = TableReader.open(fs.openRead(p), p.toString(), size, BlockCache.create(0))) {
        String n = r.properties().prefixExtractorName();
        names.add(n == null ? "" : n);
      }
    }
    return names;
  }

  @Test
  void prefixExtractor_badNames_areRefused() {
    PrefixExtractor empty =
        new UpToColon() {
          @Override
          public String name() {
            return "";
          }
        };
    PrefixExtractor huge =
        new UpToColon() {
          @Override
          public String name() {
            return "x".repeat(256);
          }
        };
    assertThatThrownBy(() -> Options.builder().prefixExtractor(empty))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Options.builder().prefixExtractor(huge))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PrefixExtractor.fixedLength(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(PrefixExtractor.fixedLength(8).name()).isEqualTo("strata.FixedPrefix.8");
    assertThat(Arrays.equals(PrefixExtractor.fixedLength(3).prefix(b("abcdef")), b("abc"))).isTrue();
  }
}
