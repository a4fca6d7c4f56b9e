package dev.strata.cli;

import dev.strata.fs.FileSystem;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Files of a database directory for the CLI tests: find them, damage them, snapshot them. */
final class DbFixtures {
  private DbFixtures() {}

  /** The file of {@code dir} whose name ends or starts with {@code part}, last by name. */
  static Path lastFile(Path dir, String part) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(part)
              || p.getFileName().toString().startsWith(part))
          .filter(p -> !part.equals(".log") || p.toFile().length() > 0)
          .max(Path::compareTo)
          .orElseThrow(() -> new AssertionError("no " + part + " file in " + dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void flipByte(Path file, long offset) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[(int) offset] ^= 0x40;
    Files.write(file, b);
  }

  static void truncate(Path file, long size) throws IOException {
    byte[] b = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(b, (int) size));
  }

  /** Offsets of a table's data blocks, in key order. */
  static List<Long> blockOffsets(Path table) throws IOException {
    try (TableReader t =
        TableReader.open(
            FileSystem.nio().openRead(table),
            table.getFileName().toString(),
            Files.size(table),
            BlockCache.create(0))) {
      return t.indexEntries().stream().map(TableReader.IndexEntry::offset).toList();
    }
  }

  /** Name to (size, modification time, content hash) of every file: to show nothing changed. */
  static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        FileTime t = Files.getLastModifiedTime(p);
        out.put(
            p.getFileName().toString(),
            Files.size(p) + " " + t.toMillis() + " " + Arrays.hashCode(Files.readAllBytes(p)));
      }
    }
    return out;
  }

  static void copyDir(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }
}
