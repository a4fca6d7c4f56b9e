package dev.strata;

/**
 * The extractor of {@link PrefixExtractor#fixedLength(int)}: a key's first {@code length} bytes,
 * keys shorter than that out of the domain. Immutable and thread-safe.
 */
final class FixedLengthPrefix implements PrefixExtractor {
  private final int length;
  private final String name;

  FixedLengthPrefix(int length) {
    this.length = length;
    this.name = "strata.FixedPrefix." + length;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean inDomain(byte[] key) {
    return key.length >= length;
  }

  @Override
  public int prefixLength(byte[] key) {
    return length;
  }

  @Override
  public String toString() {
    return name;
  }
}
