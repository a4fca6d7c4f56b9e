package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.Options;
import dev.strata.RepairReport;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import dev.strata.testing.FileDamage.Damage;
import dev.strata.testing.FileDamage.Target;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link StrataDB#repair} against the corruption matrix: whatever the damage, the repaired
 * database opens, returns nothing that was never written, and holds every key that survived on
 * disk: all of it when only the manifest or {@code CURRENT} was damaged, every table's data and a
 * prefix of the WAL's writes when a WAL was, and every WAL write plus the tables' data outside the
 * reported lost ranges when a table was.
 */
class RepairTest {
  private static final Path DIR = Path.of("/db");

  static Stream<Arguments> cases() {
    long base = Seeds.seed("RepairTest");
    int seeds = Boolean.getBoolean("strata.soak") ? 8 : 2;
    List<Arguments> out = new ArrayList<>();
    for (Target t : Target.values()) {
      for (Damage d : Damage.values()) {
        for (int s = 0; s < seeds; s++) {
          out.add(Arguments.of(t, d, base + s));
        }
      }
    }
    return out.stream();
  }

  private static Options options(FaultInjectionFileSystem fs, Random rnd) {
    return CorruptionMatrixTest.options(fs, rnd);
  }

  @ParameterizedTest(name = "{0} {1} seed {2}")
  @MethodSource("cases")
  void repair_damagedDatabase_opensWithEverySurvivingKey(Target target, Damage damage, long seed)
      throws Exception {
    Random rnd = new Random(seed);
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(seed);
    Options options = CorruptionMatrixTest.options(fs, rnd);
    CorruptionMatrixTest.Written written = CorruptionMatrixTest.populate(fs, options, rnd);
    NavigableMap<byte[], byte[]> tableData = written.tableData();
    List<byte[][]> walWrites = written.walWrites();
    Path file = CorruptionMatrixTest.fileOf(fs, target);
    byte[] content = fs.read(file);
    CorruptionMatrixTest.damage(
        fs, file, content, damage, CorruptionMatrixTest.region(target, content), rnd);
    String where = target + " " + damage + " seed " + seed;

    RepairReport report = StrataDB.repair(DIR, options);

    NavigableMap<byte[], byte[]> seen;
    try (StrataDB db = StrataDB.open(DIR, options)) {
      seen = OpGenerator.contents(db);
      for (Map.Entry<byte[], byte[]> e : seen.entrySet()) {
        assertThat(db.get(e.getKey())).as("%s: get agrees with the scan", where).isEqualTo(e.getValue());
      }
    }
    NavigableMap<byte[], byte[]> all = new TreeMap<>(tableData);
    walWrites.forEach(w -> all.put(w[0], w[1]));
    for (Map.Entry<byte[], byte[]> e : seen.entrySet()) {
      assertThat(written(e.getKey(), e.getValue(), tableData, walWrites))
          .as("%s: %s was never written with that value", where, new String(e.getKey(), java.nio.charset.StandardCharsets.UTF_8))
          .isTrue();
    }
    switch (target) {
      case MANIFEST, CURRENT -> assertThat(WriteLog.same(all, seen))
          .as("%s: every write survives a damaged %s (%s)", where, target, report)
          .isTrue();
      case WAL_MIDDLE, WAL_TAIL -> {
        for (byte[] k : tableData.keySet()) {
          assertThat(seen).as("%s: table key", where).containsKey(k);
        }
        NavigableMap<byte[], byte[]> want = new TreeMap<>(tableData);
        boolean prefix = WriteLog.same(want, seen);
        for (int p = 0; p < walWrites.size() && !prefix; p++) {
          want.put(walWrites.get(p)[0], walWrites.get(p)[1]);
          prefix = WriteLog.same(want, seen);
        }
        assertThat(prefix).as("%s: a prefix of the WAL's writes (%s)", where, report).isTrue();
      }
      default -> {
        for (byte[][] w : walWrites) {
          assertThat(seen.get(w[0])).as("%s: WAL writes survive table damage", where).isNotNull();
        }
        if (report.lostNothing()) {
          assertThat(WriteLog.same(all, seen)).as("%s: nothing lost (%s)", where, report).isTrue();
        } else {
          assertThat(report.tablesPartial().size() + report.tablesUnreadable().size())
              .as("%s: a loss is reported against the damaged table", where)
              .isPositive();
          String name = file.getFileName().toString();
          if (damage == Damage.DELETED) {
            assertThat(report.tablesUnreadable()).as("%s: the missing table reported", where)
                .anyMatch(e -> e.startsWith(name) && e.contains("missing"));
          } else {
            assertThat(report.movedToLost()).as("%s: the damaged table kept in lost/", where)
                .contains(name);
          }
        }
      }
    }
  }

