package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.sstable.BlockCache;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Properties with column families ({@code docs/design/properties.md}): the per-family figures
 * answer for the family asked (the default one without a handle), {@code
 * getAggregatedLongProperty} sums them over the live families, and the database-wide memory figures
 * ({@code strata.estimate-heap-bytes}, the memory section of {@code strata.stats}, the periodic
 * dump) count every family's memtables and table readers, following flushes and drops.
 */
class ColumnFamilyPropertiesTest {
  /** The per-family integer properties whose database figure is their sum. */
  private static final List<String> SUMMED =
      List.of(
          "cur-size-active-mem-table",
          "cur-size-all-mem-tables",
          "memtable-bytes",
          "size-all-mem-tables",
          "estimate-pinned-iterator-mem",
          "num-immutable-memtables",
          "estimate-num-keys",
          "estimate-table-readers-mem",
          "num-open-table-readers",
          "total-sst-bytes",
          "num-files-at-level0",
          "level-bytes0",
          "estimate-pending-compaction-bytes");

  @TempDir Path dir;

  private static Options options() {
    return Options.builder()
        .memtableSizeBytes(1 << 20)
        .level0CompactionTrigger(2)
        .backgroundCompaction(false)
        .compression(Compression.NONE)
        .build();
  }

  private static byte[] key(String family, int i) {
    return String.format("%s-key%06d", family, i).getBytes(StandardCharsets.UTF_8);
  }

  private static void fill(StrataDB db, ColumnFamilyHandle cf, String tag, int from, int n) {
    for (int i = from; i < from + n; i++) {
      db.put(cf, key(tag, i), new byte[100]);
    }
  }

  /** The start of level 0's row of a {@code strata.stats} level table with {@code files} files. */
  private static String level0Row(int files) {
    return String.format(Locale.ROOT, "L%-4d %6d ", 0, files);
  }

  private static long prop(StrataDB db, ColumnFamilyHandle cf, String name) {
    String v = db.getProperty(cf, "strata." + name);
    assertThat(v).as(name).isNotNull();
    return Long.parseLong(v);
  }

  private static long sum(StrataDB db, List<ColumnFamilyHandle> families, String name) {
    long n = 0;
    for (ColumnFamilyHandle cf : families) {
      n += prop(db, cf, name);
    }
    return n;
  }

  private static void assertAggregatesAreSums(StrataDB db, List<ColumnFamilyHandle> families) {
    for (String name : SUMMED) {
      assertThat(db.getAggregatedLongProperty("strata." + name))
          .as(name)
          .isEqualTo(sum(db, families, name));
    }
  }

  /** The heap total is every family's memtables and readers plus the cache and the builders. */
  private static void assertHeapCountsEveryFamily(DbImpl db) {
    BlockCache cache = db.blockCache();
    long expected =
        db.getAggregatedLongProperty("strata.size-all-mem-tables")
            + db.getAggregatedLongProperty("strata.estimate-table-readers-mem")
            + cache.usedBytes()
            + cache.overheadHeapBytes()
            + db.getAggregatedLongProperty("strata.compaction-buffer-bytes");
    assertThat(Long.parseLong(db.getProperty("strata.estimate-heap-bytes"))).isEqualTo(expected);
    String stats = db.getProperty("strata.stats");
    assertThat(stats).contains("memory (heap bytes): " + expected + " estimated");
  }

  /**
   * Default: a table and a memtable; users: a table and a memtable; index: a memtable only. Each
   * table is read once, so its reader is open.
   */
  private static List<ColumnFamilyHandle> threeFamilies(StrataDB db) {
    ColumnFamilyHandle users = db.createColumnFamily("users", ColumnFamilyOptions.defaults());
    ColumnFamilyHandle index = db.createColumnFamily("index", ColumnFamilyOptions.defaults());
    ColumnFamilyHandle def = db.defaultColumnFamily();
    fill(db, def, "d", 0, 300);
    fill(db, users, "u", 0, 500);
    db.flush(def);
    db.flush(users);
    fill(db, def, "d", 300, 100);
    fill(db, users, "u", 500, 200);
    fill(db, index, "i", 0, 400);
    assertThat(db.get(def, key("d", 1))).hasSize(100);
    assertThat(db.get(users, key("u", 1))).hasSize(100);
    return List.of(def, users, index);
  }

