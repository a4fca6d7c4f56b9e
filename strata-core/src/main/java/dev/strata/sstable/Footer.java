package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.util.Coding;
import dev.strata.util.Crc32c;

/**
 * The fixed 64-byte footer at the end of every table: the handles of the filter, properties and
 * index blocks (fixed64 offset, fixed64 size each), the format version, a CRC32C of those 52 bytes,
 * and the magic number. Immutable.
 *
 * <p>The three meta blocks follow the data blocks in that order, back to back, each with its
 * trailer, and the index's trailer ends where the footer begins; {@link #decode} checks this, so no
 * handle can point outside its region.
 */
record Footer(BlockHandle filter, BlockHandle properties, BlockHandle index, int version) {
  /** A footer of the current format version. */
  Footer(BlockHandle filter, BlockHandle properties, BlockHandle index) {
    this(filter, properties, index, TableFormat.FORMAT_VERSION);
  }

  byte[] encode() {
    byte[] out = new byte[TableFormat.FOOTER_SIZE];
    putHandle(out, 0, filter);
    putHandle(out, 16, properties);
    putHandle(out, 32, index);
    Coding.putInt(out, TableFormat.FOOTER_VERSION_OFFSET, version);
    Coding.putInt(
        out, TableFormat.FOOTER_CRC_OFFSET, Crc32c.compute(out, 0, TableFormat.FOOTER_CRC_OFFSET));
    Coding.putLong(out, TableFormat.FOOTER_MAGIC_OFFSET, TableFormat.MAGIC);
    return out;
  }

  private static void putHandle(byte[] out, int at, BlockHandle h) {
    Coding.putLong(out, at, h.offset());
    Coding.putLong(out, at + 8, h.size());
  }

  /**
   * Parses and checks a footer read from the last 64 bytes of a file of {@code fileSize} bytes.
   * Checks, in order: magic, checksum, version, then the layout of the meta blocks.
   *
   * @throws CorruptionException naming {@code file} and the offending offset
   */
  static Footer decode(byte[] in, String file, long fileSize) {
    long footerOffset = fileSize - TableFormat.FOOTER_SIZE;
    long magic = Coding.getLong(in, TableFormat.FOOTER_MAGIC_OFFSET);
    if (magic != TableFormat.MAGIC) {
      throw new CorruptionException(
          file,
          footerOffset + TableFormat.FOOTER_MAGIC_OFFSET,
          String.format("bad magic number %016x: not a Strata table", magic));
    }
    int stored = Coding.getInt(in, TableFormat.FOOTER_CRC_OFFSET);
    int actual = Crc32c.compute(in, 0, TableFormat.FOOTER_CRC_OFFSET);
    if (stored != actual) {
      throw new CorruptionException(
          file,
          footerOffset,
          String.format("footer checksum mismatch: stored %08x, computed %08x", stored, actual));
    }
    int version = Coding.getInt(in, TableFormat.FOOTER_VERSION_OFFSET);
    if (version < TableFormat.OLDEST_FORMAT_VERSION
        || version > TableFormat.NEWEST_FORMAT_VERSION) {
      throw new CorruptionException(
          file,
          footerOffset + TableFormat.FOOTER_VERSION_OFFSET,
          "unsupported format version "
              + version
              + " (this reader knows "
              + TableFormat.OLDEST_FORMAT_VERSION
              + " to "
              + TableFormat.NEWEST_FORMAT_VERSION
              + ")");
    }
    Footer f = new Footer(handleAt(in, 0), handleAt(in, 16), handleAt(in, 32), version);
    f.checkLayout(file, footerOffset);
    return f;
  }

  private static BlockHandle handleAt(byte[] in, int at) {
    return new BlockHandle(Coding.getLong(in, at), Coding.getLong(in, at + 8));
  }

  /**
   * Checks that the blocks lie back to back before the footer. From version 3 a range-deletion
   * block may sit between the filter and the properties; the reader checks that it fills the gap
   * exactly once the properties name it.
   */
  private void checkLayout(String file, long footerOffset) {
    BlockHandle[] blocks = {filter, properties, index};
    long expectedEnd = footerOffset;
    for (int i = blocks.length - 1; i >= 0; i--) {
      BlockHandle h = blocks[i];
      boolean gapAllowed = i == 0 && version >= TableFormat.RANGE_DELETION_FORMAT_VERSION;
      if (h.size() < 0
          || h.size() > TableFormat.MAX_BLOCK_BYTES
          || h.offset() < 0
          || h.offset() > footerOffset
          || (gapAllowed ? h.end() > expectedEnd : h.end() != expectedEnd)) {
        throw new CorruptionException(
            file,
            footerOffset + 16L * i,
            "footer handle " + h + " out of place (should end at " + expectedEnd + ")");
      }
      expectedEnd = h.offset();
    }
  }
}
