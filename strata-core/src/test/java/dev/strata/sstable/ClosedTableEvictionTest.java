package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A table reader that closes drops from the cache the blocks it put there, and only those: one
 * lookup per block it cached, not one per block of the table nor a scan of the cache (a
 * compaction's input tables close with as many blocks as the cache has entries, and the last
 * reader to release one, a user's thread among them, pays for the close). Another table's blocks
 * stay.
 */
class ClosedTableEvictionTest {
  private static List<Entry> entries(char table, int count) {
    Random random = new Random(table);
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] key = String.format("%ckey%06d", table, i).getBytes(StandardCharsets.UTF_8);
      byte[] value = new byte[100 + random.nextInt(200)];
      Tables.fillValue(value, table, i, false, random);
      out.add(new Entry(key, Trailer.pack(i + 1, ValueKind.VALUE), value));
    }
    return out;
  }

  private static TableReader open(byte[] table, String name, BlockCache cache) throws Exception {
    return TableReader.open(MemoryFile.reader(table), name, table.length, cache);
  }

  private static int cachedBlocks(BlockCache cache, TableReader reader) {
    int n = 0;
    for (TableReader.IndexEntry e : reader.indexEntries()) {
      if (cache.entryForTesting(reader.cacheIdForTesting(), e.offset()) != null) {
        n++;
      }
    }
    return n;
  }

  @Test
  void closingAReader_dropsTheBlocksItCached_inOneLookupEach_andLeavesOtherTablesBlocks()
      throws Exception {
    TableOptions options = new TableOptions(4096, 16, Compression.NONE, 10);
    List<Entry> a = entries('a', 12_000);
    List<Entry> b = entries('b', 3_000);
    BlockCache cache = BlockCache.create(32 << 20);
    TableReader readerA = open(Tables.bytes(a, options), "a.sst", cache);
    try (TableReader readerB = open(Tables.bytes(b, options), "b.sst", cache)) {
      int blocksOfA = readerA.index().size();
      assertThat(blocksOfA).isGreaterThan(500);
      // A few point reads of A cache their blocks; a scan of B caches all of its blocks.
      Random random = new Random(7);
      for (int n = 0; n < 40; n++) {
        Entry e = a.get(random.nextInt(a.size()));
        assertThat(readerA.get(e.userKey(), Trailer.MAX_SEQUENCE, true, true)).isEqualTo(e.value());
      }
      try (InternalIterator it = readerB.newIterator(true, true)) {
        assertThat(Tables.scanForward(it)).isEqualTo(b);
      }
      int cachedOfA = cachedBlocks(cache, readerA);
      int cachedOfB = cachedBlocks(cache, readerB);
      assertThat(cachedOfA).isBetween(1, 40);
      assertThat(cachedOfB).isEqualTo(readerB.index().size());

      long lookupsBefore = cache.evictionLookupsForTesting();
      readerA.close();

      assertThat(cachedBlocks(cache, readerA)).isZero();
      assertThat(cache.evictionLookupsForTesting() - lookupsBefore).isEqualTo(cachedOfA);
      assertThat(cachedBlocks(cache, readerB)).isEqualTo(cachedOfB);
      // B's blocks are still served from the cache.
      Entry e = b.get(1234);
      assertThat(readerB.get(e.userKey(), Trailer.MAX_SEQUENCE, true, true)).isEqualTo(e.value());
    }
    assertThat(cache.evictionLookupsForTesting()).isLessThan(600);
  }
}
