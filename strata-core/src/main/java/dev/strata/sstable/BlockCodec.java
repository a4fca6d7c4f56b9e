package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.util.Coding;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.lz4.Lz4RawCompressor;

/**
 * Per-block compression by trailer code. A compressed block is stored as {@code varint32
 * uncompressedLength} followed by the codec's output (an LZ4 block, or a zstd frame), so that the
 * reader bounds-checks the length before it allocates. Thread-safe: the LZ4 decompressor is
 * stateless, each thread compresses with its own LZ4 compressor (it keeps a hash table), and
 * zstd-jni calls are reentrant.
 *
 * <p>LZ4 is airlift's pure-Java codec ({@code io.airlift:aircompressor}, no native code). It reads
 * and writes through {@code sun.misc.Unsafe} but checks every bound itself (since 0.27, the fix of
 * CVE-2024-36114), and is the fastest pure-Java LZ4 measured on Strata's blocks: 2.6 to 4 times
 * lz4-java's safe decompressor, twice its compressor ({@code BlockCodecBenchmark}, figures in
 * {@code docs/benchmarks.md}). Both write the standard LZ4 block format, so tables written with
 * either read with the other. A block reaches the decompressor only after its checksum passed
 * unless the caller turned checksums off; damaged input then raises {@link CorruptionException}
 * ({@code BlockCodecTest} fuzzes it). ZSTD goes through {@link ZstdCodec}, which loads zstd-jni
 * only when first used.
 */
final class BlockCodec {
  private static final Lz4Decompressor LZ4_DECOMPRESSOR = new Lz4Decompressor();

  /** Per-thread compressor: each holds a hash table of {@code Lz4RawCompressor.MAX_TABLE_SIZE}. */
  private static final ThreadLocal<Lz4Compressor> LZ4_COMPRESSOR =
      ThreadLocal.withInitial(Lz4Compressor::new);

  /**
   * LZ4 cannot expand data by more than about 255 times (a match of n bytes costs at least n/255
   * bytes), so a larger declared ratio is corruption.
   */
  private static final long LZ4_MAX_RATIO = 256;

  private BlockCodec() {}

  /** An upper bound on the stored size of {@code length} bytes compressed with {@code code}. */
  static int maxStoredLength(int code, int length) {
    int bound =
        code == TableFormat.COMPRESSION_LZ4
            ? Lz4RawCompressor.maxCompressedLength(length)
            : ZstdCodec.maxCompressedLength(length);
    return 5 + bound;
  }

  /**
   * Compresses {@code src[0, length)} into {@code dst} as length prefix plus codec output.
   *
   * <p>Requires: {@code code} is LZ4 or ZSTD; {@code dst.length >= maxStoredLength(code, length)}.
   *
   * @return the stored length
   */
  static int compress(int code, byte[] src, int length, byte[] dst) {
    int p = Coding.putVarint(dst, 0, length);
    if (code == TableFormat.COMPRESSION_LZ4) {
      return p + LZ4_COMPRESSOR.get().compress(src, 0, length, dst, p, dst.length - p);
    }
    return p + ZstdCodec.compress(src, length, dst, p);
  }

  /**
   * Decompresses a stored block.
   *
   * @param code the trailer's compression code, LZ4 or ZSTD
   * @param stored the stored bytes {@code stored[0, storedLength)}
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if the length prefix is
   *     absurd or the codec rejects the input or yields another length
   * @throws IllegalStateException if the block is ZSTD and zstd-jni is not on the class path
   */
  static byte[] decompress(
      int code, byte[] stored, int storedLength, String file, long blockOffset) {
    if (code == TableFormat.COMPRESSION_LZ4) {
      long header = lz4Header(stored, storedLength, file, blockOffset);
      byte[] dst = new byte[lz4Length(header)];
      lz4DecompressInto(stored, storedLength, header, dst, file, blockOffset);
      return dst;
    }
    int[] out = new int[1];
    int p = lengthPrefix(stored, storedLength, file, blockOffset, out);
    int length = out[0];
    int payload = storedLength - p;
    ZstdCodec.requireAvailable("read a ZSTD block of " + file + " at offset " + blockOffset);
    return ZstdCodec.decompress(stored, p, payload, length, file, blockOffset);
  }

  /**
   * An LZ4 block's header: where its payload starts (high 32 bits) and the uncompressed length it
   * declares (low 32 bits, {@link #lz4Length}), checked against what the payload could yield.
   *
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if the length is absurd
   */
  static long lz4Header(byte[] stored, int storedLength, String file, long blockOffset) {
    int[] out = new int[1];
    int p = lengthPrefix(stored, storedLength, file, blockOffset, out);
    int length = out[0];
    int payload = storedLength - p;
    if (length > LZ4_MAX_RATIO * payload + 64) {
      throw new CorruptionException(
          file,
          blockOffset,
          "uncompressed length " + length + " impossible for " + payload + " LZ4 bytes");
    }
    return ((long) p << 32) | length;
  }

  /** The uncompressed length in an {@link #lz4Header}. */
  static int lz4Length(long header) {
    return (int) header;
  }

  /**
   * Decompresses the LZ4 block {@code stored[0, storedLength)}, whose {@link #lz4Header} is {@code
   * header}, into {@code dst[0, lz4Length(header))}.
   *
   * <p>Requires: {@code dst.length >= lz4Length(header)}.
   *
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if the codec rejects
   *     the input or yields another length
   */
  static void lz4DecompressInto(
      byte[] stored, int storedLength, long header, byte[] dst, String file, long blockOffset) {
    int p = (int) (header >>> 32);
    int length = lz4Length(header);
    int n;
    try {
      n = LZ4_DECOMPRESSOR.decompress(stored, p, storedLength - p, dst, 0, length);
    } catch (RuntimeException e) {
      throw new CorruptionException(file, blockOffset, "LZ4 data damaged: " + e.getMessage(), e);
    }
    if (n != length) {
      throw new CorruptionException(
          file, blockOffset, "LZ4 block yields " + n + " bytes, expected " + length);
    }
  }

  /** Reads the length prefix into {@code out[0]}; returns where the codec's output starts. */
  private static int lengthPrefix(
      byte[] stored, int storedLength, String file, long blockOffset, int[] out) {
    try {
      return Coding.getVarint32(stored, 0, storedLength, TableFormat.MAX_BLOCK_BYTES, out);
    } catch (IllegalArgumentException e) {
      throw new CorruptionException(
          file, blockOffset, "bad uncompressed length: " + e.getMessage(), e);
    }
  }
}
