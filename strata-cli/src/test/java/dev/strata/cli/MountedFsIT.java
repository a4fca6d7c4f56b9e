package dev.strata.cli;

import static dev.strata.cli.CliProcess.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.DBIterator;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar on a full file system (a 2 MiB tmpfs) and on a read-only directory (a read-only bind
 * mount). Mounting needs root: elsewhere these tests are skipped with the reason printed.
 */
class MountedFsIT {
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  @TempDir Path tmp;
  private Path db;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @BeforeEach
  void requireRoot() {
    if (!ROOT) {
      System.out.println("MountedFsIT skipped: mounting a tmpfs or a bind mount needs root");
    }
    assumeTrue(ROOT, "mounting a tmpfs or a bind mount needs root");
  }

  /** About 3 MiB of data: more than the 2 MiB file system holds. */
  private Path bigDatabase() {
    db = tmp.resolve("db");
    try (StrataDB d = StrataDB.open(db)) {
      WriteBatch batch = new WriteBatch();
      for (int i = 0; i < 3000; i++) {
        batch.put(b(String.format("key%05d", i)), b("v".repeat(1000)));
      }
      d.write(batch, WriteOptions.SYNC);
      d.flush();
    }
    return db;
  }

  private static void sh(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0,
        String.join(" ", command) + " failed: " + out);
  }

  /** Runs {@code body} with a 2 MiB tmpfs mounted at {@code dir}, unmounting it after. */
  private void withFullDisk(Path dir, ThrowingConsumer body) throws Exception {
    Files.createDirectories(dir);
    sh("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir.toString());
    try {
      body.accept(dir);
    } finally {
      sh("umount", dir.toString());
    }
  }

  interface ThrowingConsumer {
    void accept(Path p) throws Exception;
  }

  /**
   * Defect 3, to a file. Before the fix: exit 0 and a dump cut off at the size of the disk
   * (PrintWriter swallowed the "No space left on device").
   */
  @Test
  void dumpToAFile_onAFullDisk_failsAndLeavesNoPartialFile() throws Exception {
    bigDatabase();
    withFullDisk(tmp.resolve("full"), full -> {
      Path out = full.resolve("dump.txt");
      CliProcess.Result r = run("dump", "--db", db.toString(), "-o", out.toString()).expect(1);
      assertThat(r.err()).isEqualTo("strata: writing the dump to " + out + " failed: No space"
          + " left on device; the partial file was removed\n");
      assertThat(out).doesNotExist();
    });
  }

  /** Defect 3, to stdout. Before the fix: exit 0 and a truncated file. */
  @Test
  void dumpToStdout_onAFullDisk_fails() throws Exception {
    bigDatabase();
    withFullDisk(tmp.resolve("full"), full -> {
      Path out = full.resolve("dump.txt");
      CliProcess.Result r = CliProcess.strata("dump", "--db", db.toString()).stdoutTo(out).run();
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .isEqualTo("strata: writing to standard output failed: No space left on device\n");
    });
  }

  /**
   * Defect 2's failure half: a load that fills the disk fails, says which rows are committed, and
   * they are there. Before the fix: "strata: write failed: java.io.IOException: No space left on
   * device", with no line and no count (and the rows written before were never forced).
   */
  @Test
  void load_ontoAFullDisk_reportsTheCommittedRows() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      sb.append(String.format("key%05d\t%s\n", i, "v".repeat(1000)));
    }
    Path input = tmp.resolve("in.txt");
    Files.writeString(input, sb);
    Path copy = tmp.resolve("copy");
    withFullDisk(tmp.resolve("full"), full -> {
      Path target = full.resolve("db");
      StrataDB.open(target).close();
      CliProcess.Result r = run("load", "--db", target.toString(), input.toString()).expect(1);
      Matcher m = Pattern.compile("; the (\\d+) rows before line (\\d+) are committed and durable")
          .matcher(r.err());
      assertThat(m.find()).as(r.err()).isTrue();
      assertThat(r.err())
          .contains("\nstrata: writing the batch of rows from line ")
          .contains("No space left on device")
          .as("no stack trace without --verbose").doesNotContain("\tat ");
      long committed = Long.parseLong(m.group(1));
      assertThat(Long.parseLong(m.group(2))).isEqualTo(committed + 1);
      DbFixtures.copyDir(target, copy);
      try (StrataDB d = StrataDB.open(copy);
          DBIterator it = d.newIterator()) {
        long n = 0;
        for (it.seekToFirst(); it.isValid() && n < committed; it.next(), n++) {
          assertThat(new String(it.key(), StandardCharsets.UTF_8))
              .isEqualTo(String.format("key%05d", n));
        }
        assertThat(n).isEqualTo(committed);
      }
    });
  }

  /**
   * A read-only directory: the reading commands (get, scan, stats, dump, verify, the file dumps)
   * work and write nothing, through {@code StrataDB.openReadOnly}; writing commands fail with one
   * clear line.
   */
  @Test
  void readOnlyDirectory_readsAndRefusesWritesClearly() throws Exception {
    db = tmp.resolve("db");
    try (StrataDB d = StrataDB.open(db)) {
      d.put(b("k"), b("v"), WriteOptions.SYNC);
      d.flush();
      d.put(b("k3"), b("in the WAL"), WriteOptions.SYNC);
    }
    Path ro = Files.createDirectory(tmp.resolve("ro"));
    sh("mount", "--bind", db.toString(), ro.toString());
    try {
      sh("mount", "-o", "remount,bind,ro", ro.toString());
      Map<String, String> before = DbFixtures.snapshot(ro);
      assertThat(run("verify", "--db", ro.toString()).expect(0).out()).contains("ok: ");
      run("sst-dump", DbFixtures.lastFile(ro, ".sst").toString()).expect(0);
      assertThat(run("put", "--db", ro.toString(), "k2", "v").expect(1).err())
          .startsWith("strata: ").contains("Read-only file system").doesNotContain("\tat ");
      assertThat(run("get", "--db", ro.toString(), "k").expect(0).out()).contains("v");
      assertThat(run("get", "--db", ro.toString(), "k3").expect(0).out()).contains("in the WAL");
      assertThat(run("scan", "--db", ro.toString()).expect(0).out()).contains("k", "k3");
      run("stats", "--db", ro.toString()).expect(0);
      assertThat(run("dump", "--db", ro.toString()).expect(0).out()).contains("k3");
      assertThat(DbFixtures.snapshot(ro)).isEqualTo(before);
    } finally {
      sh("umount", ro.toString());
    }
  }
}
