package dev.strata.version;

import dev.strata.util.Bytes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The table files of one level at one moment. Immutable and thread-safe; a change makes a new
 * {@code Level} that {@link ConcurrentLevel#replace} installs.
 *
 * <p>Level 0 holds files in flush order whose key ranges may overlap; they are kept newest first
 * (by largest sequence) and a lookup consults every file whose range covers the key. Levels 1 and
 * below hold files with disjoint key ranges sorted by smallest key, found by binary search.
 */
public final class Level {
  private static final Comparator<FileMetadata> NEWEST_FIRST =
      Comparator.comparingLong(FileMetadata::largestSequence)
          .thenComparingLong(FileMetadata::number)
          .reversed();
  private static final Comparator<FileMetadata> BY_SMALLEST_KEY =
      (a, b) -> a.smallest().compareTo(b.smallest());

  private final int number;
  private final List<FileMetadata> files;
  private final long totalBytes;

  public Level(int number, List<FileMetadata> files) {
    this.number = number;
    List<FileMetadata> sorted = new ArrayList<>(files);
    sorted.sort(number == 0 ? NEWEST_FIRST : BY_SMALLEST_KEY);
    this.files = Collections.unmodifiableList(sorted);
    long bytes = 0;
    for (FileMetadata f : sorted) {
      bytes += f.fileSize();
    }
    this.totalBytes = bytes;
  }

  public static Level empty(int number) {
    return new Level(number, List.of());
  }

  public int number() {
    return number;
  }

  /** Level 0: newest first; other levels: by smallest key. */
  public List<FileMetadata> files() {
    return files;
  }

  public int fileCount() {
    return files.size();
  }

  public long totalBytes() {
    return totalBytes;
  }

  /** Files that may hold {@code userKey}, in the order a lookup must consult them. */
  public List<FileMetadata> filesForKey(byte[] userKey) {
    if (number == 0) {
      List<FileMetadata> out = new ArrayList<>(files.size());
      for (int i = 0, n = files.size(); i < n; i++) {
        FileMetadata f = files.get(i);
        if (f.mayContainKey(userKey)) {
          out.add(f);
        }
      }
      return out;
    }
    FileMetadata f = fileForKey(userKey);
    return f == null ? List.of() : List.of(f);
  }

  /**
   * For levels 1 and below: the one file whose key range holds {@code userKey}, or null if none.
   *
   * <p>Requires: this is not level 0, whose files overlap.
   */
  public FileMetadata fileForKey(byte[] userKey) {
    int i = findFile(userKey);
    if (i < files.size() && Bytes.compare(files.get(i).smallestUserKey(), userKey) <= 0) {
      return files.get(i);
    }
    return null;
  }

  /**
   * For levels 1 and below: index of the first file whose largest user key is >= {@code userKey}
   * ({@code fileCount()} if none).
   */
  public int findFile(byte[] userKey) {
    return findFile(files, userKey);
  }

  /** As {@link #findFile(byte[])} over any list of disjoint files sorted by key. */
  static int findFile(List<FileMetadata> files, byte[] userKey) {
    int lo = 0;
    int hi = files.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Bytes.compare(files.get(mid).largestUserKey(), userKey) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Files overlapping the user key range [begin, end] (null = unbounded). */
  public List<FileMetadata> overlapping(byte[] begin, byte[] end) {
    List<FileMetadata> out = new ArrayList<>();
    for (FileMetadata f : files) {
      if (f.overlaps(begin, end)) {
        out.add(f);
      }
    }
    return out;
  }

  /** A new level without {@code removed} and with {@code added}. */
  public Level with(List<FileMetadata> removed, List<FileMetadata> added) {
    List<FileMetadata> next = new ArrayList<>(files.size() + added.size());
    for (FileMetadata f : files) {
      boolean gone = false;
      for (FileMetadata r : removed) {
        if (r.number() == f.number()) {
          gone = true;
          break;
        }
      }
      if (!gone) {
        next.add(f);
      }
    }
    next.addAll(added);
    return new Level(number, next);
  }

  /** Whether files of a level >= 1 are sorted and disjoint; for assertions and tests. */
  public boolean isDisjoint() {
    if (number == 0) {
      return true;
    }
    for (int i = 1; i < files.size(); i++) {
      if (Bytes.compare(files.get(i - 1).largestUserKey(), files.get(i).smallestUserKey()) >= 0) {
        return false;
      }
    }
    return true;
  }
}
