package dev.strata.sstable;

import dev.strata.fs.FileSystem;
import dev.strata.fs.WritableFile;
import dev.strata.key.InternalIterator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Writes and scans test tables. Stateless. */
final class Tables {
  private Tables() {}

  /** Writes {@code entries} to {@code path}, syncs and closes it. */
  static TableProperties write(FileSystem fs, Path path, List<Entry> entries, TableOptions options)
      throws IOException {
    try (WritableFile file = fs.create(path);
        TableBuilder builder = new TableBuilder(file, path.getFileName().toString(), options)) {
      for (Entry e : entries) {
        builder.add(e.userKey(), e.trailer(), e.value());
      }
      TableProperties properties = builder.finish();
      file.sync();
      return properties;
    }
  }

  /** The bytes of a table of {@code entries}, built in memory with a fixed creation time. */
  static byte[] bytes(List<Entry> entries, TableOptions options) {
    MemoryFile.Writer file = MemoryFile.writer();
    try (TableBuilder builder = new TableBuilder(file, "memory.sst", options, 1_700_000_000_000L)) {
      for (Entry e : entries) {
        builder.add(e.userKey(), e.trailer(), e.value());
      }
      builder.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file.toByteArray();
  }

  static TableReader open(FileSystem fs, Path path, BlockCache cache) throws IOException {
    return TableReader.open(fs.openRead(path), path.getFileName().toString(), fs.size(path), cache);
  }

  static List<Entry> scanForward(InternalIterator it) {
    List<Entry> out = new ArrayList<>();
    for (it.seekToFirst(); it.isValid(); it.next()) {
      out.add(new Entry(it.userKey(), it.trailer(), it.value()));
    }
    return out;
  }

  static List<Entry> scanBackward(InternalIterator it) {
    List<Entry> out = new ArrayList<>();
    for (it.seekToLast(); it.isValid(); it.prev()) {
      out.add(new Entry(it.userKey(), it.trailer(), it.value()));
    }
    java.util.Collections.reverse(out);
    return out;
  }

  /**
   * Fills {@code value} as test tables' values of key number {@code i} in table {@code table}:
   * compressible (a word naming both, repeated) or not ({@code random} bytes).
   */
  static void fillValue(byte[] value, char table, int i, boolean compressible, Random random) {
    if (compressible) {
      byte[] word = (table + "-" + i + "-").getBytes(StandardCharsets.UTF_8);
      for (int j = 0; j < value.length; j++) {
        value[j] = word[j % word.length];
      }
    } else {
      random.nextBytes(value);
    }
  }
}
