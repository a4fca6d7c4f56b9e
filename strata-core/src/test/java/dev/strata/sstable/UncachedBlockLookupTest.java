package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A table reader looks up the block cache only for blocks it put there itself (the only way a block
 * of its id gets there): a scan that does not fill the cache, as a compaction's inputs are read,
 * and the first read of each block miss without a lookup; blocks it cached are served from the
 * cache; a block the cache evicted since is looked up, misses and is read again from the file.
 */
class UncachedBlockLookupTest {
  private static List<Entry> entries(int count) {
    Random random = new Random(11);
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] key = String.format("key%07d", i).getBytes(StandardCharsets.UTF_8);
      byte[] value = new byte[50 + random.nextInt(150)];
      Tables.fillValue(value, 'u', i, i % 3 == 0, random);
      out.add(new Entry(key, Trailer.pack(i + 1, ValueKind.VALUE), value));
    }
    return out;
  }

  private static TableReader open(byte[] table, BlockCache cache) throws Exception {
    return TableReader.open(MemoryFile.reader(table), "u.sst", table.length, cache);
  }

  /** The index of the data block that holds {@code userKey}. */
  private static int blockOf(TableReader reader, byte[] userKey) {
    List<TableReader.IndexEntry> index = reader.indexEntries();
    for (int b = 0; b < index.size(); b++) {
      byte[] last = index.get(b).lastKey(); // an internal key: user key, then an 8-byte trailer
      if (Bytes.compare(userKey, 0, userKey.length, last, 0, last.length - 8) <= 0) {
        return b;
      }
    }
    throw new AssertionError("key past the table's end");
  }

  @Test
  void readsLookUpOnlyBlocksTheReaderCached() throws Exception {
    List<Entry> entries = entries(8_000);
    byte[] table = Tables.bytes(entries, new TableOptions(4096, 16, Compression.LZ4, 10));
    BlockCache cache = BlockCache.create(32 << 20);
    try (TableReader reader = open(table, cache)) {
      int blocks = reader.index().size();
      assertThat(blocks).isGreaterThan(100);

      // A scan that does not fill the cache: every block a miss known without a lookup.
      long skippedBefore = cache.missesWithoutLookup();
      try (InternalIterator it = reader.newIterator(true, false)) {
        assertThat(Tables.scanForward(it)).isEqualTo(entries);
      }
      assertThat(cache.missesWithoutLookup() - skippedBefore).isEqualTo(blocks);
      assertThat(cache.hits()).isZero();

      // Point reads that fill the cache: the first read of each block skips the lookup, the second
      // is a hit.
      List<Entry> probes = new ArrayList<>();
      Set<Integer> probedBlocks = new HashSet<>();
      for (int i = 0; i < entries.size() && probes.size() < 20; i += 97) {
        Entry e = entries.get(i);
        if (probedBlocks.add(blockOf(reader, e.userKey()))) {
          probes.add(e);
        }
      }
      skippedBefore = cache.missesWithoutLookup();
      for (Entry e : probes) {
        assertThat(reader.get(e.userKey(), Trailer.MAX_SEQUENCE, true, true)).isEqualTo(e.value());
      }
      assertThat(cache.missesWithoutLookup() - skippedBefore).isEqualTo(probes.size());
      long hitsBefore = cache.hits();
      skippedBefore = cache.missesWithoutLookup();
      for (Entry e : probes) {
        assertThat(reader.get(e.userKey(), Trailer.MAX_SEQUENCE, true, true)).isEqualTo(e.value());
      }
      assertThat(cache.hits() - hitsBefore).isEqualTo(probes.size());
      assertThat(cache.missesWithoutLookup()).isEqualTo(skippedBefore);

      // A cached block the cache dropped since: looked up, missed, read again from the file, and
      // cached again.
      Entry first = probes.get(0);
      long offset = reader.indexEntries().get(blockOf(reader, first.userKey())).offset();
      cache.evictBlocks(reader.cacheIdForTesting(), new long[] {offset});
      long missesBefore = cache.misses();
      assertThat(reader.get(first.userKey(), Trailer.MAX_SEQUENCE, true, true))
          .isEqualTo(first.value());
      assertThat(cache.misses() - missesBefore).isEqualTo(1);
      assertThat(cache.missesWithoutLookup()).isEqualTo(skippedBefore);
      assertThat(cache.entryForTesting(reader.cacheIdForTesting(), offset)).isNotNull();

      // Another reader of the same bytes has blocks of its own: its first reads skip the lookup.
      try (TableReader other = open(table, cache)) {
        long before = cache.missesWithoutLookup();
        assertThat(other.get(first.userKey(), Trailer.MAX_SEQUENCE, true, true))
            .isEqualTo(first.value());
        assertThat(cache.missesWithoutLookup() - before).isEqualTo(1);
      }
    }
  }

  @Test
  void aCacheOfNoCapacity_missesEveryReadWithoutALookup() throws Exception {
    List<Entry> entries = entries(2_000);
    BlockCache cache = BlockCache.create(0);
    try (TableReader reader =
        open(Tables.bytes(entries, new TableOptions(4096, 16, Compression.NONE, 10)), cache)) {
      Entry e = entries.get(1500);
      for (int n = 0; n < 3; n++) {
        assertThat(reader.get(e.userKey(), Trailer.MAX_SEQUENCE, true, true)).isEqualTo(e.value());
      }
      assertThat(cache.misses()).isEqualTo(3);
      assertThat(cache.missesWithoutLookup()).isEqualTo(3);
      assertThat(cache.hits()).isZero();
    }
  }
}
