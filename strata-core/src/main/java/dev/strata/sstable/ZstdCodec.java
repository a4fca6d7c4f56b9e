package dev.strata.sstable;

import com.github.luben.zstd.Zstd;
import dev.strata.CorruptionException;

/**
 * ZSTD block compression through zstd-jni, kept in its own class so that the JVM resolves zstd-jni
 * only when a table uses ZSTD: Strata runs without zstd-jni on the class path as long as nobody
 * chooses {@link dev.strata.Compression#ZSTD}. Callers check {@link #requireAvailable} before any
 * other method. Stateless and thread-safe.
 *
 * <p>No method signature or catch clause names a zstd-jni type, so loading and verifying this class
 * never needs zstd-jni.
 */
final class ZstdCodec {
  /** zstd's default level: a good ratio at LZ4-like decompression speed. */
  private static final int LEVEL = 3;

  private ZstdCodec() {}

  /** Why zstd-jni cannot be used, or null if it can; computed once, on first use. */
  private static final class Availability {
    static final String FAILURE = probe();

    private static String probe() {
      try {
        Class.forName("com.github.luben.zstd.Zstd", true, ZstdCodec.class.getClassLoader());
        return null;
      } catch (ClassNotFoundException | LinkageError e) {
        return e.toString();
      }
    }
  }

  /**
   * Requires: nothing. Throws if zstd-jni is missing or its native library does not load.
   *
   * @param what the operation that needed it, for the message
   * @throws IllegalStateException naming the missing dependency
   */
  static void requireAvailable(String what) {
    String failure = Availability.FAILURE;
    if (failure != null) {
      throw new IllegalStateException(
          "Compression.ZSTD needs zstd-jni (com.github.luben:zstd-jni) on the class path to "
              + what
              + " ("
              + failure
              + ")");
    }
  }

  static boolean isAvailable() {
    return Availability.FAILURE == null;
  }

  /** Requires: {@link #requireAvailable} passed. */
  static int maxCompressedLength(int length) {
    long bound = Zstd.compressBound(length);
    if (bound > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("block of " + length + " bytes too large to compress");
    }
    return (int) bound;
  }

  /** Compresses {@code src[0, length)} into {@code dst[offset..]}; returns the bytes written. */
  static int compress(byte[] src, int length, byte[] dst, int offset) {
    long n = Zstd.compressByteArray(dst, offset, dst.length - offset, src, 0, length, LEVEL);
    if (Zstd.isError(n)) {
      throw new IllegalStateException("zstd compression failed: " + Zstd.getErrorName(n));
    }
    return (int) n;
  }

  /**
   * Decompresses a frame that must yield exactly {@code length} bytes; the frame's own content size
   * must agree before anything is allocated.
   */
  static byte[] decompress(
      byte[] src, int offset, int srcLength, int length, String file, long blockOffset) {
    long declared;
    long n;
    byte[] dst;
    try {
      declared = Zstd.getFrameContentSize(src, offset, srcLength);
      if (declared != length) {
        throw new CorruptionException(
            file, blockOffset, "zstd frame declares " + declared + " bytes, expected " + length);
      }
      dst = new byte[length];
      n = Zstd.decompressByteArray(dst, 0, length, src, offset, srcLength);
    } catch (CorruptionException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CorruptionException(file, blockOffset, "zstd data damaged: " + e.getMessage(), e);
    }
    if (Zstd.isError(n) || n != length) {
      throw new CorruptionException(
          file, blockOffset, "zstd frame yields " + n + " bytes, expected " + length);
    }
    return dst;
  }
}
