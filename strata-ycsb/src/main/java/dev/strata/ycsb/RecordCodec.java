package dev.strata.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

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
    SortedMap<String, byte[]> fields = new TreeMap<>();
    for (Map.Entry<String, ByteIterator> e : values.entrySet()) {
      fields.put(e.getKey(), e.getValue().toArray());
    }
    return encodeFields(fields);
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

  private static int putBytes(byte[] out, int pos, byte[] bytes) {
    int length = bytes.length;
    while ((length & ~0x7F) != 0) {
      out[pos++] = (byte) ((length & 0x7F) | 0x80);
      length >>>= 7;
    }
    out[pos++] = (byte) length;
    System.arraycopy(bytes, 0, out, pos, bytes.length);
    return pos + bytes.length;
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
