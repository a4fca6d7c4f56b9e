package dev.strata;

/**
 * Per-block compression of tables. The on-disk codes are in {@code docs/format/sstable.md}. A
 * block that does not shrink by at least 1/8 is stored raw whatever the choice.
 */
public enum Compression {
  NONE,
  /** lz4-java's pure-Java codec: no native code. The default. */
  LZ4,
  /** zstd-jni (native): add {@code com.github.luben:zstd-jni} to the class path to use it. */
  ZSTD
}
