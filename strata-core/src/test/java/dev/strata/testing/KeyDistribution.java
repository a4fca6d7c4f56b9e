package dev.strata.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * How random tests draw keys from a key space of {@code n} keys. Uniform keys make every level-0
 * file span the whole key space, so that the files never overlap in chains and every range is
 * dense; the other shapes give level 0 files over narrow, moving ranges that overlap their
 * neighbours, sparse ranges, keys of different lengths in one order, and hot keys.
 *
 * <ul>
 *   <li>{@link #UNIFORM}: every key equally likely.
 *   <li>{@link #SEQUENTIAL}: a cursor that advances one key (sometimes two or three) per draw and
 *       jumps to a random key about once in 200 draws, wrapping at the end.
 *   <li>{@link #NARROW}: keys from a hot window of 1 to 5% of the space; the window drifts by up to
 *       its width about once in 150 draws and jumps anywhere about once in 1,000.
 *   <li>{@link #PREFIX}: keys of four families with prefixes of different lengths and unpadded
 *       numeric suffixes ({@code a/7}, {@code a/71}, {@code a/7103}), so that keys of different
 *       lengths interleave in byte order; most draws come from the family of the moment, which
 *       changes about once in 100 draws.
 *   <li>{@link #ZIPFIAN}: Zipf with exponent 0.99 over ranks (YCSB's constant), the ranks spread
 *       over the key space by a fixed permutation so that hot keys are not all neighbours.
 * </ul>
 *
 * <p>Each draw is a key index in {@code [0, n)} that {@link Source#key(int)} names; the names of
 * all distributions but {@code PREFIX} are {@link OpGenerator#key(int)}'s. A {@link Source} is
 * stateful and confined to one thread; it takes its randomness from the caller's seeded {@link
 * Random}, so a run replays from its seed. {@code UNIFORM} draws exactly {@code rnd.nextInt(n)},
 * as {@link OpGenerator} always did.
 */
public enum KeyDistribution {
  UNIFORM,
  SEQUENTIAL,
  NARROW,
  PREFIX,
  ZIPFIAN;

  /** A fresh source of keys of this distribution over {@code n} keys, drawing from {@code rnd}. */
  public Source source(Random rnd, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("key space must hold at least one key, got " + n);
    }
    switch (this) {
      case UNIFORM:
        return new Source(this, rnd, n);
      case SEQUENTIAL:
        return new Sequential(rnd, n);
      case NARROW:
        return new Narrow(rnd, n);
      case PREFIX:
        return new Prefix(rnd, n);
      case ZIPFIAN:
        return new Zipfian(rnd, n);
      default:
        throw new AssertionError(this);
    }
  }

  /** A key after every key any source names (all names are ASCII). */
  public static byte[] afterAllKeys() {
    return new byte[] {(byte) 0xff, (byte) 0xff};
  }

  /** A stateful source of keys; the base class draws uniformly. Not thread-safe. */
  public static class Source {
    private final KeyDistribution distribution;
    final Random rnd;
    final int n;

    Source(KeyDistribution distribution, Random rnd, int n) {
      this.distribution = distribution;
      this.rnd = rnd;
      this.n = n;
    }

    public KeyDistribution distribution() {
      return distribution;
    }

    /** The number of distinct keys. */
    public int keySpace() {
      return n;
    }

    /** The next key index drawn, in {@code [0, keySpace())}. */
    public int nextIndex() {
      return rnd.nextInt(n);
    }

    /** The next key drawn. */
    public byte[] next() {
      return key(nextIndex());
    }

    /** A key drawn uniformly, whatever the distribution: for bounds that may fall anywhere. */
    public byte[] anyKey() {
      return key(rnd.nextInt(n));
    }

    /** The name of key {@code index}; distinct indices have distinct names. */
    public byte[] key(int index) {
      return OpGenerator.key(index);
    }
  }

  private static final class Sequential extends Source {
    private int cursor;

    Sequential(Random rnd, int n) {
      super(SEQUENTIAL, rnd, n);
      cursor = rnd.nextInt(n);
    }

    @Override
    public int nextIndex() {
      if (rnd.nextInt(200) == 0) {
        cursor = rnd.nextInt(n);
      }
      int k = cursor;
      cursor = (cursor + (rnd.nextInt(8) == 0 ? 2 + rnd.nextInt(2) : 1)) % n;
      return k;
    }
  }

  private static final class Narrow extends Source {
    private int width;
    private int start;

    Narrow(Random rnd, int n) {
      super(NARROW, rnd, n);
      width = windowWidth();
      start = rnd.nextInt(n);
    }

    private int windowWidth() {
      return Math.max(1, (int) ((long) n * (1 + rnd.nextInt(5)) / 100));
    }

    @Override
    public int nextIndex() {
      if (rnd.nextInt(1000) == 0) {
        width = windowWidth();
        start = rnd.nextInt(n);
      } else if (rnd.nextInt(150) == 0) {
        start = Math.floorMod(start + rnd.nextInt(2 * width + 1) - width, n);
      }
      return (start + rnd.nextInt(width)) % n;
    }
  }

  private static final class Prefix extends Source {
    /** Prefixes of different lengths; one is a prefix of two others. */
    private static final String[] FAMILIES = {"a/", "a/b/", "a/bcd/", "q"};

    private int family;

    Prefix(Random rnd, int n) {
      super(PREFIX, rnd, n);
      family = rnd.nextInt(FAMILIES.length);
    }

    @Override
    public int nextIndex() {
      if (rnd.nextInt(100) == 0) {
        family = rnd.nextInt(FAMILIES.length);
      }
      int f = rnd.nextInt(5) == 0 ? rnd.nextInt(FAMILIES.length) : family;
      int members = (n - f + FAMILIES.length - 1) / FAMILIES.length;
      if (members == 0) {
        return rnd.nextInt(n);
      }
      return f + FAMILIES.length * rnd.nextInt(members);
    }

    /** Key {@code i}: family {@code i % 4}, member {@code i / 4} as an unpadded number. */
    @Override
    public byte[] key(int index) {
      return (FAMILIES[index % FAMILIES.length] + (index / FAMILIES.length))
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * Zipf over ranks by Gray et al.'s method ("Quickly generating billion-record synthetic
   * databases", SIGMOD 1994), as YCSB's {@code ZipfianGenerator} draws it.
   */
  private static final class Zipfian extends Source {
    private static final double THETA = 0.99;

    private final double alpha;
    private final double zetan;
    private final double eta;
    private final long multiplier;
    private final long offset;

    Zipfian(Random rnd, int n) {
      super(ZIPFIAN, rnd, n);
      double z = 0;
      for (int i = 1; i <= n; i++) {
        z += 1 / Math.pow(i, THETA);
      }
      zetan = z;
      double zeta2 = 1 + 1 / Math.pow(2, THETA);
      alpha = 1 / (1 - THETA);
      eta = (1 - Math.pow(2.0 / n, 1 - THETA)) / (1 - zeta2 / zetan);
      // rank -> (rank * multiplier + offset) mod n is a permutation when gcd(multiplier, n) = 1.
      long m = 0x9E3779B1L % n;
      while (m <= 1 && n > 2 || BigInteger.valueOf(m).gcd(BigInteger.valueOf(n)).intValue() != 1) {
        m = (m + 1) % n;
      }
      multiplier = n == 1 ? 1 : m;
      offset = rnd.nextInt(n);
    }

    /** A rank in [0, n): 0 is the most frequent. */
    int nextRank() {
      double u = rnd.nextDouble();
      double uz = u * zetan;
      if (uz < 1) {
        return 0;
      }
      if (uz < 1 + Math.pow(0.5, THETA)) {
        return Math.min(1, n - 1);
      }
      return (int) Math.min(n - 1, (long) (n * Math.pow(eta * u - eta + 1, alpha)));
    }

    @Override
    public int nextIndex() {
      return (int) ((nextRank() * multiplier + offset) % n);
    }
  }
}