  @Test
  void memoryFigures_ofTheDatabase_sumEveryFamily_andFollowFlushAndDrop() {
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options())) {
      List<ColumnFamilyHandle> all = threeFamilies(db);
      ColumnFamilyHandle def = all.get(0);
      ColumnFamilyHandle users = all.get(1);
      ColumnFamilyHandle index = all.get(2);
      for (ColumnFamilyHandle cf : all) {
        assertThat(prop(db, cf, "cur-size-all-mem-tables")).as(cf.name()).isPositive();
      }
      for (ColumnFamilyHandle cf : List.of(def, users)) {
        assertThat(prop(db, cf, "total-sst-bytes")).as(cf.name()).isPositive();
        assertThat(prop(db, cf, "estimate-table-readers-mem")).as(cf.name()).isPositive();
        assertThat(prop(db, cf, "num-open-table-readers")).as(cf.name()).isEqualTo(1);
      }
      assertThat(prop(db, index, "total-sst-bytes")).isZero();
      assertThat(prop(db, index, "estimate-table-readers-mem")).isZero();
      // Without a handle: the default family.
      for (String name : SUMMED) {
        assertThat(db.getProperty("strata." + name))
            .as(name)
            .isEqualTo(db.getProperty(def, "strata." + name));
      }
      assertAggregatesAreSums(db, all);
      assertHeapCountsEveryFamily(db);
      long memtables = db.getAggregatedLongProperty("strata.cur-size-all-mem-tables");
      long tables = db.getAggregatedLongProperty("strata.total-sst-bytes");
      long heap = Long.parseLong(db.getProperty("strata.estimate-heap-bytes"));

      // A flush of one family moves its memtable into a table.
      long indexMemtable = prop(db, index, "cur-size-all-mem-tables");
      db.flush(index);
      assertThat(db.get(index, key("i", 1))).hasSize(100);
      assertThat(prop(db, index, "total-sst-bytes")).isPositive();
      assertThat(prop(db, index, "num-open-table-readers")).isEqualTo(1);
      assertAggregatesAreSums(db, all);
      assertHeapCountsEveryFamily(db);
      assertThat(db.getAggregatedLongProperty("strata.cur-size-all-mem-tables"))
          .isEqualTo(memtables - indexMemtable + prop(db, index, "cur-size-all-mem-tables"))
          .isLessThan(memtables);
      assertThat(db.getAggregatedLongProperty("strata.total-sst-bytes"))
          .isEqualTo(tables + prop(db, index, "total-sst-bytes"));

      // A dropped family leaves every database figure.
      memtables = db.getAggregatedLongProperty("strata.cur-size-all-mem-tables");
      tables = db.getAggregatedLongProperty("strata.total-sst-bytes");
      heap = Long.parseLong(db.getProperty("strata.estimate-heap-bytes"));
      long usersMemtable = prop(db, users, "cur-size-all-mem-tables");
      long usersTables = prop(db, users, "total-sst-bytes");
      long usersReaders = prop(db, users, "estimate-table-readers-mem");
      db.dropColumnFamily(users);
      List<ColumnFamilyHandle> left = List.of(def, index);
      assertAggregatesAreSums(db, left);
      assertHeapCountsEveryFamily(db);
      assertThat(db.getAggregatedLongProperty("strata.cur-size-all-mem-tables"))
          .isEqualTo(memtables - usersMemtable);
      assertThat(db.getAggregatedLongProperty("strata.total-sst-bytes"))
          .isEqualTo(tables - usersTables);
      assertThat(Long.parseLong(db.getProperty("strata.estimate-heap-bytes")))
          .isLessThanOrEqualTo(heap - usersMemtable - usersReaders);
    }
  }

  @Test
  void levelFigures_answerPerFamily_andTheAggregateSumsThem() {
    ColumnFamilyOptions trigger2 = ColumnFamilyOptions.builder().level0CompactionTrigger(2).build();
    try (StrataDB db = StrataDB.open(dir, options())) {
      ColumnFamilyHandle users = db.createColumnFamily("users", trigger2);
      ColumnFamilyHandle index = db.createColumnFamily("index", trigger2);
      fill(db, null, "d", 0, 100);
      db.flush();
      for (int round = 0; round < 2; round++) {
        fill(db, users, "u", round * 100, 100);
        db.flush(users);
      }
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("1");
      assertThat(db.getProperty(users, "strata.num-files-at-level0")).isEqualTo("2");
      assertThat(db.getProperty(index, "strata.num-files-at-level0")).isEqualTo("0");
      assertThat(db.getAggregatedLongProperty("strata.num-files-at-level0")).isEqualTo(3);
      // Users reached its level-0 trigger (2); the default family and index did not.
      assertThat(db.getProperty("strata.compaction-pending")).isEqualTo("false");
      assertThat(db.getProperty(users, "strata.compaction-pending")).isEqualTo("true");
      assertThat(db.getProperty(index, "strata.compaction-pending")).isEqualTo("false");
      assertThat(db.getAggregatedLongProperty("strata.compaction-pending")).isEqualTo(1);
      assertThat(prop(db, null, "estimate-pending-compaction-bytes")).isZero();
      assertThat(prop(db, users, "estimate-pending-compaction-bytes"))
          .isEqualTo(prop(db, users, "level-bytes0"));
      assertThat(db.getProperty(users, "strata.stats")).contains(level0Row(2));
      assertThat(db.getProperty("strata.stats")).contains(level0Row(1));

      db.compactRange(users, null, null);
      assertThat(db.getProperty(users, "strata.num-files-at-level0")).isEqualTo("0");
      assertThat(db.getProperty(users, "strata.compaction-pending")).isEqualTo("false");
      assertThat(db.getAggregatedLongProperty("strata.compaction-pending")).isZero();
      assertThat(db.getAggregatedLongProperty("strata.num-files-at-level0")).isEqualTo(1);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("1");
    }
  }

  @Test
  void pinnedMemtables_countInTheirOwnFamily() {
    try (StrataDB db = StrataDB.open(dir, options())) {
      ColumnFamilyHandle users = db.createColumnFamily("users", ColumnFamilyOptions.defaults());
      fill(db, users, "u", 0, 200);
      fill(db, null, "d", 0, 50);
      long usersMemtable = prop(db, users, "cur-size-all-mem-tables");
      try (DBIterator it = db.newIterator(users, ReadOptions.DEFAULT)) {
        db.flush(users);
        assertThat(prop(db, users, "estimate-pinned-iterator-mem")).isEqualTo(usersMemtable);
        assertThat(prop(db, users, "size-all-mem-tables"))
            .isEqualTo(usersMemtable + prop(db, users, "cur-size-all-mem-tables"));
        assertThat(prop(db, null, "estimate-pinned-iterator-mem")).isZero();
        assertThat(prop(db, null, "size-all-mem-tables"))
            .isEqualTo(prop(db, null, "cur-size-all-mem-tables"));
        assertThat(db.getAggregatedLongProperty("strata.estimate-pinned-iterator-mem"))
            .isEqualTo(usersMemtable);
        it.seekToFirst();
        assertThat(it.isValid()).isTrue();
      }
      assertThat(prop(db, users, "estimate-pinned-iterator-mem")).isZero();
      assertThat(db.getAggregatedLongProperty("strata.estimate-pinned-iterator-mem")).isZero();
    }
  }

  @Test
  void databaseWideFigures_answerTheSameForEveryFamily_andOnceAggregated() {
    try (StrataDB db = StrataDB.open(dir, options())) {
      ColumnFamilyHandle users = db.createColumnFamily("users", ColumnFamilyOptions.defaults());
      fill(db, users, "u", 0, 200);
      fill(db, null, "d", 0, 50);
      for (String name :
          List.of(
              "estimate-heap-bytes",
              "block-cache-capacity",
              "last-sequence",
              "bytes-written-user",
              "stall-count")) {
        String v = db.getProperty("strata." + name);
        assertThat(db.getProperty(users, "strata." + name)).as(name).isEqualTo(v);
        assertThat(db.getAggregatedLongProperty("strata." + name))
            .as(name)
            .isEqualTo(Long.parseLong(v));
      }
      assertThat(db.getProperty(users, "strata.stall-condition")).isEqualTo("NORMAL");
      for (String name :
          List.of("strata.stats", "strata.block-cache-hit-ratio", "strata.nope", "rocksdb.x")) {
        assertThatThrownBy(() -> db.getAggregatedLongProperty(name))
            .as(name)
            .isInstanceOf(IllegalArgumentException.class);
      }
    }
  }

  @Test
  void statsText_andPeriodicDump_showEveryFamily() {
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options())) {
      List<ColumnFamilyHandle> all = threeFamilies(db);
      String stats = db.getProperty("strata.stats");
      for (ColumnFamilyHandle cf : all) {
        assertThat(stats)
            .contains(
                "column family "
                    + cf.name()
                    + ": memtables "
                    + prop(db, cf, "cur-size-all-mem-tables"));
      }
      String dump = db.statsDumpText();
      List<String> headings = new ArrayList<>();
      for (String line : dump.split("\n")) {
        if (line.startsWith("Level")
            || line.startsWith("column family ") && line.endsWith("levels:")) {
          headings.add(line);
        }
      }
      assertThat(headings).hasSize(5);
      assertThat(dump).contains("column family users levels:", "column family index levels:");
      assertThat(dump.substring(dump.indexOf("column family users levels:")))
          .contains(level0Row(1));
    }
  }
}
