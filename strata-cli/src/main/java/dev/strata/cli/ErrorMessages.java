package dev.strata.cli;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * One line saying what failed, for the user: the exception's message with its causes' messages
 * when they add something, and the file of a file-system error named in words (Java's {@code
 * NoSuchFileException} says only the path). Stateless.
 */
final class ErrorMessages {
  private ErrorMessages() {}

  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder();
    int depth = 0;
    for (Throwable c = e; c != null && depth < 8; c = c.getCause(), depth++) {
      String m = own(c);
      if (!m.isEmpty() && sb.indexOf(m) < 0) {
        sb.append(sb.length() == 0 ? "" : ": ").append(m);
      }
    }
    return sb.length() > 0 ? sb.toString() : e.getClass().getSimpleName();
  }

  private static String own(Throwable e) {
    if (e instanceof UncheckedIOException && e.getCause() != null) {
      return "";
    }
    if (e instanceof NoSuchFileException f) {
      return "no such file or directory: " + f.getFile();
    }
    if (e instanceof AccessDeniedException f) {
      return "permission denied: " + f.getFile();
    }
    if (e instanceof NotDirectoryException f) {
      return "not a directory: " + f.getFile();
    }
    if (e instanceof FileAlreadyExistsException f) {
      return "already exists: " + f.getFile();
    }
    if (e instanceof DirectoryNotEmptyException f) {
      return "directory not empty: " + f.getFile();
    }
    if (e instanceof FileSystemException f) {
      String what = f.getReason() != null ? f.getReason() : "failed";
      return f.getFile() != null ? f.getFile() + ": " + what : what;
    }
    String m = e.getMessage();
    return m != null && !m.isEmpty() ? m : e.getClass().getSimpleName();
  }
}
