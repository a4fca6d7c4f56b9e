package dev.strata.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Size and removal of a directory tree: for the runner and the JMH benchmarks. Stateless. */
public final class DirectoryTree {
  private DirectoryTree() {}

  /** Total bytes of the regular files under {@code dir}; 0 if it does not exist. */
  static long sizeBytes(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(DirectoryTree::size).sum();
    } catch (UncheckedIOException ex) {
      throw ex.getCause();
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (NoSuchFileException ex) {
      return 0;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /** Deletes {@code dir} and everything under it, if it exists. */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> s = Files.walk(dir)) {
      paths = s.sorted(Comparator.reverseOrder()).collect(Collectors.toList());
    }
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }
}
