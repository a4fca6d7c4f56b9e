package dev.strata.testing;

import dev.strata.fs.FileSystem;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableProperties;
import dev.strata.sstable.TableReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/** Figures read from the table files of a database directory themselves, for tests. */
public final class TableFiles {
  private TableFiles() {}

  /** The sum of {@code figure} over the properties of every table in {@code dir} now. */
  public static long sum(Path dir, ToLongFunction<TableProperties> figure) throws IOException {
    List<Path> tables;
    try (Stream<Path> s = Files.list(dir)) {
      tables = s.filter(p -> p.getFileName().toString().endsWith(".sst")).toList();
    }
    long n = 0;
    for (Path p : tables) {
      try (TableReader r =
          TableReader.open(
              FileSystem.nio().openRead(p), p.getFileName().toString(), Files.size(p),
              BlockCache.create(0))) {
        n += figure.applyAsLong(r.properties());
      }
    }
    return n;
  }
}
