package dev.strata.version;

import dev.strata.CorruptionException;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.wal.LogReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code CURRENT} and a manifest say, read without writing anything: the live table files per
 * level, the log number, the last sequence and the next file number. Recovery ({@link
 * VersionSet#recover}) reads the manifest through it and refuses a {@link #failure()}; repair and
 * the command line's {@code verify} and {@code stats} keep the edits before a failure and decide
 * what it means. The format is {@code docs/format/manifest.md}. Immutable once {@link #read}
 * returns it.
 */
public final class ManifestContents {
  private final String manifestName;
  private final List<Map<Long, FileMetadata>> levels = new ArrayList<>();
  private long logNumber;
  private long closedLogNumber = -1;
  private long closedLogLength = -1;
  private long lastSequence;
  private long nextFileNumber = -1;
  private long edits;
  /** Live column families other than the default, by id (the default family's manifest only). */
  private final Map<Integer, String> families = new TreeMap<>();
  private int maxFamilyId;
  private long tornTailOffset = -1;
  private CorruptionException failure;

  private ManifestContents(String manifestName) {
    this.manifestName = manifestName;
    for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
      levels.add(new TreeMap<>());
    }
  }

  /**
   * The name of the manifest {@code CURRENT} names in {@code dir}.
   *
   * @throws CorruptionException naming CURRENT if its size, newline or content is wrong
   * @throws IOException if it cannot be read (missing: {@code NoSuchFileException})
   */
  public static String readCurrent(FileSystem fs, Path dir) throws IOException {
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
          FileNames.CURRENT, 0, "CURRENT names no manifest: " + printable(name));
    }
    return name;
  }

  /** {@code s} with control characters shown as {@code \\uXXXX}, for messages. */
  private static String printable(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
                out.append(String.format("\\u%04X", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.toString();
  }

  /**
   * Reads manifest {@code name} of {@code dir}, applying its edits in order until its end (a torn
   * tail ends it too, see {@link #tornTailOffset()}) or the first record that fails a check
   * ({@link #failure()}).
   *
   * @throws IOException if the manifest cannot be read at all (missing: {@code
   *     NoSuchFileException})
   */
  public static ManifestContents read(FileSystem fs, Path dir, String name) throws IOException {
    ManifestContents m = new ManifestContents(name);
    try (ReadableFile file = fs.openRead(FileNames.path(dir, name))) {
      LogReader reader = new LogReader(file, name);
      try {
        byte[] record;
        while ((record = reader.next()) != null) {
          m.apply(VersionEdit.decode(record, name, reader.recordOffset()));
        }
        m.tornTailOffset = reader.tornTailOffset();
      } catch (CorruptionException e) {
        m.failure = e;
      }
    }
    return m;
  }

  private void apply(VersionEdit e) {
    edits++;
    // Only the last edit's: any edit after a close's record means the database was written again.
    closedLogNumber = e.closedLogNumber();
    closedLogLength = e.closedLogLength();
    for (VersionEdit.FamilyAdded f : e.familiesAdded()) {
      families.put(f.id(), f.name());
    }
    for (int id : e.familiesDropped()) {
      families.remove(id);
    }
    maxFamilyId = Math.max(maxFamilyId, e.maxFamilyId());
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
      nextFileNumber = e.nextFileNumber();
    }
  }

  public String manifestName() {
    return manifestName;
  }

  /** Live tables of each level, by file number, as far as the manifest was read. */
  public List<Map<Long, FileMetadata>> levels() {
    List<Map<Long, FileMetadata>> out = new ArrayList<>(levels.size());
    for (Map<Long, FileMetadata> l : levels) {
      out.add(Collections.unmodifiableMap(l));
    }
    return Collections.unmodifiableList(out);
  }

  public long logNumber() {
    return logNumber;
  }

  /**
   * The WAL a clean close forced when the manifest's last edit is that close's record, or -1
   * ({@link VersionEdit#setClosedLog}).
   */
  public long closedLogNumber() {
    return closedLogNumber;
  }

  /** The forced length of {@link #closedLogNumber()}, or -1. */
  public long closedLogLength() {
    return closedLogLength;
  }

  /** The live column families other than the default, by id, as far as the manifest was read. */
  public Map<Integer, String> families() {
    return Collections.unmodifiableMap(families);
  }

  /** The largest column family id ever handed out (0 if only the default exists). */
  public int maxFamilyId() {
    return maxFamilyId;
  }

  public long lastSequence() {
    return lastSequence;
  }

  /** The last next-file-number recorded, or -1 if no edit recorded one. */
  public long nextFileNumber() {
    return nextFileNumber;
  }

  public boolean sawNextFileNumber() {
    return nextFileNumber >= 0;
  }

  /** Edits applied. */
  public long edits() {
    return edits;
  }

  /** Where the manifest ended in a torn tail, or -1. */
  public long tornTailOffset() {
    return tornTailOffset;
  }

  /** The failure that stopped reading the manifest midway, or null if it was read to its end. */
  public CorruptionException failure() {
    return failure;
  }

  /** The level of table {@code number}, or -1 if no level lists it. */
  public int levelOf(long number) {
    for (int i = 0; i < levels.size(); i++) {
      if (levels.get(i).containsKey(number)) {
        return i;
      }
    }
    return -1;
  }

  /** Sum of the live tables' entry counts (every version and tombstone counts). */
  public long tableEntries() {
    long n = 0;
    for (Map<Long, FileMetadata> level : levels) {
      for (FileMetadata f : level.values()) {
        n += f.entryCount();
      }
    }
    return n;
  }
}
