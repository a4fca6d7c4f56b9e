package dev.strata.cli;

import dev.strata.CorruptionException;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code CURRENT} and the manifest it names say, read the way the engine's recovery ({@code
 * VersionSet.recover}) reads them but without writing anything: the live table files per level,
 * the log number, the last sequence. Used by {@code verify} and {@code stats}. A manifest that
 * fails a check midway keeps the edits before it, so that later checks can use them, and records
 * the failure; the caller decides what it means. Not thread-safe; built by {@link #read}.
 */
final class ManifestState {
  /** The manifest's name, from CURRENT. */
  final String manifestName;

  /** Live tables per level, by file number. */
  final List<Map<Long, FileMetadata>> levels = new ArrayList<>();

  long logNumber;
  long lastSequence;
  boolean sawNextFileNumber;
  long edits;

  /** Where the manifest ended in a torn tail, or -1. */
  long tornTailOffset = -1;

  /** The failure that stopped reading the manifest midway, or null if it was read to its end. */
  CorruptionException failure;

  private ManifestState(String manifestName) {
    this.manifestName = manifestName;
    for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
      levels.add(new TreeMap<>());
    }
  }

  /**
   * The name of the manifest CURRENT names, checked as recovery checks it.
   *
   * @throws CorruptionException naming CURRENT if its size, newline or content is wrong
   */
  static String readCurrent(FileSystem fs, Path dir) throws IOException {
    Path current = FileNames.path(dir, FileNames.CURRENT);
    long size = fs.size(current);
    if (size <= 1 || size > 256) {
      throw new CorruptionException(FileNames.CURRENT, 0, "CURRENT has invalid size " + size);
    }
    byte[] buf = new byte[(int) size];
    try (ReadableFile f = fs.openRead(current)) {
      f.readFully(0, buf, 0, buf.length);
    }
    String s = new String(buf, StandardCharsets.UTF_8);
    if (!s.endsWith("\n")) {
      throw new CorruptionException(FileNames.CURRENT, size - 1, "CURRENT lacks its newline");
    }
    String name = s.substring(0, s.length() - 1);
    if (FileNames.parse(name).kind() != FileNames.Kind.MANIFEST) {
      throw new CorruptionException(
          FileNames.CURRENT, 0, "CURRENT names no manifest: " + DumpFormat.escape(
              name.getBytes(StandardCharsets.UTF_8)));
    }
    return name;
  }

  /**
   * Reads manifest {@code name} of {@code dir}, applying its edits in order until its end or the
   * first record that fails a check ({@link #failure}).
   *
   * @throws IOException if the manifest cannot be read at all (missing: {@code
   *     NoSuchFileException})
   */
  static ManifestState read(FileSystem fs, Path dir, String name) throws IOException {
    ManifestState s = new ManifestState(name);
    try (ReadableFile file = fs.openRead(FileNames.path(dir, name))) {
      LogReader reader = new LogReader(file, name);
      try {
        byte[] record;
        while ((record = reader.next()) != null) {
          s.apply(VersionEdit.decode(record, name, reader.recordOffset()));
        }
        s.tornTailOffset = reader.tornTailOffset();
      } catch (CorruptionException e) {
        s.failure = e;
      }
    }
    return s;
  }

  private void apply(VersionEdit e) {
    edits++;
    for (VersionEdit.Deleted d : e.deleted()) {
      levels.get(d.level()).remove(d.number());
    }
    for (VersionEdit.Added a : e.added()) {
      levels.get(a.level()).put(a.file().number(), a.file());
    }
    if (e.logNumber() >= 0) {
      logNumber = e.logNumber();
    }
    if (e.lastSequence() >= 0) {
      lastSequence = Math.max(lastSequence, e.lastSequence());
    }
    if (e.nextFileNumber() >= 0) {
      sawNextFileNumber = true;
    }
  }

  /** The level of table {@code number}, or -1 if no level lists it. */
  int levelOf(long number) {
    for (int i = 0; i < levels.size(); i++) {
      if (levels.get(i).containsKey(number)) {
        return i;
      }
    }
    return -1;
  }

  /** Sum of the live tables' entry counts (every version and tombstone counts). */
  long tableEntries() {
    long n = 0;
    for (Map<Long, FileMetadata> level : levels) {
      for (FileMetadata f : level.values()) {
        n += f.entryCount();
      }
    }
    return n;
  }
}
