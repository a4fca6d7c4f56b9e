package dev.strata.engine;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.fs.FileSystem;
import dev.strata.fs.WritableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.MessageFormatter;

/**
 * The database's own human-readable log, {@code LOG} in its directory, as RocksDB keeps one: what
 * the database did and what went wrong (open and recovery, flushes, compactions, stalls, errors,
 * close), for whoever supports it, whatever logging the application configured. Each event also
 * goes to SLF4J. At open the previous {@code LOG} becomes {@code LOG.old.<n>}, and so does a
 * {@code LOG} that grows past its limit; the newest {@code filesToKeep} old logs are kept.
 *
 * <p>Thread-safe: lines are appended under {@code lock} (rank 9, a leaf), which is held across the
 * append; no caller on the read or write hot path logs here. A failure to write disables the file
 * (reported once through SLF4J) and never fails the database. A disabled log ({@link #NONE}, for a
 * read-only open or {@code Options.infoLog(false)}) writes nothing.
 */
final class InfoLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InfoLog.class);
  static final String NAME = "LOG";
  private static final String OLD_PREFIX = "LOG.old.";

  /** Writes no file; events still go to SLF4J. */
  static final InfoLog NONE = new InfoLog(null, null, 0, 0);

  private final FileSystem fs;
  private final Path dir;
  private final long maxBytes;
  private final int filesToKeep;

  /** Rank 9 (leaf): guards {@code file} and {@code disabled}. */
  private final ReentrantLock lock = new ReentrantLock();

  @GuardedBy("lock")
  private WritableFile file;

  @GuardedBy("lock")
  private boolean disabled;

  private InfoLog(FileSystem fs, Path dir, long maxBytes, int filesToKeep) {
    this.fs = fs;
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.filesToKeep = filesToKeep;
    this.disabled = fs == null;
  }

  /** Starts {@code dir/LOG}, moving an existing one aside; {@link #NONE} if that fails. */
  static InfoLog open(FileSystem fs, Path dir, long maxBytes, int filesToKeep) {
    InfoLog log = new InfoLog(fs, dir, maxBytes, filesToKeep);
    log.lock.lock();
    try {
      log.rollLocked();
    } catch (IOException e) {
      LOG.warn("cannot start the LOG file of {}; it stays off: {}", dir, e.toString());
      return NONE;
    } finally {
      log.lock.unlock();
    }
    return log;
  }

  void info(String format, Object... args) {
    String message = MessageFormatter.arrayFormat(format, args).getMessage();
    LOG.info("{}: {}", dir, message);
    append("INFO", message, null);
  }

  void warn(String format, Object... args) {
    org.slf4j.helpers.FormattingTuple t = MessageFormatter.arrayFormat(format, args);
    LOG.warn("{}: {}", dir, t.getMessage(), t.getThrowable());
    append("WARN", t.getMessage(), t.getThrowable());
  }

  void error(String format, Object... args) {
    org.slf4j.helpers.FormattingTuple t = MessageFormatter.arrayFormat(format, args);
    LOG.error("{}: {}", dir, t.getMessage(), t.getThrowable());
    append("ERROR", t.getMessage(), t.getThrowable());
  }

  private void append(String level, String message, Throwable error) {
    if (fs == null) {
      return;
    }
    StringBuilder line =
        new StringBuilder(96)
            .append(Instant.now())
            .append(' ')
            .append(level)
            .append(" [")
            .append(Thread.currentThread().getName())
            .append("] ")
            .append(message)
            .append('\n');
    for (Throwable t = error; t != null; t = t.getCause()) {
      line.append("    ").append(t).append('\n');
      StackTraceElement[] trace = t.getStackTrace();
      for (int i = 0; i < Math.min(8, trace.length); i++) {
        line.append("        at ").append(trace[i]).append('\n');
      }
    }
    byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
    lock.lock();
    try {
      if (disabled) {
        return;
      }
      if (file.size() + bytes.length > maxBytes) {
        rollLocked();
      }
      file.append(bytes, 0, bytes.length);
    } catch (IOException e) {
      disabled = true;
      LOG.warn("writing the LOG file of {} failed; it is off until reopen: {}", dir, e.toString());
    } finally {
      lock.unlock();
    }
  }

  /** Closes the current file, renames it to the next {@code LOG.old.<n>}, starts a new one. */
  @GuardedBy("lock")
  private void rollLocked() throws IOException {
    assert lock.isHeldByCurrentThread();
    if (file != null) {
      file.close();
      file = null;
    }
    Path current = dir.resolve(NAME);
    List<Long> old = oldNumbers();
    if (fs.exists(current)) {
      long next = old.isEmpty() ? 1 : old.get(old.size() - 1) + 1;
      fs.rename(current, dir.resolve(OLD_PREFIX + next));
      old.add(next);
    }
    for (int i = 0; i < old.size() - filesToKeep; i++) {
      fs.delete(dir.resolve(OLD_PREFIX + old.get(i)));
    }
    file = fs.create(current);
  }

  private List<Long> oldNumbers() throws IOException {
    List<Long> out = new ArrayList<>();
    for (String n : fs.list(dir)) {
      if (n.startsWith(OLD_PREFIX)) {
        try {
          out.add(Long.parseLong(n.substring(OLD_PREFIX.length())));
        } catch (NumberFormatException e) {
          // Not one of ours: leave it alone.
        }
      }
    }
    Collections.sort(out);
    return out;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      disabled = true;
      if (file != null) {
        file.close();
        file = null;
      }
    } catch (IOException e) {
      LOG.warn("closing the LOG file of {}: {}", dir, e.toString());
    } finally {
      lock.unlock();
    }
  }
}
