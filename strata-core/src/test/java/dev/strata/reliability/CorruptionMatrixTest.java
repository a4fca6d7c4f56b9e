package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FileDamage;
import dev.strata.testing.FileDamage.Damage;
import dev.strata.testing.FileDamage.Target;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corruption matrix: {WAL middle, WAL tail, table data block, index, filter, range-deletion
 * block, footer, manifest, CURRENT} x {one bit flipped, a byte run altered, 4 KiB zeroed, truncation, empty file, garbage
 * appended, file deleted} x 8 seeds. Every case either opens and returns only correct data (a
 * damaged WAL recovers a prefix of its writes) or raises {@link CorruptionException} naming the
 * damaged file; never a silently wrong value.
 */
class CorruptionMatrixTest {
  private static final Path DIR = Path.of("/db");
  private static final int SEEDS = 8;


  static Stream<Arguments> cases() {
    long base = Seeds.seed("CorruptionMatrixTest");
    List<Arguments> out = new ArrayList<>();
    for (Target t : Target.values()) {
      for (Damage d : Damage.values()) {
        for (int s = 0; s < SEEDS; s++) {
          out.add(Arguments.of(t, d, base + s));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} seed {2}")
  @MethodSource("cases")
  void damagedFile_opensWithCorrectDataOrRaisesCorruption(Target target, Damage damage, long seed)
      throws Exception {
    Random rnd = new Random(seed);
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(seed);
    Options options = options(fs, rnd);
    Written w = populate(fs, options, rnd);
    NavigableMap<byte[], byte[]> tableData = w.tableData();
    List<byte[][]> walWrites = w.walWrites();
    Path file = fileOf(fs, target);
    byte[] content = fs.read(file);
    long[] region = region(target, content);
    String name = file.getFileName().toString();
    String where = target + " " + damage + " seed " + seed + " file " + name;
    damage(fs, file, content, damage, region, rnd);

    // A read-only open first: the same outcome, and nothing written.
    fs.setTracing(true);
    check(() -> StrataDB.openReadOnly(DIR, options), name, where + " read-only", target, tableData, walWrites);
    assertThat(fs.trace())
        .as("%s: a read-only open writes nothing", where)
        .noneMatch(e -> READ_ONLY_FORBIDS.contains(e.op()));
    fs.setTracing(false);
    check(() -> StrataDB.open(DIR, options), name, where, target, tableData, walWrites);
  }

  private static final java.util.Set<FaultInjectionFileSystem.Op> READ_ONLY_FORBIDS =
      java.util.EnumSet.of(
          FaultInjectionFileSystem.Op.CREATE,
          FaultInjectionFileSystem.Op.APPEND,
          FaultInjectionFileSystem.Op.SYNC,
          FaultInjectionFileSystem.Op.RENAME,
          FaultInjectionFileSystem.Op.DELETE,
          FaultInjectionFileSystem.Op.SYNC_DIRECTORY,
          FaultInjectionFileSystem.Op.LOCK);

  /** Opens with {@code open}: either a corruption naming the file, or only correct data. */
  private static void check(
      java.util.function.Supplier<StrataDB> open,
      String name,
      String where,
      Target target,
      NavigableMap<byte[], byte[]> tableData,
      List<byte[][]> walWrites) {
    StrataDB db;
    try {
      db = open.get();
    } catch (CorruptionException e) {
      assertNames(e, name, where);
      return;
    }
    try (db) {
      NavigableMap<byte[], byte[]> seen = new TreeMap<>(Bytes.COMPARATOR);
      try {
        seen.putAll(OpGenerator.contents(db));
        for (byte[] k : tableData.keySet()) {
          byte[] v = db.get(k);
          if (v != null) {
            assertThat(seen.get(k)).as("%s: get and scan agree", where).isEqualTo(v);
          }
        }
      } catch (CorruptionException e) {
        assertNames(e, name, where);
        return;
      }
      // Whatever was returned must be the table's data plus a prefix of the WAL's writes.
      NavigableMap<byte[], byte[]> want = new TreeMap<>(tableData);
      boolean match = WriteLog.same(want, seen);
      for (int p = 0; p < walWrites.size() && !match; p++) {
        want.put(walWrites.get(p)[0], walWrites.get(p)[1]);
        match = WriteLog.same(want, seen);
      }
      assertThat(match).as("%s: recovered %d keys that are no prefix of the writes (table %d, wal %d)",
          where, seen.size(), tableData.size(), walWrites.size()).isTrue();
      if (target != Target.WAL_MIDDLE && target != Target.WAL_TAIL) {
        // Keys may repeat, so compare with the full state rather than counting.
        NavigableMap<byte[], byte[]> all = new TreeMap<>(tableData);
        walWrites.forEach(w -> all.put(w[0], w[1]));
        assertThat(WriteLog.same(all, seen)).as("%s: nothing but the WAL may lose writes", where)
            .isTrue();
      }
    }
  }

  /** The options every case opens with: small blocks, no cache, no background compaction. */
  static Options options(FaultInjectionFileSystem fs, Random rnd) {
    return Options.builder()
        .fileSystem(fs)
        .backgroundCompaction(false)
        .blockSizeBytes(256)
        .compression(rnd.nextBoolean() ? Compression.NONE : Compression.LZ4)
        .blockCacheBytes(0)
        // The WAL cases need writes left in the WAL by the close.
        .flushOnClose(false)
        .build();
  }

  /**
   * What {@link #populate} wrote: 300 puts and a range deletion of 30 of them flushed to a table,
   * then 150 sync puts in the WAL.
   */
  record Written(NavigableMap<byte[], byte[]> tableData, List<byte[][]> walWrites) {}

  /** Writes the matrix's database: one table of 300 puts, then 150 sync puts left in the WAL. */
  static Written populate(FaultInjectionFileSystem fs, Options options, Random rnd) {
    OpGenerator gen = new OpGenerator(rnd, 1_000_000, "v");
    NavigableMap<byte[], byte[]> tableData = new TreeMap<>(Bytes.COMPARATOR);
    List<byte[][]> walWrites = new ArrayList<>();
    try (StrataDB db = StrataDB.open(DIR, options)) {
      for (int i = 0; i < 300; i++) {
        byte[] k = gen.key();
        byte[] v = gen.value(40);
        db.put(k, v);
        tableData.put(k, v);
      }
      // A range deletion of about a tenth of the keys, so that the table has a range-deletion
      // block: damage to it must never bring the deleted keys back.
      List<byte[]> written = new ArrayList<>(tableData.keySet());
      int from = rnd.nextInt(written.size() - 30);
      byte[] begin = written.get(from);
      byte[] end = written.get(from + 30);
      db.deleteRange(begin, end);
      tableData.subMap(begin, true, end, false).clear();
      db.flush();
      for (int i = 0; i < 150; i++) {
        byte[] k = gen.key();
        byte[] v = gen.value(40);
        db.put(k, v, WriteOptions.SYNC);
        walWrites.add(new byte[][] {k, v});
      }
    }
    return new Written(tableData, walWrites);
  }

  /** The exception names the damaged file (as its name or path, or in its message). */
  private static void assertNames(CorruptionException e, String name, String where) {
    assertThat(e.file().endsWith(name) || e.getMessage().contains(name))
        .as("%s: exception does not name the file: %s", where, e.getMessage())
        .isTrue();
  }

  static Path fileOf(FaultInjectionFileSystem fs, Target target) throws Exception {
    List<String> names = fs.list(DIR);
    String suffix = FileDamage.filePart(target);
    String best = null;
    for (String n : names) {
      if ((n.endsWith(suffix) || n.startsWith(suffix)) && (best == null || n.compareTo(best) > 0)) {
        if (suffix.equals(".log") && fs.read(DIR.resolve(n)).length == 0) {
          continue;
        }
        best = n;
      }
    }
    assertThat(best).as("a %s file", target).isNotNull();
    return DIR.resolve(best);
  }

  static long[] region(Target target, byte[] c) {
    return FileDamage.region(target, c);
  }

  static void damage(
      FaultInjectionFileSystem fs, Path file, byte[] c, Damage d, long[] region, Random rnd) {
    byte[] out = FileDamage.apply(c, d, region, rnd);
    if (out == null) {
      fs.remove(file);
    } else {
      fs.overwrite(file, out);
    }
  }
}
