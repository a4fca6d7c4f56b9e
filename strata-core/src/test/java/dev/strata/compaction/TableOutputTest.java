package dev.strata.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.sstable.TableOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.Event;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A flush's or compaction's outputs: files finished before the last are synced and closed on a
 * thread of the output's own; none may be left unsynced, open or undeleted, whatever fails.
 */
class TableOutputTest {
  private static final Path DIR = Path.of("/db");
  private static final int ENTRIES = 4000;

  private FaultInjectionFileSystem fs;
  private final AtomicLong fileNumbers = new AtomicLong(10);

  @BeforeEach
  void setUp() throws IOException {
    fs = new FaultInjectionFileSystem(1);
    fs.createDirectories(DIR);
  }

  /** Entries of 100-byte values into files of about 64 KiB: about six files. */
  private TableOutput output() {
    return new TableOutput(
        fs,
        DIR,
        fileNumbers::incrementAndGet,
        new TableOptions(4096, 16, Compression.NONE, 10),
        64 << 10,
        List.of(),
        Long.MAX_VALUE,
        new AtomicLong(),
        null);
  }

  private static void fill(TableOutput out) throws IOException {
    for (int i = 0; i < ENTRIES; i++) {
      out.add(String.format("key%08d", i).getBytes(), Trailer.pack(i + 1, ValueKind.VALUE),
          new byte[100]);
    }
  }

  @Test
  void finish_manyFiles_eachSyncedAndClosedBeforeTheDirectory() throws IOException {
    fs.setTracing(true);
    TableOutput out = output();
    fill(out);
    List<FileMetadata> files = out.finish();

    assertThat(files).hasSizeGreaterThan(3);
    assertThat(fs.openHandles()).isZero();
    List<Event> trace = fs.trace();
    long dirSync =
        trace.stream().filter(e -> e.op() == Op.SYNC_DIRECTORY).mapToLong(Event::index).max()
            .orElseThrow();
    for (FileMetadata f : files) {
      Path p = DIR.resolve(FileNames.table(f.number()));
      assertThat(trace)
          .as("%s synced before the directory", p)
          .anyMatch(e -> e.op() == Op.SYNC && p.equals(e.path()) && e.index() < dirSync);
      assertThat(trace)
          .as("%s closed", p)
          .anyMatch(e -> e.op() == Op.CLOSE && p.equals(e.path()) && e.index() < dirSync);
    }
    // A crash right after: every file holds what was written.
    FaultInjectionFileSystem after = fs.crash(FaultInjectionFileSystem.CrashMode.DROP_UNSYNCED,
        new java.util.Random(1));
    for (FileMetadata f : files) {
      assertThat((long) after.read(DIR.resolve(FileNames.table(f.number()))).length)
          .isEqualTo(f.fileSize());
    }
  }

  @Test
  void finish_aSyncOnTheSyncThreadFails_reportedAndAbandonDeletesEveryFile() throws IOException {
    Path second = DIR.resolve(FileNames.table(12));
    fs.failNext(Op.SYNC, second::equals);
    TableOutput out = output();
    fill(out);

    assertThatThrownBy(out::finish).isInstanceOf(IOException.class);
    out.abandon();

    assertThat(fs.openHandles()).isZero();
    assertThat(fs.list(DIR)).noneMatch(n -> n.endsWith(".sst"));
  }

  @Test
  void finish_callerInterrupted_waitsForEverySyncAndKeepsTheFlag() throws IOException {
    TableOutput out = output();
    fill(out);
    Thread.currentThread().interrupt();
    List<FileMetadata> files;
    try {
      files = out.finish();
    } finally {
      assertThat(Thread.interrupted()).as("the caller's interrupt is kept").isTrue();
    }
    assertThat(files).hasSizeGreaterThan(3);
    assertThat(fs.openHandles()).isZero();
  }

  @Test
  void abandon_midway_leavesNoFileOpenOrOnDisk() throws IOException {
    TableOutput out = output();
    for (int i = 0; i < ENTRIES / 2; i++) {
      out.add(String.format("key%08d", i).getBytes(), Trailer.pack(i + 1, ValueKind.VALUE),
          new byte[100]);
    }
    out.abandon();

    assertThat(fs.openHandles()).isZero();
    assertThat(fs.list(DIR)).noneMatch(n -> n.endsWith(".sst"));
  }
}
