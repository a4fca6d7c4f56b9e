package dev.strata.version;

import java.nio.file.Path;

/**
 * Names of the files in a database directory; the spec is {@code docs/format/files.md}. File
 * numbers come from one counter ({@link VersionSet#newFileNumber()}), so every name is unique for
 * the database's life.
 *
 * <pre>
 * LOCK              held with an OS file lock while the database is open
 * CURRENT           the live manifest's name and a newline; replaced atomically by rename
 * MANIFEST-NNNNNN   log of version edits
 * NNNNNN.log        write-ahead log of one memtable
 * NNNNNN.sst        table file
 * NNNNNN.dbtmp      temporary file (CURRENT being replaced); deleted at open
 * </pre>
 */
public final class FileNames {
  public static final String LOCK = "LOCK";
  public static final String CURRENT = "CURRENT";
  public static final String MANIFEST_PREFIX = "MANIFEST-";

  /** What kind of file a name denotes. */
  public enum Kind {
    LOCK,
    CURRENT,
    MANIFEST,
    LOG,
    TABLE,
    TEMP,
    OTHER
  }

  /** A parsed file name. */
  public record Parsed(Kind kind, long number) {}

  private FileNames() {}

  public static String log(long number) {
    return String.format("%06d.log", number);
  }

  public static String table(long number) {
    return String.format("%06d.sst", number);
  }

  public static String manifest(long number) {
    return String.format("%s%06d", MANIFEST_PREFIX, number);
  }

  public static String temp(long number) {
    return String.format("%06d.dbtmp", number);
  }

  /** Prefix of a column family's directory inside the database's: {@code cf-<id>}. */
  public static final String FAMILY_DIR_PREFIX = "cf-";

  /** The directory of column family {@code id} (not the default's: its files are in {@code dir}). */
  public static Path familyDir(Path dir, int id) {
    return dir.resolve(FAMILY_DIR_PREFIX + id);
  }

  /** The family id a directory name {@code cf-<id>} names, or -1 if it names none. */
  public static int parseFamilyDir(String name) {
    if (!name.startsWith(FAMILY_DIR_PREFIX) || name.length() == FAMILY_DIR_PREFIX.length()) {
      return -1;
    }
    String digits = name.substring(FAMILY_DIR_PREFIX.length());
    if (digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    int id = Integer.parseInt(digits);
    return id > 0 && digits.equals(Integer.toString(id)) ? id : -1;
  }

  public static Path tablePath(Path dir, long number) {
    return path(dir, table(number));
  }

  /**
   * The path of file {@code name} in database directory {@code dir}. Every path the engine opens,
   * creates, renames or deletes is made here, so that tools that must treat path handling as
   * opaque (Lincheck's model checker rejects {@code java.nio.file} calls) can exclude one method.
   */
  public static Path path(Path dir, String name) {
    return dir.resolve(name);
  }

  /** Parses a directory entry's name; unknown names give {@link Kind#OTHER}. */
  public static Parsed parse(String name) {
    if (name.equals(LOCK)) {
      return new Parsed(Kind.LOCK, 0);
    }
    if (name.equals(CURRENT)) {
      return new Parsed(Kind.CURRENT, 0);
    }
    if (name.startsWith(MANIFEST_PREFIX)) {
      long n = number(name.substring(MANIFEST_PREFIX.length()));
      return new Parsed(n < 0 ? Kind.OTHER : Kind.MANIFEST, n);
    }
    int dot = name.indexOf('.');
    if (dot > 0) {
      long n = number(name.substring(0, dot));
      if (n >= 0) {
        switch (name.substring(dot + 1)) {
          case "log":
            return new Parsed(Kind.LOG, n);
          case "sst":
            return new Parsed(Kind.TABLE, n);
          case "dbtmp":
            return new Parsed(Kind.TEMP, n);
          default:
            break;
        }
      }
    }
    return new Parsed(Kind.OTHER, -1);
  }

  private static long number(String digits) {
    if (digits.isEmpty() || digits.length() > 18) {
      return -1;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(digits);
  }
}
