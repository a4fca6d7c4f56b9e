package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.fs.FileSystem;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * {@link TableIndex#find} against a linear scan of the index's last keys, for keys built to stress
 * its prefix search: a long prefix shared by every key (the part it skips), keys that end inside
 * or just after the 8 bytes it compares, bytes 0x00 and 0xFF there, several versions of one key
 * across blocks, and targets that share the prefix, fall short of it or leave it.
 */
class TableIndexTest {
  private final FileSystem fs = FileSystem.nio();
  private Path dir;

  @BeforeTry
  void createDir() throws IOException {
    dir = java.nio.file.Files.createTempDirectory("table-index-test");
  }

  @AfterTry
  void deleteDir() throws IOException {
    try (var files = java.nio.file.Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.delete(p);
      }
    }
  }

  @Property(tries = 60)
  void find_agreesWithALinearScan(@ForAll long seed) throws IOException {
    Random rnd = new Random(seed);
    byte[] shared = randomBytes(rnd, rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1, 12));
    TreeSet<byte[]> keySet = new TreeSet<>(java.util.Arrays::compareUnsigned);
    // Up to 3,000 keys in some tables: many runs of TableIndex.SAMPLE_STRIDE entries.
    int keys = rnd.nextInt(1, rnd.nextBoolean() ? 400 : 3000);
    while (keySet.size() < keys) {
      keySet.add(withSuffix(shared, randomBytes(rnd, rnd.nextInt(0, 11))));
    }
    List<Entry> entries = new ArrayList<>();
    long sequence = 1;
    for (byte[] key : keySet) {
      int versions = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(6) : 1;
      List<Entry> ofKey = new ArrayList<>();
      for (int v = 0; v < versions; v++) {
        ofKey.add(new Entry(key, Trailer.pack(sequence++, ValueKind.VALUE), new byte[8]));
      }
      // Newest version first, as tables hold them.
      java.util.Collections.reverse(ofKey);
      entries.addAll(ofKey);
    }
    // Small blocks: many index entries, versions of one key split across blocks.
    TableOptions options = new TableOptions(64 + rnd.nextInt(128), 1 + rnd.nextInt(4),
        Compression.NONE, 10);
    Path path = dir.resolve("000001.sst");
    Tables.write(fs, path, entries, options);
    try (TableReader reader = Tables.open(fs, path, BlockCache.create(0))) {
      TableIndex index = reader.index();
      for (int i = 0; i < 300; i++) {
        byte[] target;
        switch (rnd.nextInt(4)) {
          case 0 -> target = entries.get(rnd.nextInt(entries.size())).userKey();
          case 1 -> target = withSuffix(shared, randomBytes(rnd, rnd.nextInt(0, 11)));
          case 2 -> target = randomBytes(rnd, rnd.nextInt(0, shared.length + 3));
          default -> target = java.util.Arrays.copyOf(shared, rnd.nextInt(shared.length + 1));
        }
        long trailer = Trailer.pack(rnd.nextInt((int) sequence + 1), ValueKind.VALUE);
        assertThat(index.find(target, trailer))
            .as("seed %d, target %s", seed, java.util.HexFormat.of().formatHex(target))
            .isEqualTo(linearFind(index, target, trailer));
      }
    }
  }

  private static int linearFind(TableIndex index, byte[] userKey, long trailer) {
    for (int i = 0; i < index.size(); i++) {
      byte[] last = index.lastKey(i);
      if (KeyOrder.compare(last, 0, last.length, userKey, trailer) >= 0) {
        return i;
      }
    }
    return index.size();
  }

  /** Bytes biased to 0x00, 0x01, 0xFE and 0xFF, where padding and sign mistakes show. */
  private static byte[] randomBytes(Random rnd, int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      int r = rnd.nextInt(6);
      b[i] = (byte) (r == 0 ? 0x00 : r == 1 ? 0x01 : r == 2 ? 0xFE : r == 3 ? 0xFF : rnd.nextInt());
    }
    return b;
  }

  private static byte[] withSuffix(byte[] prefix, byte[] suffix) {
    byte[] k = java.util.Arrays.copyOf(prefix, prefix.length + suffix.length);
    System.arraycopy(suffix, 0, k, prefix.length, suffix.length);
    return k;
  }
}
