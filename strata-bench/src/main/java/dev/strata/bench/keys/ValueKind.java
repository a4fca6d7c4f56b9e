package dev.strata.bench.keys;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the bytes of a value look like, which decides how far a block compresses. Immutable.
 *
 * <ul>
 *   <li>{@link #HALF}: each value is {@code valueSize / 2} random printable bytes repeated to full
 *       length, so it compresses to about half, like {@code RandomGenerator} in LevelDB's {@code
 *       db_bench} with its default compression ratio 0.5;
 *   <li>{@link #RANDOM}: uniformly random bytes, which no compressor shrinks;
 *   <li>{@link #YCSB}: printable random bytes drawn as YCSB's {@code RandomByteIterator} draws
 *       them (six characters from each random int, alternately from 32, 64 and 64 symbols), which
 *       LZ4 cannot shrink by an eighth: it has no entropy coder, and the strings have few
 *       repeats.
 * </ul>
 */
public enum ValueKind {
  HALF("half", "compressible to half"),
  RANDOM("random", "random bytes, incompressible"),
  YCSB("ycsb", "printable random bytes as YCSB draws them, incompressible by LZ4");

  private final String id;
  private final String description;

  ValueKind(String id, String description) {
    this.id = id;
    this.description = description;
  }

  /** The command-line name. */
  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /**
   * The kind with this command-line name.
   *
   * @throws IllegalArgumentException listing the known names if none matches
   */
  public static ValueKind parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (ValueKind k : values()) {
      if (k.id.equals(n)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown value kind '" + name + "'; known: "
        + Arrays.stream(values()).map(ValueKind::id).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return id;
  }
}
