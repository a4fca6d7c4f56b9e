package dev.strata.testing;

import dev.strata.util.Coding;
import java.util.Arrays;
import java.util.Random;

/**
 * The corruption matrix's damage, shared by the engine's tests (over the fault-injecting file
 * system) and the command line's (over real files): which bytes of a file a target names, and what
 * each kind of damage makes of them. Stateless.
 */
public final class FileDamage {
  /** The part of the database a case damages. */
  public enum Target {
    WAL_MIDDLE,
    WAL_TAIL,
    DATA_BLOCK,
    INDEX,
    FILTER,
    /** A table's range-deletion block (between the filter and the properties). */
    RANGE_DELETIONS,
    FOOTER,
    MANIFEST,
    CURRENT
  }

  /** What happens to it. */
  public enum Damage { BIT_FLIP, BYTE_RUN, ZERO_4K, TRUNCATE, EMPTY, GARBAGE_APPENDED, DELETED }

  private FileDamage() {}

  /** The start of the file name a target damages ({@code .log} and {@code .sst} are suffixes). */
  public static String filePart(Target target) {
    return switch (target) {
      case WAL_MIDDLE, WAL_TAIL -> ".log";
      case MANIFEST -> "MANIFEST-";
      case CURRENT -> "CURRENT";
      default -> ".sst";
    };
  }

  /** [from, to) of the bytes the target names within the file's content {@code c}. */
  public static long[] region(Target target, byte[] c) {
    int n = c.length;
    int f = n - 64;
    return switch (target) {
      case WAL_MIDDLE -> new long[] {n / 4, n / 2};
      case WAL_TAIL -> new long[] {Math.max(0, n - 20), n};
      case FOOTER -> new long[] {f, n};
      case MANIFEST, CURRENT -> new long[] {0, n};
      case DATA_BLOCK -> new long[] {0, Coding.getLong(c, f)};
      case FILTER -> {
        long off = Coding.getLong(c, f);
        yield new long[] {off, off + Coding.getLong(c, f + 8) + 5};
      }
      case INDEX -> {
        long off = Coding.getLong(c, f + 32);
        yield new long[] {off, off + Coding.getLong(c, f + 40) + 5};
      }
      case RANGE_DELETIONS -> {
        // From the end of the filter block to the start of the properties block: the
        // range-deletion block with its trailer, or nothing in a table without one.
        long from = Coding.getLong(c, f) + Coding.getLong(c, f + 8) + 5;
        yield new long[] {from, Coding.getLong(c, f + 16)};
      }
    };
  }

  /**
   * The file's content after damage {@code d} within {@code region}, or null if the file is to be
   * deleted. {@code c} is not changed.
   */
  public static byte[] apply(byte[] c, Damage d, long[] region, Random rnd) {
    int from = (int) region[0];
    int to = (int) Math.max(region[0] + 1, region[1]);
    int at = Math.min(c.length - 1, from + rnd.nextInt(Math.max(1, to - from)));
    byte[] out = c.clone();
    switch (d) {
      case BIT_FLIP -> out[at] ^= (byte) (1 << rnd.nextInt(8));
      case BYTE_RUN -> {
        int len = 1 + rnd.nextInt(16);
        for (int i = at; i < Math.min(c.length, at + len); i++) {
          out[i] = (byte) (out[i] + 1 + rnd.nextInt(255));
        }
      }
      case ZERO_4K -> Arrays.fill(out, at, Math.min(c.length, at + 4096), (byte) 0);
      case TRUNCATE -> out = Arrays.copyOf(c, at);
      case EMPTY -> out = new byte[0];
      case GARBAGE_APPENDED -> {
        out = Arrays.copyOf(c, c.length + 1 + rnd.nextInt(100));
        for (int i = c.length; i < out.length; i++) {
          out[i] = (byte) (1 + rnd.nextInt(255));
        }
      }
      case DELETED -> out = null;
    }
    return out;
  }
}
