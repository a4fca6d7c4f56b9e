package dev.strata.version;

import dev.strata.CorruptionException;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.util.Coding;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One change to the database's file set, as recorded in the manifest: files added and removed per
 * level and the counters that must survive a restart. Mutable while being built by one thread,
 * then handed to {@link VersionSet#logAndApply}. The encoding is specified in {@code
 * docs/format/manifest.md}; its tags are never renumbered or reused.
 */
public final class VersionEdit {
  static final int TAG_LOG_NUMBER = 1;
  static final int TAG_NEXT_FILE_NUMBER = 2;
  static final int TAG_LAST_SEQUENCE = 3;
  static final int TAG_DELETED_FILE = 4;
  static final int TAG_NEW_FILE = 5;
  /** A new file with range tombstones: the fields of {@link #TAG_NEW_FILE}, then their count. */
  static final int TAG_NEW_FILE_WITH_RANGE_TOMBSTONES = 6;
  /**
   * An ingested file: the fields of {@link #TAG_NEW_FILE}, its range tombstone count (may be 0),
   * then its global sequence.
   */
  static final int TAG_NEW_INGESTED_FILE = 7;
  /** A column family created: its id, then its name (UTF-8, length-prefixed). */
  static final int TAG_FAMILY_ADDED = 8;
  /** A column family dropped: its id. */
  static final int TAG_FAMILY_DROPPED = 9;
  /** The largest column family id ever handed out, so that no id is used twice. */
  static final int TAG_MAX_FAMILY_ID = 10;
  /**
   * A clean close forced the active WAL: its number, then its length in bytes. The next open may
   * append to that log when it is the last and still has that length ({@code Options.reuseLogs}).
   */
  static final int TAG_CLOSED_LOG = 11;

  /** A column family created. */
  public record FamilyAdded(int id, String name) {}

  /** A file removed from a level. */
  public record Deleted(int level, long number) {}

  /** A file added to a level. */
  public record Added(int level, FileMetadata file) {}

  private long logNumber = -1;
  private long nextFileNumber = -1;
  private long lastSequence = -1;
  private final List<Deleted> deleted = new ArrayList<>();
  private final List<Added> added = new ArrayList<>();
  private final List<FamilyAdded> familiesAdded = new ArrayList<>();
  private final List<Integer> familiesDropped = new ArrayList<>();
  private int maxFamilyId = -1;
  private long closedLogNumber = -1;
  private long closedLogLength = -1;

  /** Records column family {@code id} created with {@code name} (in the default's manifest). */
  public VersionEdit addFamily(int id, String name) {
    familiesAdded.add(new FamilyAdded(id, name));
    maxFamilyId = Math.max(maxFamilyId, id);
    return this;
  }

  /** Records column family {@code id} dropped (in the default's manifest). */
  public VersionEdit dropFamily(int id) {
    familiesDropped.add(id);
    return this;
  }

  public VersionEdit setMaxFamilyId(int id) {
    maxFamilyId = id;
    return this;
  }

  public List<FamilyAdded> familiesAdded() {
    return familiesAdded;
  }

  public List<Integer> familiesDropped() {
    return familiesDropped;
  }

  /** The largest family id recorded, or -1. */
  public int maxFamilyId() {
    return maxFamilyId;
  }

  /**
   * Records that a clean close forced WAL {@code number} at {@code length} bytes and appended
   * nothing after: what the log holds up to that length is on stable storage.
   */
  public VersionEdit setClosedLog(long number, long length) {
    if (number < 1 || length < 0) {
      throw new IllegalArgumentException("closed log " + number + " at " + length);
    }
    closedLogNumber = number;
    closedLogLength = length;
    return this;
  }

  /** The log a clean close forced ({@link #setClosedLog}), or -1. */
  public long closedLogNumber() {
    return closedLogNumber;
  }

  /** The forced length of {@link #closedLogNumber()}, or -1. */
  public long closedLogLength() {
    return closedLogLength;
  }

  public VersionEdit setLogNumber(long n) {
    logNumber = n;
    return this;
  }

  public VersionEdit setNextFileNumber(long n) {
    nextFileNumber = n;
    return this;
  }

  public VersionEdit setLastSequence(long n) {
    lastSequence = n;
    return this;
  }

  public VersionEdit deleteFile(int level, long number) {
    deleted.add(new Deleted(level, number));
    return this;
  }

  public VersionEdit addFile(int level, FileMetadata file) {
    added.add(new Added(level, file));
    return this;
  }

  public long logNumber() {
    return logNumber;
  }

  public long nextFileNumber() {
    return nextFileNumber;
  }

  public long lastSequence() {
    return lastSequence;
  }

  public List<Deleted> deleted() {
    return deleted;
  }

