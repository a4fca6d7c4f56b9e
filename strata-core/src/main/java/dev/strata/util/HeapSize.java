package dev.strata.util;

/**
 * Heap sizes of arrays and small objects, for the memory figures of {@code getProperty}. The
 * figures assume a 64-bit JVM with compressed oops and class pointers (any heap under 32 GiB, the
 * default there): 12-byte object headers, 16-byte array headers, 4-byte references, every object
 * aligned to 8 bytes. Above 32 GiB references take 8 bytes and these figures run a little low.
 * Stateless.
 */
public final class HeapSize {
  /** An object's header. */
  public static final int OBJECT_HEADER = 12;

  /** An array's header: the object header plus the length. */
  public static final int ARRAY_HEADER = 16;

  /** A reference with compressed oops. */
  public static final int REFERENCE = 4;

  private HeapSize() {}

  /** {@code bytes} rounded up to the 8-byte alignment of heap objects. */
  public static long align(long bytes) {
    return (bytes + 7) & ~7L;
  }

  public static long byteArray(int length) {
    return align(ARRAY_HEADER + (long) length);
  }

  public static long intArray(int length) {
    return align(ARRAY_HEADER + 4L * length);
  }

  public static long longArray(int length) {
    return align(ARRAY_HEADER + 8L * length);
  }

  /** An array of references (the array itself, not what it refers to). */
  public static long referenceArray(int length) {
    return align(ARRAY_HEADER + (long) REFERENCE * length);
  }

  /** An object with {@code fieldBytes} bytes of fields, header and alignment included. */
  public static long object(int fieldBytes) {
    return align(OBJECT_HEADER + (long) fieldBytes);
  }
}
