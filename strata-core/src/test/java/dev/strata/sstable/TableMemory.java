package dev.strata.sstable;

import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.util.HeapSize;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What an open reader of a table file should hold on the heap, worked out from the file rather
 * than from a reader's arrays: the filter block's size from the footer, the index's entry count
 * and key bytes from a separate reader's public index listing, and the properties' keys. Tests of
 * {@code strata.estimate-table-readers-mem} compare the engine's figure with this. Stateless.
 */
public final class TableMemory {
  private TableMemory() {}

  /**
   * The heap an open reader of the table at {@code path} holds for its index, bloom filter and
   * properties, plus {@link TableReader#FIXED_HEAP_BYTES}.
   */
  public static long expectedReaderHeapBytes(FileSystem fs, Path path) throws IOException {
    long size = fs.size(path);
    Footer footer;
    try (ReadableFile file = fs.openRead(path)) {
      byte[] tail = new byte[TableFormat.FOOTER_SIZE];
      file.readFully(size - TableFormat.FOOTER_SIZE, tail, 0, tail.length);
      footer = Footer.decode(tail, path.toString(), size);
    }
    // The filter block is stored raw: bits, then the probe count; the reader keeps the array it
    // read the block into, trailer included. One byte alone is the absent filter, kept as none.
    long filterBlock = footer.filter().size();
    long filter =
        filterBlock == 1
            ? 0
            : HeapSize.object(20)
                + HeapSize.byteArray((int) filterBlock + TableFormat.BLOCK_TRAILER_SIZE);

    try (TableReader reader =
        TableReader.open(fs.openRead(path), path.toString(), size, BlockCache.create(0))) {
      int blocks = 0;
      long keyBytes = 0;
      for (TableReader.IndexEntry e : reader.indexEntries()) {
        blocks++;
        keyBytes += e.lastKey().length;
      }
      // Per data block: its last key, a start offset (plus one closing), offset, size and key
      // prefix; every 32nd prefix again as a sample; six array references and the shared
      // prefix's length.
      long index =
          HeapSize.object(6 * 4 + 4)
              + HeapSize.byteArray((int) keyBytes)
              + HeapSize.intArray(blocks + 1)
              + HeapSize.longArray(blocks)
              + HeapSize.intArray(blocks)
              + HeapSize.longArray(blocks)
              + HeapSize.longArray(blocks / 32);
      TableProperties p = reader.properties();
      long properties =
          HeapSize.object(10 * 8 + 4 * 4 + 2 * 4)
              + HeapSize.byteArray(p.smallestKey().length)
              + HeapSize.byteArray(p.largestKey().length)
              + (p.prefixExtractorName() == null
                  ? 0
                  : HeapSize.object(4 + 8)
                      + HeapSize.byteArray(p.prefixExtractorName().length()));
      // With a block cache of some capacity (every caller's), one bit per data block for the
      // blocks the reader put in the cache.
      long cachedBits = blocks == 0 ? 0 : HeapSize.longArray((blocks - 1) / 64 + 1);
      return filter + index + properties + cachedBits + TableReader.FIXED_HEAP_BYTES;
    }
  }

  /** Bytes of the filter block's bit array of the table at {@code path} (no header, no k). */
  public static long filterBitBytes(FileSystem fs, Path path) throws IOException {
    long size = fs.size(path);
    try (ReadableFile file = fs.openRead(path)) {
      byte[] tail = new byte[TableFormat.FOOTER_SIZE];
      file.readFully(size - TableFormat.FOOTER_SIZE, tail, 0, tail.length);
      return Footer.decode(tail, path.toString(), size).filter().size() - 1;
    }
  }
}