  public List<Added> added() {
    return added;
  }

  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] tmp = new byte[10];
    if (logNumber >= 0) {
      varint(out, tmp, TAG_LOG_NUMBER);
      varint(out, tmp, logNumber);
    }
    if (nextFileNumber >= 0) {
      varint(out, tmp, TAG_NEXT_FILE_NUMBER);
      varint(out, tmp, nextFileNumber);
    }
    if (lastSequence >= 0) {
      varint(out, tmp, TAG_LAST_SEQUENCE);
      varint(out, tmp, lastSequence);
    }
    if (maxFamilyId >= 0) {
      varint(out, tmp, TAG_MAX_FAMILY_ID);
      varint(out, tmp, maxFamilyId);
    }
    if (closedLogNumber >= 0) {
      varint(out, tmp, TAG_CLOSED_LOG);
      varint(out, tmp, closedLogNumber);
      varint(out, tmp, closedLogLength);
    }
    for (FamilyAdded f : familiesAdded) {
      varint(out, tmp, TAG_FAMILY_ADDED);
      varint(out, tmp, f.id());
      bytes(out, tmp, f.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    for (int id : familiesDropped) {
      varint(out, tmp, TAG_FAMILY_DROPPED);
      varint(out, tmp, id);
    }
    for (Deleted d : deleted) {
      varint(out, tmp, TAG_DELETED_FILE);
      varint(out, tmp, d.level());
      varint(out, tmp, d.number());
    }
    for (Added a : added) {
      FileMetadata f = a.file();
      boolean ingested = f.globalSequence() > 0;
      varint(
          out,
          tmp,
          ingested
              ? TAG_NEW_INGESTED_FILE
              : f.hasRangeTombstones() ? TAG_NEW_FILE_WITH_RANGE_TOMBSTONES : TAG_NEW_FILE);
      varint(out, tmp, a.level());
      varint(out, tmp, f.number());
      varint(out, tmp, f.fileSize());
      bytes(out, tmp, f.smallest().encode());
      bytes(out, tmp, f.largest().encode());
      varint(out, tmp, f.smallestSequence());
      varint(out, tmp, f.largestSequence());
      varint(out, tmp, f.entryCount());
      if (ingested) {
        varint(out, tmp, f.rangeTombstoneCount());
        varint(out, tmp, f.globalSequence());
      } else if (f.hasRangeTombstones()) {
        varint(out, tmp, f.rangeTombstoneCount());
      }
    }
    return out.toByteArray();
  }

  private static void varint(ByteArrayOutputStream out, byte[] tmp, long v) {
    int n = Coding.putVarint(tmp, 0, v);
    out.write(tmp, 0, n);
  }

  private static void bytes(ByteArrayOutputStream out, byte[] tmp, byte[] b) {
    varint(out, tmp, b.length);
    out.write(b, 0, b.length);
  }

  /**
   * Decodes a manifest record.
   *
   * @throws CorruptionException naming {@code fileName} and {@code offset} if it is malformed
   */
  public static VersionEdit decode(byte[] data, String fileName, long offset) {
    VersionEdit e = new VersionEdit();
    long[] v = new long[1];
    int pos = 0;
    try {
      while (pos < data.length) {
        pos = Coding.getVarint(data, pos, data.length, v);
        int tag = (int) v[0];
        switch (tag) {
          case TAG_LOG_NUMBER:
            pos = Coding.getVarint(data, pos, data.length, v);
            e.logNumber = v[0];
            break;
          case TAG_NEXT_FILE_NUMBER:
            pos = Coding.getVarint(data, pos, data.length, v);
            e.nextFileNumber = v[0];
            break;
          case TAG_LAST_SEQUENCE:
            pos = Coding.getVarint(data, pos, data.length, v);
            e.lastSequence = v[0];
            break;
          case TAG_DELETED_FILE:
            {
              pos = Coding.getVarint(data, pos, data.length, v);
              int level = checkLevel(v[0]);
              pos = Coding.getVarint(data, pos, data.length, v);
              e.deleted.add(new Deleted(level, v[0]));
              break;
            }
          case TAG_NEW_FILE:
          case TAG_NEW_FILE_WITH_RANGE_TOMBSTONES:
          case TAG_NEW_INGESTED_FILE:
            pos = decodeNewFile(data, pos, v, e, tag);
            break;
          case TAG_MAX_FAMILY_ID:
            pos = Coding.getVarint(data, pos, data.length, v);
            e.maxFamilyId = checkFamily(v[0]);
            break;
          case TAG_FAMILY_ADDED:
            {
              pos = Coding.getVarint(data, pos, data.length, v);
              int id = checkFamily(v[0]);
              if (id == 0) {
                throw new IllegalArgumentException("the default family cannot be added");
              }
              int[] len = new int[1];
              pos = Coding.getVarint32(data, pos, data.length, Integer.MAX_VALUE, len);
              byte[] name = slice(data, pos, len[0]);
              pos += len[0];
              e.familiesAdded.add(
                  new FamilyAdded(id, new String(name, java.nio.charset.StandardCharsets.UTF_8)));
              e.maxFamilyId = Math.max(e.maxFamilyId, id);
              break;
            }
          case TAG_FAMILY_DROPPED:
            pos = Coding.getVarint(data, pos, data.length, v);
            e.familiesDropped.add(checkFamily(v[0]));
            break;
          case TAG_CLOSED_LOG:
            {
              pos = Coding.getVarint(data, pos, data.length, v);
              long number = v[0];
              pos = Coding.getVarint(data, pos, data.length, v);
              e.setClosedLog(number, v[0]);
              break;
            }
          default:
            throw new IllegalArgumentException("unknown tag " + tag);
        }
      }
    } catch (IllegalArgumentException ex) {
      throw new CorruptionException(
          fileName, offset, "malformed manifest record: " + ex.getMessage(), ex);
    }
    return e;
  }

  private static int decodeNewFile(byte[] data, int pos, long[] v, VersionEdit e, int tag) {
    pos = Coding.getVarint(data, pos, data.length, v);
    int level = checkLevel(v[0]);
    pos = Coding.getVarint(data, pos, data.length, v);
    long number = v[0];
    pos = Coding.getVarint(data, pos, data.length, v);
    long size = v[0];
    int[] len = new int[1];
    pos = Coding.getVarint32(data, pos, data.length, Integer.MAX_VALUE, len);
    byte[] smallest = slice(data, pos, len[0]);
    pos += len[0];
    pos = Coding.getVarint32(data, pos, data.length, Integer.MAX_VALUE, len);
    byte[] largest = slice(data, pos, len[0]);
    pos += len[0];
    pos = Coding.getVarint(data, pos, data.length, v);
    long smallestSeq = v[0];
    pos = Coding.getVarint(data, pos, data.length, v);
    long largestSeq = v[0];
    pos = Coding.getVarint(data, pos, data.length, v);
    long entries = v[0];
    long ranges = 0;
    long globalSequence = 0;
    if (tag != TAG_NEW_FILE) {
      pos = Coding.getVarint(data, pos, data.length, v);
      ranges = v[0];
      if (ranges < (tag == TAG_NEW_FILE_WITH_RANGE_TOMBSTONES ? 1 : 0)) {
        throw new IllegalArgumentException("file with range tombstones counts " + ranges);
      }
    }
    if (tag == TAG_NEW_INGESTED_FILE) {
      pos = Coding.getVarint(data, pos, data.length, v);
      globalSequence = v[0];
      if (globalSequence < 2
          || globalSequence > Trailer.MAX_SEQUENCE
          || largestSeq != globalSequence) {
        throw new IllegalArgumentException(
            "ingested file with global sequence " + globalSequence + ", largest " + largestSeq);
      }
    }
    e.added.add(
        new Added(
            level,
            new FileMetadata(
                number,
                size,
                InternalKey.decode(smallest),
                InternalKey.decode(largest),
                smallestSeq,
                largestSeq,
                entries,
                ranges,
                globalSequence)));
    return pos;
  }

  private static byte[] slice(byte[] data, int pos, int len) {
    if (len > data.length - pos) {
      throw new IllegalArgumentException("key of " + len + " bytes runs past the record end");
    }
    return java.util.Arrays.copyOfRange(data, pos, pos + len);
  }

  private static int checkFamily(long id) {
    if (id < 0 || id > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("column family id " + id + " out of range");
    }
    return (int) id;
  }

  private static int checkLevel(long level) {
    if (level < 0 || level >= VersionSet.NUM_LEVELS) {
      throw new IllegalArgumentException("level " + level + " out of range");
    }
    return (int) level;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("VersionEdit{");
    if (logNumber >= 0) {
      sb.append("log=").append(logNumber).append(' ');
    }
    if (nextFileNumber >= 0) {
      sb.append("nextFile=").append(nextFileNumber).append(' ');
    }
    if (lastSequence >= 0) {
      sb.append("lastSeq=").append(lastSequence).append(' ');
    }
    if (closedLogNumber >= 0) {
      sb.append("closedLog=").append(closedLogNumber).append('@').append(closedLogLength)
          .append(' ');
    }
    for (FamilyAdded f : familiesAdded) {
      sb.append("+family ").append(f.id()).append('=').append(f.name()).append(' ');
    }
    for (int id : familiesDropped) {
      sb.append("-family ").append(id).append(' ');
    }
    for (Deleted d : deleted) {
      sb.append("-L").append(d.level()).append('#').append(d.number()).append(' ');
    }
    for (Added a : added) {
      sb.append("+L").append(a.level()).append(a.file()).append(' ');
    }
    return sb.append('}').toString();
  }
}
