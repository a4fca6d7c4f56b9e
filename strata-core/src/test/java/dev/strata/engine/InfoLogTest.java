package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.testing.FaultInjectionFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The database keeps its own {@code LOG}: what happened reaches whoever supports it, whatever
 * logging the application set up.
 *
 * <p>On 161ccc5 the database wrote no log of its own: recovery dropping a damaged WAL tail reached
 * only SLF4J, which the command line bound to a logger that discards everything.
 */
class InfoLogTest {
  private static final Path DIR = Path.of("/db");
  private static final Path LOG_FILE = DIR.resolve("LOG");

  private static String text(FaultInjectionFileSystem fs, Path p) {
    return new String(fs.read(p), StandardCharsets.UTF_8);
  }

  @Test
  void open_flushCompactAndClose_areInTheLog() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, Options.builder().fileSystem(fs).build())) {
      db.put(new byte[] {1}, new byte[] {2});
      db.compactRange(null, null);
    }

    String log = text(fs, LOG_FILE);
    assertThat(log)
        .contains("INFO", "opening with Options{", "opened at sequence 0")
        .contains("flushed the memtable of WAL", "compacted level 0 into", "closing at sequence 1");
  }

  @Test
  void flushAndCompaction_logOneLineEachWithTheirFigures() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, Options.builder().fileSystem(fs).jmx(false).build())) {
      for (int i = 0; i < 3; i++) {
        db.put(new byte[] {(byte) i}, new byte[] {2});
      }
      db.flush();
      String size = db.getProperty("strata.level-bytes0");
      assertThat(text(fs, LOG_FILE)).contains("(3 entries in, 3 out, " + size + " bytes) in ");
      db.put(new byte[] {1}, new byte[] {3});
      db.compactRange(null, null);
      String out = db.getProperty("strata.level-bytes6");
      assertThat(text(fs, LOG_FILE))
          .containsPattern(
              "compacted level 0 into 6 \\(MANUAL, 2 \\+ 0 input files, \\d+ bytes in, 1 output files, "
                  + out
                  + " bytes out, write amplification \\d+\\.\\d\\d\\) in \\d+ ms");
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void open_withWritesToReplay_logsTheReplayAndTheReusedWalOrTheFlushLeftToTheWorker(boolean reuseLogs)
      throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Options o =
        Options.builder().fileSystem(fs).jmx(false).reuseLogs(reuseLogs).flushOnClose(false).build();
    try (StrataDB db = StrataDB.open(DIR, o)) {
      for (int i = 0; i < 100; i++) {
        db.put(new byte[] {(byte) i}, new byte[100]);
      }
    }
    List<String> logs = fs.list(DIR).stream().filter(n -> n.endsWith(".log")).toList();
    assertThat(logs).hasSize(1);
    long walBytes = size(fs, logs.get(0));
    assertThat(text(fs, LOG_FILE)).doesNotContain("replayed");

    try (StrataDB db = StrataDB.open(DIR, o)) {
      // Without reuse, the replayed memtable is left to the flush worker (one family).
      String tables = "0";
      String tail =
          reuseLogs
              ? "; appending to " + logs.get(0)
              : "; " + logs.get(0) + "'s memtable is flushed in the background";
      assertThat(text(fs, LOG_FILE))
          .containsPattern(
              "replayed 1 WAL\\(s\\), " + walBytes + " bytes, in \\d+ ms \\(\\d+ ms of it writing "
                  + tables + " level-0 table\\(s\\)\\)" + java.util.regex.Pattern.quote(tail)
                  + "\n");
      assertThat(db.get(new byte[] {99})).hasSize(100);
    }
  }

  private static long size(FaultInjectionFileSystem fs, String name) {
    try {
      return fs.size(DIR.resolve(name));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void statsDump_writesStatsAndStatisticsToTheLog() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, Options.builder().fileSystem(fs).jmx(false).build())) {
      db.put(new byte[] {1}, new byte[] {2});
      ((DbImpl) db).dumpStatsForTesting();
      assertThat(text(fs, LOG_FILE))
          .contains("DUMPING STATS", "strata.keys.written COUNT : 1", "strata.get.nanos P50 : ");
    }
  }

  @Test
  void open_afterATornWalTail_logsWhatRecoveryDropped() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Options o = Options.builder().fileSystem(fs).flushOnClose(false).build();
    try (StrataDB db = StrataDB.open(DIR, o)) {
      db.put(new byte[] {1}, new byte[] {2});
    }
    String wal =
        fs.list(DIR).stream().filter(n -> n.endsWith(".log")).sorted().reduce((a, b) -> b).get();
    byte[] bytes = fs.read(DIR.resolve(wal));
    fs.overwrite(DIR.resolve(wal), Arrays.copyOf(bytes, bytes.length - 3));

    try (StrataDB db = StrataDB.open(DIR, o)) {
      assertThat(text(fs, LOG_FILE)).contains("WARN", wal + ": torn tail at offset");
    }
    assertThat(text(fs, DIR.resolve("LOG.old.1"))).contains("closing at sequence 1");
  }

  @Test
  void logs_rollPastTheirLimitAndKeepOnlyTheNewest() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Options o =
        Options.builder()
            .fileSystem(fs)
            .memtableSizeBytes(4096)
            .infoLogMaxBytes(4096)
            .infoLogFilesToKeep(2)
            .build();
    for (int round = 0; round < 4; round++) {
      try (StrataDB db = StrataDB.open(DIR, o)) {
        for (int i = 0; i < 2_000; i++) {
          db.put(("k" + i).getBytes(StandardCharsets.UTF_8), new byte[64]);
        }
      }
    }

    assertThat(fs.list(DIR).stream().filter(n -> n.startsWith("LOG.old.")).count()).isEqualTo(2);
    assertThat(fs.read(LOG_FILE).length).isLessThanOrEqualTo(4096);
  }

  @Test
  void infoLogOff_writesNoLogFile() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, Options.builder().fileSystem(fs).infoLog(false).build())) {
      db.put(new byte[] {1}, new byte[] {2});
      db.flush();
    }
    assertThat(fs.list(DIR)).noneMatch(n -> n.startsWith("LOG"));
  }
}
