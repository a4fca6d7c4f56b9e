package dev.strata.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;

/**
 * The value both bindings store for one YCSB record: its fields in ascending order of name
 * ({@link String#compareTo}, which for YCSB's ASCII names {@code field0}..{@code fieldN} is byte
 * order), each as a length-prefixed name and a length-prefixed value:
 *
 * <pre>
 * record := field*                         fields sorted by name, no name twice
 * field  := varint32 nameLength, nameLength bytes of UTF-8,
 *           varint32 valueLength, valueLength bytes
 * varint32 := unsigned LEB128, 1 to 5 bytes (7 bits per byte, low groups first, high bit = more)
 * </pre>
 *
 * <p>An empty record is zero bytes. Example: {@code {field0="ab", field1=""}} is {@code 06
 * 'field0' 02 'a' 'b' 06 'field1' 00}. Stateless and thread-safe.
 */
final class RecordCodec {
  private RecordCodec() {}

  /** Encodes YCSB's field map, consuming each value iterator. */
  static byte[] encode(Map<String, ByteIterator> values) {
    // Each value is read from its iterator straight into the record, sized by bytesLeft(), instead
    // of into an array of its own first (ByteIterator.toArray) and a sorted map: those copies were
    // a sixth of what a YCSB load allocates, in whichever engine's JVM.
    int n = values.size();
    String[] names = values.keySet().toArray(new String[n]);
    Arrays.sort(names);
    byte[][] nameBytes = new byte[n][];
    ByteIterator[] its = new ByteIterator[n];
    int[] lengths = new int[n];
    long size = 0;
    for (int i = 0; i < n; i++) {
      nameBytes[i] = names[i].getBytes(UTF_8);
      its[i] = values.get(names[i]);
      long left = its[i].bytesLeft();
      if (left < 0 || left > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("field " + names[i] + " has " + left + " bytes");
      }
      lengths[i] = (int) left;
      size += varintLength(nameBytes[i].length) + nameBytes[i].length;
      size += varintLength(lengths[i]) + (long) lengths[i];
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a record of " + size + " bytes");
    }
    byte[] out = new byte[(int) size];
    int pos = 0;
    for (int i = 0; i < n; i++) {
      pos = putBytes(out, pos, nameBytes[i]);
      pos = putLength(out, pos, lengths[i]);
      pos = readValue(its[i], out, pos, lengths[i], names[i]);
    }
    return out;
  }

  /** Encodes fields given as bytes. */
  static byte[] encodeFields(SortedMap<String, byte[]> fields) {
    int size = 0;
    byte[][] names = new byte[fields.size()][];
    int i = 0;
    for (Map.Entry<String, byte[]> e : fields.entrySet()) {
      byte[] name = e.getKey().getBytes(UTF_8);
      names[i++] = name;
      size += varintLength(name.length) + name.length;
      size += varintLength(e.getValue().length) + e.getValue().length;
    }
    byte[] out = new byte[size];
    int pos = 0;
    i = 0;
    for (byte[] value : fields.values()) {
      pos = putBytes(out, pos, names[i++]);
      pos = putBytes(out, pos, value);
    }
    return out;
  }

  /**
   * Adds to {@code result} the fields of {@code record} named in {@code fields}, or every field
   * if {@code fields} is null. The values share {@code record}'s array, which the caller must not
   * change afterwards.
   *
   * @throws IllegalArgumentException if {@code record} is not a valid encoding
   */
  static void decode(byte[] record, Set<String> fields, Map<String, ByteIterator> result) {
    Cursor c = new Cursor(record);
    while (c.pos < record.length) {
      int nameLength = c.length();
      String name = new String(record, c.pos, nameLength, UTF_8);
      c.pos += nameLength;
      int valueLength = c.length();
      if (fields == null || fields.contains(name)) {
        result.put(name, new ByteArrayByteIterator(record, c.pos, valueLength));
      }
      c.pos += valueLength;
    }
  }

  /** Every field of {@code record}, values copied. */
  static SortedMap<String, byte[]> decodeFields(byte[] record) {
    SortedMap<String, byte[]> fields = new TreeMap<>();
    Map<String, ByteIterator> views = new TreeMap<>();
    decode(record, null, views);
    for (Map.Entry<String, ByteIterator> e : views.entrySet()) {
      fields.put(e.getKey(), e.getValue().toArray());
    }
    return fields;
  }

  /**
   * The record {@code record} with {@code updates} merged in: a field named in both takes the new
   * value, every other field of either is kept. Consumes the update iterators.
   */
  static byte[] merge(byte[] record, Map<String, ByteIterator> updates) {
    SortedMap<String, byte[]> fields = decodeFields(record);
    for (Map.Entry<String, ByteIterator> e : updates.entrySet()) {
      fields.put(e.getKey(), e.getValue().toArray());
    }
    return encodeFields(fields);
  }

  /**
   * Reads {@code length} bytes of {@code it} into {@code out} at {@code pos}; returns the position
   * after them. {@code nextBuf} returns the offset after what it wrote (YCSB's random values and
   * its default alike), and writes at most what is left of the iterator: YCSB's random values
   * write in groups of 6 bytes, up to 5 past that (never past the array), only where later fields
   * are written afterwards.
   */
  private static int readValue(ByteIterator it, byte[] out, int pos, int length, String name) {
    int end = pos + length;
    while (pos < end) {
      int next = it.nextBuf(out, pos);
      if (next <= pos || next > end) {
        throw new IllegalStateException(
            "field "
                + name
                + " wrote "
                + (next - pos)
                + " bytes with "
                + (end - pos)
                + " left of its bytesLeft()");
      }
      pos = next;
    }
    return pos;
  }

  private static int putBytes(byte[] out, int pos, byte[] bytes) {
    pos = putLength(out, pos, bytes.length);
    System.arraycopy(bytes, 0, out, pos, bytes.length);
    return pos + bytes.length;
  }

  private static int putLength(byte[] out, int pos, int length) {
    while ((length & ~0x7F) != 0) {
      out[pos++] = (byte) ((length & 0x7F) | 0x80);
      length >>>= 7;
    }
    out[pos++] = (byte) length;
    return pos;
  }

  private static int varintLength(int value) {
    int n = 1;
    while ((value & ~0x7F) != 0) {
      value >>>= 7;
      n++;
    }
    return n;
  }

  /** A read position in one record; confined to the decoding call. */
  private static final class Cursor {
    private final byte[] record;
    private int pos;

    Cursor(byte[] record) {
      this.record = record;
    }

    /** Reads a varint32 length and checks that that many bytes follow. */
    int length() {
      int value = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        if (pos >= record.length) {
          throw corrupt("truncated length");
        }
        int b = record[pos++] & 0xFF;
        value |= (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          if (value < 0 || value > record.length - pos) {
            throw corrupt("length " + Integer.toUnsignedString(value) + " past the end");
          }
          return value;
        }
      }
      throw corrupt("length longer than 5 bytes");
    }

    private IllegalArgumentException corrupt(String what) {
      return new IllegalArgumentException(
          "not a record (" + what + " at offset " + pos + " of " + record.length + ")");
    }
  }
}
