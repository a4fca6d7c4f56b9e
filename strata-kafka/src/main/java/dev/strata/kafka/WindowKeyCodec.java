package dev.strata.kafka;

import java.nio.ByteBuffer;

/**
 * Reads Kafka's window store key, {@code key bytes, windowStart:i64 BE, seqnum:i32 BE} (the layout
 * of {@code WindowKeySchema}, whose own readers are not public); stateless.
 */
final class WindowKeyCodec {
  private static final int TIMESTAMP_SIZE = 8;
  private static final int SEQNUM_SIZE = 4;

  private WindowKeyCodec() {}

  static long windowStart(byte[] storeKey) {
    return ByteBuffer.wrap(storeKey).getLong(storeKey.length - TIMESTAMP_SIZE - SEQNUM_SIZE);
  }
}
