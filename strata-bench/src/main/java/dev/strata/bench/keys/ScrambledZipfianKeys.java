package dev.strata.bench.keys;

/**
 * YCSB's "zipfian" request distribution: Zipf-distributed ranks, each hashed (64-bit FNV-1a) onto
 * {@code [0, items)} so that the popular keys are spread over the key space instead of clustering
 * at its start. As in YCSB, hashing modulo the item count may map two ranks to one key.
 *
 * <p>Confined to one thread.
 */
public final class ScrambledZipfianKeys implements KeyChooser {
  private static final long FNV_OFFSET_BASIS_64 = 0xCBF29CE484222325L;
  private static final long FNV_PRIME_64 = 1099511628211L;

  private final ZipfianGenerator ranks;
  private final long items;

  public ScrambledZipfianKeys(long items, double theta, long seed) {
    this.ranks = new ZipfianGenerator(items, theta, seed);
    this.items = items;
  }

  @Override
  public long next() {
    return Math.floorMod(fnv64(ranks.next()), items);
  }

  /** YCSB's {@code Utils.fnvhash64}: FNV-1a over the eight bytes of {@code v}, low byte first. */
  static long fnv64(long v) {
    long hash = FNV_OFFSET_BASIS_64;
    long val = v;
    for (int i = 0; i < 8; i++) {
      long octet = val & 0xff;
      val >>= 8;
      hash ^= octet;
      hash *= FNV_PRIME_64;
    }
    return hash;
  }
}
