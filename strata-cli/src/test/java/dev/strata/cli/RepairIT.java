package dev.strata.cli;

import static dev.strata.cli.CliProcess.run;
import static org.assertj.core.api.Assertions.assertThat;

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
 * {@code strata repair} and {@code strata salvage} through the jar, on databases that no longer
 * open: exit 0 when nothing was lost, 3 with the lost ranges listed when something was, and a
 * database that opens (and verifies) afterwards. Before them (161ccc5) a database whose manifest
 * or CURRENT was damaged could not be recovered with the tool at all.
 */
class RepairIT {
  @TempDir Path tmp;
  private Path db;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @BeforeEach
  void createDatabase() {
    db = tmp.resolve("db");
    try (StrataDB d =
        StrataDB.open(db, Options.builder().blockSizeBytes(512).flushOnClose(false).build())) {
      for (int i = 0; i < 400; i++) {
        d.put(b(String.format("key%04d", i)), b("value " + i));
      }
      d.flush();
      for (int i = 0; i < 20; i++) {
        d.put(b(String.format("wal%02d", i)), b("synced " + i), WriteOptions.SYNC);
      }
    }
  }

  @Test
  void repair_garbageInCurrent_rebuildsEverythingAndExits0() throws Exception {
    Files.writeString(db.resolve("CURRENT"), "garbage\n");
    run("get", "--db", db.toString(), "key0007").expect(1);

    CliProcess.Result r = run("repair", "--db", db.toString()).expect(0);

    assertThat(r.out()).contains("repaired ", "420 entries written");
    assertThat(run("get", "--db", db.toString(), "key0007").expect(0).out()).contains("value 7");
    assertThat(run("get", "--db", db.toString(), "wal19").expect(0).out()).contains("synced 19");
    run("verify", "--db", db.toString()).expect(0);
  }

  @Test
  void repair_damagedTableBlock_listsTheLostRangeAndExits3() throws Exception {
    Path table = DbFixtures.lastFile(db, ".sst");
    List<Long> blocks = DbFixtures.blockOffsets(table);
    DbFixtures.flipByte(table, blocks.get(blocks.size() / 2) + 3);

    CliProcess.Result r = run("repair", "--db", db.toString()).expect(RepairCommands.LOST_SOMETHING);

    assertThat(r.out()).contains("1 in part", "lost: " + table.getFileName(), "moved to lost/: ");
    assertThat(db.resolve("lost").resolve(table.getFileName())).exists();
    assertThat(run("get", "--db", db.toString(), "key0000").expect(0).out()).contains("value 0");
    assertThat(run("get", "--db", db.toString(), "wal00").expect(0).out()).contains("synced 0");
    run("verify", "--db", db.toString()).expect(0);
  }

  @Test
  void salvage_intoANewDirectory_copiesAndLeavesTheSourceUntouched() throws Exception {
    Files.writeString(db.resolve("CURRENT"), "garbage\n");
    Map<String, String> before = DbFixtures.snapshot(db);
    Path to = tmp.resolve("copy");

    run("salvage", "--db", db.toString(), "--to", to.toString()).expect(0);

    assertThat(DbFixtures.snapshot(db)).isEqualTo(before);
    assertThat(run("get", "--db", to.toString(), "key0399").expect(0).out()).contains("value 399");
    run("salvage", "--db", db.toString(), "--to", to.toString()).expect(1);
  }
}
