package dev.strata.sstable;

import dev.strata.PrefixExtractor;
import dev.strata.util.Bytes;
import java.util.Arrays;
import java.util.Objects;

/**
 * The prefix a prefix-bounded iterator ({@code ReadOptions.prefixSameAsStart}) is confined to,
 * shared by the user-facing iterator, which sets or clears it at each seek, and the table and
 * level iterators under it, which consult it each time they are positioned: a table whose prefix
 * filter rules the prefix out is skipped ({@link TableReader#prefixMayMatch}), and a level stops
 * at a file whose key range lies wholly past the prefix.
 *
 * <p>Since a prefix is a leading part of its key ({@link PrefixExtractor#prefixLength}), every
 * key with prefix {@code P} lies in {@code [P, P's successor)}: {@link #allAbove} and {@link
 * #allBelow} decide from a key alone that a whole key range holds none of them.
 *
 * <p>Not thread-safe: confined to its iterator's thread.
 */
public final class PrefixBound {
  private final PrefixExtractor extractor;
  private final String name;

  /** The prefix, or null while unbounded. */
  private byte[] prefix;

  /** {@link TableReader#keyHash} of {@link #prefix}: the filter holds prefixes as keys. */
  private long prefixHash;

  public PrefixBound(PrefixExtractor extractor) {
    this.extractor = Objects.requireNonNull(extractor, "extractor");
    this.name = extractor.name();
  }

  /** The name of the extractor, which a table's filter must have been written with. */
  String extractorName() {
    return name;
  }

  /**
   * Bounds to {@code key}'s prefix if {@code key} is in the extractor's domain, else unbounds.
   *
   * @return whether the bound is now set
   * @throws IllegalArgumentException if the extractor gives a length outside the key
   */
  public boolean setFrom(byte[] key) {
    if (!extractor.inDomain(key)) {
      prefix = null;
      return false;
    }
    int n = extractor.prefixLength(key);
    if (n < 0 || n > key.length) {
      throw new IllegalArgumentException(
          "prefix extractor " + name + " gave length " + n + " for a key of " + key.length
              + " bytes");
    }
    prefix = Arrays.copyOf(key, n);
    prefixHash = TableReader.keyHash(prefix);
    return true;
  }

  public void clear() {
    prefix = null;
  }

  public boolean isSet() {
    return prefix != null;
  }

  /** The prefix's hash. Requires: {@link #isSet()}. */
  long prefixHash() {
    return prefixHash;
  }

  /** Whether {@code key} is in the domain with the bound's prefix. Requires: {@link #isSet()}. */
  public boolean matches(byte[] key) {
    int n = prefix.length;
    return key.length >= n
        && Arrays.equals(key, 0, n, prefix, 0, n)
        && extractor.inDomain(key)
        && extractor.prefixLength(key) == n;
  }

  /**
   * Whether {@code key} and every key after it sort past all keys with the prefix: it is above the
   * prefix and does not start with it. False while unbounded.
   */
  public boolean allAbove(byte[] key) {
    if (prefix == null) {
      return false;
    }
    int n = prefix.length;
    return !(key.length >= n && Arrays.equals(key, 0, n, prefix, 0, n))
        && Bytes.compare(key, prefix) > 0;
  }

  /**
   * Whether {@code key} and every key before it sort before all keys with the prefix. False while
   * unbounded.
   */
  public boolean allBelow(byte[] key) {
    return prefix != null && Bytes.compare(key, prefix) < 0;
  }
}
