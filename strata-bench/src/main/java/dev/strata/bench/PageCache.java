package dev.strata.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Drops the operating system's page cache for {@code --drop-caches}: first fsyncs every file of
 * the engine's directory, since the kernel frees only clean pages and a closed engine may leave
 * dirty ones (a log written without an fsync per write), then writes {@code 3} to {@code
 * /proc/sys/vm/drop_caches} (page cache, dentries and inodes), as {@code sync; echo 3 >
 * /proc/sys/vm/drop_caches} would for the files that matter. The fsync covers the engine's files
 * only, not the whole machine's as {@code sync(1)} does, which spares the disks other dirty data.
 *
 * <p>Writing the file needs root and a writable {@code /proc/sys} (a container usually mounts it
 * read-only); where the write fails the drop reports why and the run goes on with a warm page
 * cache, its rows marked {@link CacheState#NOT_DROPPED}. The file is a parameter so that tests
 * can point it at a temporary file or an unwritable path instead of the real one.
 *
 * <p>Confined to the thread running the engines. It remembers which failure reasons it has
 * reported, so that each is printed once per process.
 */
final class PageCache {
  /** The kernel's interface; writing 3 drops the page cache, dentries and inodes. */
  static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

  private final Path dropCachesFile;
  private final Set<String> reported = new HashSet<>();

  PageCache(Path dropCachesFile) {
    this.dropCachesFile = dropCachesFile;
  }

  Path dropCachesFile() {
    return dropCachesFile;
  }

  /**
   * The outcome of one attempt.
   *
   * @param state {@link CacheState#DROPPED} or {@link CacheState#NOT_DROPPED}
   * @param reason why it was not dropped, or empty
   */
  record Drop(CacheState state, Optional<String> reason) {
    static Drop dropped() {
      return new Drop(CacheState.DROPPED, Optional.empty());
    }

    static Drop failed(String reason) {
      return new Drop(CacheState.NOT_DROPPED, Optional.of(reason));
    }
  }

  /**
   * Makes the files under {@code dir} clean, then drops the page cache. Requires: the engine that
   * owns {@code dir} is closed. Blocks for the fsyncs and the drop (the kernel writes back and
   * frees every clean page of the machine).
   *
   * @param dir the engine's directory; one that does not exist (an engine that keeps nothing on
   *     disk) has nothing to fsync
   */
  Drop drop(Path dir) {
    Optional<String> unsynced = fsyncFiles(dir);
    if (unsynced.isPresent()) {
      return Drop.failed(unsynced.get());
    }
    return writeDropCaches();
  }

  /**
   * Tries the drop once, without an fsync, so that the run header can say whether drops will
   * work before any engine runs. A real drop, not a permission check: only the write tells.
   */
  Drop probe() {
    return writeDropCaches();
  }

  /** Whether {@code reason} has not been reported yet; it counts as reported from now on. */
  boolean firstReport(String reason) {
    return reported.add(reason);
  }

  private Drop writeDropCaches() {
    try {
      // WRITE only: no O_CREAT and no O_TRUNC on a /proc file, as the shell's `>` would not need.
      Files.write(dropCachesFile, "3\n".getBytes(StandardCharsets.US_ASCII),
          StandardOpenOption.WRITE);
      return Drop.dropped();
    } catch (AccessDeniedException ex) {
      return Drop.failed("no permission to write " + dropCachesFile + " (it needs root)");
    } catch (NoSuchFileException ex) {
      return Drop.failed(dropCachesFile + " does not exist (not Linux?)");
    } catch (FileSystemException ex) {
      return Drop.failed("cannot write " + dropCachesFile + ": "
          + (ex.getReason() != null ? ex.getReason() : ex.getMessage()));
    } catch (IOException ex) {
      return Drop.failed("cannot write " + dropCachesFile + ": " + ex);
    }
  }

  private static Optional<String> fsyncFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile).forEach(files::add);
    } catch (IOException | RuntimeException ex) {
      return Optional.of("cannot list " + dir + " to fsync it: " + ex);
    }
    for (Path f : files) {
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        ch.force(true);
      } catch (IOException ex) {
        return Optional.of("fsync of " + f + " failed: " + ex);
      }
    }
    return Optional.empty();
  }
}
