package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.util.Bytes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A test entry: internal key plus value (empty for a tombstone). Immutable by convention; equals
 * and hashCode compare the arrays' contents.
 */
@SuppressWarnings("ArrayRecordComponent")
record Entry(byte[] userKey, long trailer, byte[] value) implements Comparable<Entry> {
  static Entry put(String key, long sequence, String value) {
    return new Entry(
        key.getBytes(UTF_8), Trailer.pack(sequence, ValueKind.VALUE), value.getBytes(UTF_8));
  }

  static Entry delete(String key, long sequence) {
    return new Entry(key.getBytes(UTF_8), Trailer.pack(sequence, ValueKind.DELETE), new byte[0]);
  }

  long sequence() {
    return Trailer.sequence(trailer);
  }

  boolean isDelete() {
    return Trailer.isDelete(trailer);
  }

  @Override
  public int compareTo(Entry o) {
    return InternalKey.compare(userKey, trailer, o.userKey, o.trailer);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e
        && trailer == e.trailer
        && Arrays.equals(userKey, e.userKey)
        && Arrays.equals(value, e.value);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(userKey) * 31 + Long.hashCode(trailer);
  }

  @Override
  public String toString() {
    return new InternalKey(userKey, trailer) + "=" + Bytes.toHex(value, 16);
  }

  /**
   * Sorted random entries: {@code keys} distinct user keys sharing prefixes (so blocks
   * prefix-compress), each with 1 to {@code maxVersions} versions of distinct sequences, about a
   * fifth of them tombstones.
   */
  static List<Entry> random(Random rnd, int keys, int maxVersions, int maxValueLength) {
    TreeSet<String> userKeys = new TreeSet<>();
    while (userKeys.size() < keys) {
      userKeys.add(
          String.format("user%06d/%s", rnd.nextInt(keys * 4 + 1), "x".repeat(rnd.nextInt(12))));
    }
    List<Entry> out = new ArrayList<>();
    long sequence = 1;
    for (String key : userKeys) {
      int versions = 1 + rnd.nextInt(maxVersions);
      long[] seqs = new long[versions];
      for (int v = 0; v < versions; v++) {
        sequence += 1 + rnd.nextInt(3);
        seqs[v] = sequence;
      }
      for (int v = versions - 1; v >= 0; v--) {
        if (rnd.nextInt(5) == 0) {
          out.add(delete(key, seqs[v]));
        } else {
          byte[] value = new byte[rnd.nextInt(maxValueLength + 1)];
          rnd.nextBytes(value);
          out.add(new Entry(key.getBytes(UTF_8), Trailer.pack(seqs[v], ValueKind.VALUE), value));
        }
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * What a lookup of {@code userKey} at {@code snapshot} should return over sorted {@code entries}:
   * the newest version with sequence at most the snapshot, or null.
   */
  static Entry visible(TreeMap<String, List<Entry>> byKey, byte[] userKey, long snapshot) {
    List<Entry> versions =
        byKey.get(new String(userKey, java.nio.charset.StandardCharsets.ISO_8859_1));
    if (versions == null) {
      return null;
    }
    for (Entry e : versions) {
      if (e.sequence() <= snapshot) {
        return e;
      }
    }
    return null;
  }

  /** Groups sorted entries by user key (ISO-8859-1 strings keep byte order), newest first. */
  static TreeMap<String, List<Entry>> byUserKey(List<Entry> entries) {
    TreeMap<String, List<Entry>> out = new TreeMap<>();
    for (Entry e : entries) {
      out.computeIfAbsent(
              new String(e.userKey, java.nio.charset.StandardCharsets.ISO_8859_1),
              k -> new ArrayList<>())
          .add(e);
    }
    return out;
  }
}
