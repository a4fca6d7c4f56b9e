package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-key formula of {@code docs/design/memory.md} ("The heap to give for N keys") against
 * {@code strata.estimate-table-readers-mem} on a real database: random 16-byte keys, values that
 * do not compress, everything compacted into the bottom level and every table open.
 */
class MemoryFormulaTest {
  @TempDir Path dir;

  /**
   * Bytes per key that open table readers hold, by the formula: the bloom filter's bits, plus one
   * index entry (the block's last internal key, and 24 bytes of start, offset, size and key prefix) per data
   * block. A block is cut after the entry that brings it to the block size; an entry is its three
   * varint lengths (one byte each, two for a value length of 128 or more), the internal key (the
   * user key and an 8-byte trailer; random keys share no prefix) and the value, plus a 4-byte
   * restart point every 16 entries.
   */
  static double readerBytesPerKey(int keyBytes, int valueBytes, int blockBytes, int bloomBits) {
    double entry = 1 + 1 + (valueBytes < 128 ? 1 : 2) + keyBytes + 8 + valueBytes + 4.0 / 16;
    double perBlock = Math.ceil((blockBytes - 4) / entry);
    return bloomBits / 8.0 + (keyBytes + 8 + 24) / perBlock;
  }

  @ParameterizedTest(name = "{0} keys, {1} B values")
  @CsvSource({"20000, 100", "5000, 1024"})
  void readersMemoryPerKey_matchesTheFormula(int keys, int valueBytes) {
    Options options = Options.defaults();
    double expected =
        readerBytesPerKey(16, valueBytes, options.blockSizeBytes(), options.bloomBitsPerKey());
    try (StrataDB db = StrataDB.open(dir, options)) {
      Random rnd = new Random(keys);
      for (int i = 0; i < keys; i++) {
        byte[] k = new byte[16];
        rnd.nextBytes(k);
        byte[] v = new byte[valueBytes];
        rnd.nextBytes(v);
        db.put(k, v);
      }
      db.compactRange(null, null);
      try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          // opens every table
        }
      }
      long tables = MemoryPropertiesTest.prop(db, "num-open-table-readers");
      assertThat(tables).isEqualTo(MemoryPropertiesTest.prop(db, "num-files-at-level6"));
      double perKey = (double) MemoryPropertiesTest.prop(db, "estimate-table-readers-mem") / keys;
      System.out.printf(
          "%d keys, %d B values: %.3f bytes per key in table readers, formula %.3f%n",
          keys, valueBytes, perKey, expected);
      // The formula leaves out what each table costs whatever its size (properties, 512 bytes of
      // reader, filter rounding): under 2% of these small tables, nothing at 64 MiB.
      assertThat(perKey).isCloseTo(expected, within(expected * 0.03));
    }
  }
}