  private static boolean written(
      byte[] k, byte[] v, NavigableMap<byte[], byte[]> tableData, List<byte[][]> walWrites) {
    if (Arrays.equals(tableData.get(k), v)) {
      return true;
    }
    for (byte[][] w : walWrites) {
      if (Arrays.equals(w[0], k) && Arrays.equals(w[1], v)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void repair_intactDatabase_keepsEveryKeyAndLosesNothing() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Options o = options(fs, new Random(1));
    NavigableMap<byte[], byte[]> model = new TreeMap<>(Bytes.COMPARATOR);
    try (StrataDB db = StrataDB.open(DIR, o)) {
      for (int i = 0; i < 500; i++) {
        byte[] k = OpGenerator.key(i % 300);
        byte[] v = ("v" + i).getBytes();
        db.put(k, v);
        model.put(k, v);
        if (i % 97 == 0) {
          db.flush();
        }
      }
      db.delete(OpGenerator.key(5));
      model.remove(OpGenerator.key(5));
    }

    RepairReport report = StrataDB.repair(DIR, o);

    assertThat(report.lostNothing()).isTrue();
    assertThat(report.movedToLost()).allMatch(n -> n.startsWith("MANIFEST-"));
    assertThat(report.entriesWritten()).isEqualTo(model.size());
    try (StrataDB db = StrataDB.open(DIR, o)) {
      assertThat(WriteLog.same(model, OpGenerator.contents(db))).isTrue();
      db.put(OpGenerator.key(1), new byte[] {1});
      assertThat(db.get(OpGenerator.key(1))).containsExactly(1);
    }
  }

  @Test
  void repair_openDatabase_isRefusedAndChangesNothing() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Options o = options(fs, new Random(1));
    try (StrataDB db = StrataDB.open(DIR, o)) {
      db.put(OpGenerator.key(1), new byte[] {1});
      List<String> before = fs.list(DIR);

      assertThatThrownBy(() -> StrataDB.repair(DIR, o))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("lock");

      assertThat(fs.list(DIR)).containsExactlyInAnyOrderElementsOf(before);
      assertThat(db.get(OpGenerator.key(1))).containsExactly(1);
    }
  }

  @Test
  void salvage_damagedManifest_copiesEverythingAndLeavesTheSourceUntouched() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(2);
    Options o = options(fs, new Random(2));
    NavigableMap<byte[], byte[]> model = new TreeMap<>(Bytes.COMPARATOR);
    try (StrataDB db = StrataDB.open(DIR, o)) {
      for (int i = 0; i < 400; i++) {
        byte[] k = OpGenerator.key(i);
        db.put(k, k);
        model.put(k, k);
      }
      db.flush();
      db.put(OpGenerator.key(1000), OpGenerator.key(1000));
      model.put(OpGenerator.key(1000), OpGenerator.key(1000));
    }
    Path manifest = CorruptionMatrixTest.fileOf(fs, Target.MANIFEST);
    byte[] damaged = fs.read(manifest);
    damaged[damaged.length / 2] ^= 0x10;
    fs.overwrite(manifest, damaged);
    List<String> sourceFiles = fs.list(DIR);
    Map<String, byte[]> sourceBytes = new TreeMap<>();
    for (String n : sourceFiles) {
      sourceBytes.put(n, fs.read(DIR.resolve(n)));
    }
    Path to = Path.of("/salvaged");

    RepairReport report = StrataDB.salvage(DIR, to, o);

    assertThat(report.lostNothing()).isTrue();
    assertThat(report.movedToLost()).isEmpty();
    try (StrataDB db = StrataDB.open(to, o)) {
      assertThat(WriteLog.same(model, OpGenerator.contents(db))).isTrue();
    }
    assertThat(fs.list(DIR)).containsExactlyInAnyOrderElementsOf(sourceFiles);
    for (String n : sourceFiles) {
      assertThat(fs.read(DIR.resolve(n))).as("%s untouched", n).isEqualTo(sourceBytes.get(n));
    }
    assertThatThrownBy(() -> StrataDB.salvage(DIR, to, o)).hasMessageContaining("not empty");
  }
}
