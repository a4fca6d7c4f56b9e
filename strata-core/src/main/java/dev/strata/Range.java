package dev.strata;

/**
 * A range of user keys for {@link StrataDB#getApproximateSizes}: from {@code start} (inclusive) to
 * {@code limit} (exclusive); null for either means unbounded on that side. The arrays are used
 * as given, not copied: do not change them while a call uses the range.
 */
public record Range(byte[] start, byte[] limit) {}
