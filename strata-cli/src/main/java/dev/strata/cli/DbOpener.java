package dev.strata.cli;

import dev.strata.MergeOperator;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.fs.FileSystem;
import dev.strata.version.FileNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every database open of the command goes through here, so that one rule holds for every
 * command: nothing is created unless the user passed {@code --create}, and the commands that only
 * read ({@code get}, {@code scan}, {@code dump}, {@code stats}) open through {@link #forReading};
 * and every open configures the merge operator its command was given ({@link
 * MergeOperatorOption}, null for none), passed in rather than kept here. Stateless but for a test
 * hook.
 */
final class DbOpener {
  private static final Logger LOG = LoggerFactory.getLogger(DbOpener.class);

  /**
   * The file system every open uses; null for the real one. Written only by tests before they run
   * a command in-process, read by the command's thread; volatile so the write is seen.
   */
  private static volatile FileSystem fileSystemForTesting;

  private DbOpener() {}

  /**
   * Opens an existing database to read it, with merge operator {@code merge} (null for none).
   *
   * @throws IllegalArgumentException if {@code dir} holds no database
   */
  static StrataDB forReading(Path dir, MergeOperator merge) {
    return forReading(dir, merge, null);
  }

  /**
   * As {@link #forReading(Path, MergeOperator)}, with the merge operator given to column family
   * {@code family} too (null or {@code default}: the default family only).
   */
  static StrataDB forReading(Path dir, MergeOperator merge, String family) {
    requireDatabase(dir, false);
    // Read-only: no lock, nothing written; works on a read-only mount, a full disk, and beside a
    // process that has the database open for writing.
    return logged(
        dir, "reading", () -> StrataDB.openReadOnly(dir, options(false, merge, family)));
  }

  /**
   * Opens a database to change it, creating it (and its directory) only if {@code create}, with
   * merge operator {@code merge} (null for none).
   *
   * @throws IllegalArgumentException if {@code dir} holds no database and {@code create} is off
   */
  static StrataDB forWriting(Path dir, boolean create, MergeOperator merge) {
    return forWriting(dir, create, merge, null);
  }

  /** As {@link #forWriting(Path, boolean, MergeOperator)}, the operator for {@code family} too. */
  static StrataDB forWriting(Path dir, boolean create, MergeOperator merge, String family) {
    if (!create) {
      requireDatabase(dir, true);
    }
    return logged(dir, "writing", () -> StrataDB.open(dir, options(create, merge, family)));
  }

  /**
   * Refuses a directory that does not exist, is a file, or holds no database file at all, with a
   * message naming it. A directory with table or log files but no CURRENT is left to the open,
   * which reports it as damage.
   */
  static void requireDatabase(Path dir, boolean writing) {
    FileSystem fs = fileSystem();
    String hint = writing ? "; pass --create to create one" : "";
    if (!fs.exists(dir)) {
      throw new IllegalArgumentException("no database at " + dir + ": no such directory" + hint);
    }
    if (Files.isRegularFile(dir)) {
      throw new IllegalArgumentException(dir + " is a file, not a database directory");
    }
    if (fs.exists(FileNames.path(dir, FileNames.CURRENT))) {
      return;
    }
    try {
      for (String n : fs.list(dir)) {
        FileNames.Kind k = FileNames.parse(n).kind();
        if (k == FileNames.Kind.TABLE || k == FileNames.Kind.LOG) {
          return;
        }
      }
    } catch (IOException e) {
      return;
    }
    throw new IllegalArgumentException(dir + " does not hold a database (no CURRENT file)" + hint);
  }

  private static StrataDB logged(Path dir, String mode, Supplier<StrataDB> open) {
    long start = System.nanoTime();
    StrataDB d = open.get();
    LOG.info("opened {} for {} in {} ms", dir, mode, (System.nanoTime() - start) / 1_000_000);
    return d;
  }

  private static Options options(boolean create, MergeOperator merge) {
    return options(create, merge, null);
  }

  private static Options options(boolean create, MergeOperator merge, String family) {
    // A command is a short session: its writes stay in the WAL for the next one to replay, as
    // before Options.flushOnClose, instead of a level-0 table per command (a put loop in a shell
    // script would otherwise leave a table per key for compaction to merge).
    Options.Builder b =
        Options.builder().createIfMissing(create).mergeOperator(merge).flushOnClose(false);
    if (family != null && !family.equals(dev.strata.ColumnFamilyHandle.DEFAULT_NAME)) {
      b.columnFamilyOptions(
          family, dev.strata.ColumnFamilyOptions.builder().mergeOperator(merge).build());
    }
    FileSystem fs = fileSystemForTesting;
    if (fs != null) {
      b.fileSystem(fs);
    }
    return b.build();
  }

  private static FileSystem fileSystem() {
    FileSystem fs = fileSystemForTesting;
    return fs != null ? fs : FileSystem.nio();
  }

  /** The options of an open that creates nothing, with merge operator {@code merge} or none. */
  static Options options(MergeOperator merge) {
    return options(false, merge);
  }

  /** Makes every later open use {@code fs}; null restores the real file system. */
  static void useFileSystemForTesting(FileSystem fs) {
    fileSystemForTesting = fs;
  }
}
