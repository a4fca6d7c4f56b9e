package dev.strata.kafka;

import java.nio.ByteBuffer;
import org.apache.kafka.common.utils.Bytes;

/**
 * The byte layouts of the keys in Strata's window and session segments, each one of Kafka's so
 * that entries sort as in Kafka's RocksDB stores. Every layout holds a record key, a time and a
 * second number: for windows the window start and a sequence number (i32), for sessions the
 * session end and start.
 *
 * <ul>
 *   <li>{@link #WINDOW}: {@code key, start:i64, seqnum:i32} (Kafka's {@code WindowKeySchema})
 *   <li>{@link #SESSION}: {@code key, end:i64, start:i64} ({@code SessionKeySchema})
 *   <li>{@link #TIME_FIRST_WINDOW}: {@code 0x00, start, key, seqnum} and {@link
 *       #KEY_FIRST_WINDOW}: {@code 0x01, key, start, seqnum} ({@code PrefixedWindowKeySchemas})
 *   <li>{@link #TIME_FIRST_SESSION}: {@code 0x00, end, start, key} and {@link
 *       #KEY_FIRST_SESSION}: {@code 0x01, key, end, start} ({@code PrefixedSessionKeySchemas})
 * </ul>
 *
 * All integers are big-endian. The prefixed layouts share one segment: the time-first entries hold
 * the values, the key-first ones (an index, empty values) sort after them. Stateless.
 */
enum KeyLayout {
  WINDOW(-1, true, false),
  SESSION(-1, false, false),
  TIME_FIRST_WINDOW(0, true, true),
  KEY_FIRST_WINDOW(1, true, false),
  TIME_FIRST_SESSION(0, false, true),
  KEY_FIRST_SESSION(1, false, false);

  /** What a scan does with an entry: return it, step over it, or end (nothing further matches). */
  enum Verdict {
    MATCH,
    SKIP,
    STOP
  }

  private final int prefix;
  private final int prefixLength;
  final boolean window;
  private final boolean timeFirst;

  /** Bytes of the time and second number: 8 + 4 for windows, 8 + 8 for sessions. */
  private final int suffix;

  KeyLayout(int prefix, boolean window, boolean timeFirst) {
    this.prefix = prefix;
    this.prefixLength = prefix < 0 ? 0 : 1;
    this.window = window;
    this.timeFirst = timeFirst;
    this.suffix = window ? 12 : 16;
  }

  /** The key of {@code key}, {@code time} and {@code second} (seqnum or session start). */
  byte[] encode(byte[] key, long time, long second) {
    ByteBuffer b = ByteBuffer.allocate(prefixLength + key.length + suffix);
    if (prefix >= 0) {
      b.put((byte) prefix);
    }
    if (timeFirst) {
      if (window) {
        return b.putLong(time).put(key).putInt((int) second).array();
      }
      return b.putLong(time).putLong(second).put(key).array();
    }
    b.put(key).putLong(time);
    return (window ? b.putInt((int) second) : b.putLong(second)).array();
  }

  /** {@code storeKey}, laid out as {@code this}, in layout {@code target}. */
  byte[] convert(byte[] storeKey, KeyLayout target) {
    return target.encode(recordKey(storeKey), time(storeKey), second(storeKey));
  }

  byte[] recordKey(byte[] storeKey) {
    int from = timeFirst ? prefixLength + (window ? 8 : 16) : prefixLength;
    int to = timeFirst ? storeKey.length - (window ? 4 : 0) : storeKey.length - suffix;
    byte[] key = new byte[to - from];
    System.arraycopy(storeKey, from, key, 0, key.length);
    return key;
  }

  /** The window start, or the session end: the time that picks the segment. */
  long time(byte[] storeKey) {
    return ByteBuffer.wrap(storeKey).getLong(timeFirst ? prefixLength : storeKey.length - suffix);
  }

  /** The sequence number of a window, or the start of a session. */
  long second(byte[] storeKey) {
    ByteBuffer b = ByteBuffer.wrap(storeKey);
    if (window) {
      return b.getInt(storeKey.length - 4);
    }
    return b.getLong(timeFirst ? prefixLength + 8 : storeKey.length - 8);
  }

  /**
   * Whether a scan wants {@code storeKey}: a record key in {@code [keyFrom, keyTo]} (null =
   * unbounded) and a window starting in {@code [from, to]}, or a session ending at or after {@code
   * from} and starting at or before {@code to}; the conditions of Kafka's key schemas. A time-first
   * scan ends at the first entry past its times, and a prefixed one at another prefix.
   */
  Verdict test(byte[] storeKey, Bytes keyFrom, Bytes keyTo, long from, long to, boolean forward) {
    if (prefix >= 0 && (storeKey.length == 0 || storeKey[0] != prefix)) {
      return Verdict.STOP;
    }
    long time = time(storeKey);
    if (timeFirst && ((!forward && time < from) || (window && forward && time > to))) {
      return Verdict.STOP;
    }
    boolean inTime = window ? time >= from && time <= to : time >= from && second(storeKey) <= to;
    if (!inTime) {
      return Verdict.SKIP;
    }
    Bytes key = Bytes.wrap(recordKey(storeKey));
    boolean inKeys =
        (keyFrom == null || key.compareTo(keyFrom) >= 0)
            && (keyTo == null || key.compareTo(keyTo) <= 0);
    return inKeys ? Verdict.MATCH : Verdict.SKIP;
  }
}
