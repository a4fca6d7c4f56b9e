package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import dev.strata.fs.FileSystem;
import dev.strata.util.Bytes;
import dev.strata.testing.FileDamage;
import dev.strata.testing.FileDamage.Damage;
import dev.strata.testing.FileDamage.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DbVerifier} against the damage kinds of strata-core's {@code CorruptionMatrixTest}
 * ({WAL middle, WAL tail, data block, index, filter, footer, manifest, CURRENT} x {bit flip, byte
 * run, 4 KiB zeroed, truncation, empty, garbage appended, deleted}), on real files, with the open
 * as the oracle: each damaged copy is also opened and read in full. Verify must pass a database
 * only if the open returns every write, and must flag one only if the open fails or loses or
 * changes writes (no false alarms). One ambiguity is allowed and checked: a log cut short (or
 * emptied, or zeroed from a sector boundary) reads as a crash's torn tail, so verify notes it,
 * and the open recovers a prefix of the writes. In-process: 168 cases, each a copy, a verify and
 * an open, would take minutes as child processes; VerifyIT runs the jar on the main cases.
 */
class VerifyMatrixTest {
  private static final int SEEDS = 3;



  @TempDir static Path shared;
  private static Path template;
  private static NavigableMap<byte[], byte[]> tableData;
  private static List<byte[][]> walWrites;

  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Tables in two levels, then synced writes in the WAL; the same for every case. */
  @BeforeAll
  static void createTemplate() {
    template = shared.resolve("template");
    tableData = new TreeMap<>(Bytes.COMPARATOR);
    walWrites = new ArrayList<>();
    Random rnd = new Random(42);
    try (StrataDB d = StrataDB.open(template, Options.builder().blockSizeBytes(256).flushOnClose(false).build())) {
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 200; i++) {
          byte[] k = b(String.format("key%06d", rnd.nextInt(1_000_000)));
          byte[] v = b("value-" + round + "-" + i + "-" + "x".repeat(rnd.nextInt(40)));
          d.put(k, v);
          tableData.put(k, v);
        }
        d.flush();
        if (round == 1) {
          d.compactRange(null, null);
        }
      }
      for (int i = 0; i < 150; i++) {
        byte[] k = b(String.format("key%06d", rnd.nextInt(1_000_000)));
        byte[] v = b("synced-" + i);
        d.put(k, v, WriteOptions.SYNC);
        walWrites.add(new byte[][] {k, v});
      }
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    long seed = 0;
    for (Target t : Target.values()) {
      for (Damage d : Damage.values()) {
        for (int s = 0; s < SEEDS; s++) {
          out.add(Arguments.of(t, d, seed++));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} seed {2}")
  @MethodSource("cases")
  void verify_agreesWithTheOpen(Target target, Damage damage, long seed) throws Exception {
    Random rnd = new Random(seed);
    Path db = tmp.resolve("db");
    DbFixtures.copyDir(template, db);
    Path file = fileOf(db, target);
    String name = file.getFileName().toString();
    byte[] content = Files.readAllBytes(file);
    damage(file, content, damage, region(target, content), rnd);
    String where = target + " " + damage + " seed " + seed + " file " + name;

    DbVerifier v = new DbVerifier(FileSystem.nio(), db);
    try (Progress p = Progress.start("test", -1, null, 1)) {
      v.run(p);
    }
    Path copy = tmp.resolve("oracle");
    DbFixtures.copyDir(db, copy);
    NavigableMap<byte[], byte[]> seen = openAndRead(copy);
    NavigableMap<byte[], byte[]> all = new TreeMap<>(tableData);
    walWrites.forEach(w -> all.put(w[0], w[1]));
    boolean oracleOk = seen != null && WriteLogs.same(all, seen);
    String report = where + "\n" + String.join("\n", v.findings().stream().map(Object::toString)
        .toList()) + "\n" + v.summary();

    if (!v.ok()) {
      assertThat(oracleOk).as("false alarm: the open returns every write\n%s", report).isFalse();
      assertThat(v.findings().stream().anyMatch(f -> f.problem() && f.toString().contains(name)))
          .as("a problem names the damaged file\n%s", report).isTrue();
    } else if (!oracleOk) {
      assertThat(target == Target.WAL_MIDDLE || target == Target.WAL_TAIL)
          .as("verify passed a database the open fails or loses writes of\n%s", report).isTrue();
      assertThat(damage)
          .as("only a cut log may read as a crash\n%s", report)
          .isIn(Damage.TRUNCATE, Damage.EMPTY, Damage.ZERO_4K);
      assertThat(seen).as("the open recovers\n%s", report).isNotNull();
      assertThat(isTablesPlusWalPrefix(seen)).as("a prefix of the writes\n%s", report).isTrue();
    }
  }

  private static boolean isTablesPlusWalPrefix(NavigableMap<byte[], byte[]> seen) {
    NavigableMap<byte[], byte[]> want = new TreeMap<>(tableData);
    if (WriteLogs.same(want, seen)) {
      return true;
    }
    for (byte[][] w : walWrites) {
      want.put(w[0], w[1]);
      if (WriteLogs.same(want, seen)) {
        return true;
      }
    }
    return false;
  }

  /** Everything the database returns, or null if it does not open or a read fails. */
  private static NavigableMap<byte[], byte[]> openAndRead(Path db) {
    NavigableMap<byte[], byte[]> out = new TreeMap<>(Bytes.COMPARATOR);
    try (StrataDB d = StrataDB.open(db, Options.builder().createIfMissing(false).build());
        DBIterator it = d.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(it.key(), it.value());
      }
      return out;
    } catch (StrataException e) {
      return null;
    }
  }

  /** Map equality for byte-array maps. */
  private static final class WriteLogs {
    static boolean same(NavigableMap<byte[], byte[]> a, NavigableMap<byte[], byte[]> b) {
      if (a.size() != b.size()) {
        return false;
      }
      var ia = a.entrySet().iterator();
      var ib = b.entrySet().iterator();
      while (ia.hasNext()) {
        var x = ia.next();
        var y = ib.next();
        if (!Arrays.equals(x.getKey(), y.getKey()) || !Arrays.equals(x.getValue(), y.getValue())) {
          return false;
        }
      }
      return true;
    }
  }

  private static Path fileOf(Path db, Target target) throws IOException {
    return DbFixtures.lastFile(db, FileDamage.filePart(target));
  }

  private static long[] region(Target target, byte[] c) {
    return FileDamage.region(target, c);
  }

  private static void damage(Path file, byte[] c, Damage d, long[] region, Random rnd)
      throws IOException {
    byte[] out = FileDamage.apply(c, d, region, rnd);
    if (out == null) {
      Files.delete(file);
    } else {
      Files.write(file, out);
    }
  }
}
