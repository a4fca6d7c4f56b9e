package dev.strata.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Asks whether another process holds a database's directory lock, without taking it for longer
 * than the question and without writing: a shared lock on a channel opened for reading, which
 * works on a read-only mount. Only for a process that holds no database open itself: on Linux,
 * closing any channel of a file drops every lock this process holds on it. Stateless.
 */
final class LockProbe {
  private LockProbe() {}

  /** Whether {@code lockFile} exists and another process holds it. */
  static boolean heldElsewhere(Path lockFile) {
    if (!Files.isRegularFile(lockFile)) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.READ)) {
      FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true);
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
