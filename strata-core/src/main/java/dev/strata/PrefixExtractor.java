package dev.strata;

import java.util.Arrays;

/**
 * Extracts a key's prefix, for prefix bloom filters in tables and prefix-bounded iteration ({@link
 * Options.Builder#prefixExtractor}, {@link ReadOptions.Builder#prefixSameAsStart}), as RocksDB's
 * {@code SliceTransform}. Implementations must be thread-safe and stateless: the same key always
 * yields the same answer.
 *
 * <p>A prefix is always a leading part of its key: {@link #prefixLength} says how many of the key's
 * first bytes it is. Keys outside the {@linkplain #inDomain domain} have no prefix; they are left
 * out of the prefix filter and end a prefix-bounded iteration.
 *
 * <p>Requirements (as RocksDB's for prefix seek):
 *
 * <ol>
 *   <li>Keys with the same prefix are contiguous in key order: no key out of the domain, or with
 *       another prefix, sorts between two keys with prefix {@code P}. (A prefix-bounded iterator
 *       stops at the first key without its prefix.)
 *   <li>{@link #name()} identifies the transformation: it is recorded in every table written with
 *       the extractor, and a table's prefix filter is used only by an extractor of the same name.
 *       Change the name whenever the transformation changes, or prefix-bounded iterators may skip
 *       tables that hold keys of the prefix.
 * </ol>
 *
 * {@link #fixedLength(int)} meets both.
 */
public interface PrefixExtractor {
  /**
   * The name recorded in tables: 1 to 255 bytes of UTF-8. Two extractors with the same name must
   * compute the same prefixes.
   */
  String name();

  /** Whether {@code key} has a prefix. */
  boolean inDomain(byte[] key);

  /**
   * The length of {@code key}'s prefix: its first {@code prefixLength(key)} bytes.
   *
   * <p>Requires: {@link #inDomain}{@code (key)}. The result is from 0 to {@code key.length}.
   */
  int prefixLength(byte[] key);

  /** A copy of {@code key}'s prefix. Requires: {@link #inDomain}{@code (key)}. */
  default byte[] prefix(byte[] key) {
    return Arrays.copyOf(key, prefixLength(key));
  }

  /**
   * The first {@code length} bytes of a key; keys shorter than {@code length} are out of the
   * domain. Named {@code strata.FixedPrefix.<length>}.
   *
   * @throws IllegalArgumentException if {@code length < 1}
   */
  static PrefixExtractor fixedLength(int length) {
    if (length < 1) {
      throw new IllegalArgumentException("prefix length must be at least 1, got " + length);
    }
    return new FixedLengthPrefix(length);
  }
}
