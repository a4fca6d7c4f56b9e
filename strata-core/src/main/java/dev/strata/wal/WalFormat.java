package dev.strata.wal;

/**
 * On-disk constants of the log record framing used by write-ahead logs and manifests. The spec is
 * {@code docs/format/wal.md}; it names this class. Values written to disk are never renumbered or
 * reused.
 *
 * <pre>
 * record := length:u32le type:u8 payloadCrc:u32le headerCrc:u32le payload[length]
 * </pre>
 *
 * {@code headerCrc} is the CRC32C of the 9 bytes before it, so a damaged length is detected before
 * it is trusted; {@code payloadCrc} is the CRC32C of the payload.
 */
public final class WalFormat {
  /** Bytes of a record header. */
  public static final int HEADER_SIZE = 13;

  /** The only record type so far: one whole payload. */
  public static final byte TYPE_FULL = 1;

  /** Largest payload a reader accepts before allocating (1 GiB). */
  public static final int MAX_PAYLOAD = 1 << 30;

  /**
   * Write-batch payload: {@code sequence:u64le count:u32le op*}, each op {@code kind:u8
   * keyLength:varint key [valueLength:varint value]} (value only for kind VALUE).
   */
  public static final int BATCH_HEADER_SIZE = 12;

  private WalFormat() {}
}
