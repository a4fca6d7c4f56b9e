package dev.strata.cli;

import static dev.strata.cli.CliProcess.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defect 4 through the jar: verify exits 0 only for a database that opens and returns every
 * write its files hold, reports each problem with file and offset, and writes nothing. Each
 * damaged case also opens the database in this JVM to show the verdict is right. Before the fix,
 * every case below but the damaged table block printed "ok: ... every checksum checked" with exit
 * 0: verify read each file's checksums alone and never compared the manifest with the directory,
 * and LogReader's quiet end at the bad last record hid it.
 */
class VerifyIT {
  @TempDir Path tmp;
  private Path db;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Level-0 tables, a manifest with edits, and a WAL of synced writes. */
  @BeforeEach
  void createDatabase() {
    db = tmp.resolve("db");
    try (StrataDB d =
        StrataDB.open(db, Options.builder().blockSizeBytes(512).flushOnClose(false).build())) {
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 200; i++) {
          d.put(b(String.format("key%04d", i)), b("value " + round + " " + i));
        }
        d.flush();
      }
      for (int i = 0; i < 20; i++) {
        d.put(b(String.format("wal%02d", i)), b("synced " + i), WriteOptions.SYNC);
      }
    }
  }

  private CliProcess.Result verify() {
    return run("verify", "--db", db.toString());
  }

  @Test
  void healthyDatabase_okAndNothingWritten() throws Exception {
    Map<String, String> before = DbFixtures.snapshot(db);
    CliProcess.Result r = verify().expect(0);
    assertThat(r.out()).startsWith("ok: " + db + " opens and returns every write its files hold: 2"
        + " tables (400 entries), 1 logs (20 records), ").contains("every checksum checked");
    assertThat(DbFixtures.snapshot(db)).isEqualTo(before);
  }

  @Test
  void deletedTable_isMissing() throws Exception {
    Path table = DbFixtures.lastFile(db, ".sst");
    Files.delete(table);
    assertThat(verify().expect(1).out()).contains("DAMAGED " + table.getFileName()
        + ": missing: level 0 of the manifest lists it, the database does not open");
    assertThatThrownBy(() -> StrataDB.open(db).close()).isInstanceOf(CorruptionException.class);
  }

  @Test
  void garbageInCurrent_isDamage() throws Exception {
    Files.writeString(db.resolve("CURRENT"), "MANIFEST-00000x\n");
    assertThat(verify().expect(1).out())
        .contains("DAMAGED CURRENT @0: CURRENT names no manifest: MANIFEST-00000x");
    assertThatThrownBy(() -> StrataDB.open(db).close()).isInstanceOf(CorruptionException.class);
  }

  @Test
  void tornManifestTail_thatLostRecords_isDamage() throws Exception {
    Path manifest = DbFixtures.lastFile(db, "MANIFEST-");
    DbFixtures.truncate(manifest, Files.size(manifest) - 3);
    String out = verify().expect(1).out();
    assertThat(out)
        .contains("note " + manifest.getFileName() + " @")
        .contains("torn tail")
        .containsPattern("DAMAGED \\d+\\.log: missing: " + manifest.getFileName()
            + " names it as the oldest live log");
    assertThatThrownBy(() -> StrataDB.open(db).close()).isInstanceOf(CorruptionException.class);
  }

  @Test
  void lastWalRecordWithBadChecksum_isDamage() throws Exception {
    Path wal = DbFixtures.lastFile(db, ".log");
    long size = Files.size(wal);
    DbFixtures.flipByte(wal, size - 2);
    String out = verify().expect(1).out();
    assertThat(out).containsPattern("DAMAGED " + wal.getFileName()
        + " @\\d+: the last record fails its payload checksum");
    // The open succeeds and silently drops the last synced write: the reason this is damage.
    try (StrataDB d = StrataDB.open(db)) {
      assertThat(d.get(b("wal18"))).isEqualTo(b("synced 18"));
      assertThat(d.get(b("wal19"))).isNull();
    }
  }

  @Test
  void tornWalTail_isANote() throws Exception {
    Path wal = DbFixtures.lastFile(db, ".log");
    DbFixtures.truncate(wal, Files.size(wal) - 5);
    CliProcess.Result r = verify().expect(0);
    assertThat(r.out())
        .containsPattern("note " + wal.getFileName() + " @\\d+: torn tail of \\d+ bytes")
        .contains("ok: ");
  }

  @Test
  void damagedTableBlock_reportsFileAndOffset() throws Exception {
    Path table = DbFixtures.lastFile(db, ".sst");
    List<Long> blocks = DbFixtures.blockOffsets(table);
    DbFixtures.flipByte(table, blocks.get(2) + 7);
    assertThat(verify().expect(1).out())
        .contains("DAMAGED " + table.getFileName() + " @" + blocks.get(2) + ": block checksum");
  }

  @Test
  void notADatabase_isAnError() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    assertThat(run("verify", "--db", empty.toString()).expect(1).err())
        .isEqualTo("strata: " + empty + " does not hold a database (no CURRENT file)\n");
  }
}
