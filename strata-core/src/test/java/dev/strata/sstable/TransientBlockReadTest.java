package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Point lookups read a data block that the cache will not keep into the thread's scratch arrays
 * ({@link StoredBlock#readTransient}) and copy the value out. The danger is aliasing: a value, a
 * cached block or an iterator's block that still points into scratch memory the next read
 * overwrites. These tests interleave lookups of different tables and blocks on one thread, with
 * iterators and with a cache that admits some blocks and declines others, and keep every value
 * returned to check it again at the end.
 */
class TransientBlockReadTest {
  private static final long READ_ALL = Trailer.MAX_SEQUENCE;

  /** Keys {@code key000000..}, values distinct per table and key, compressible or not. */
  private static List<Entry> entries(int count, int valueSize, char table, boolean compressible) {
    Random random = new Random(table * 31L + valueSize);
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] key = String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
      byte[] value = new byte[valueSize];
      Tables.fillValue(value, table, i, compressible, random);
      if (!compressible) {
        value[0] = (byte) table;
      }
      out.add(new Entry(key, Trailer.pack(i + 1, ValueKind.VALUE), value));
    }
    return out;
  }

  private static TableReader open(byte[] table, String name, BlockCache cache) throws Exception {
    return TableReader.open(MemoryFile.reader(table), name, table.length, cache);
  }

  @Test
  void get_alternatingTablesWithNoCache_returnsValuesThatLaterReadsDoNotChange() throws Exception {
    List<Entry> lz4 = entries(3_000, 200, 'a', true);
    List<Entry> raw = entries(3_000, 200, 'b', false);
    byte[] lz4Table = Tables.bytes(lz4, new TableOptions(4096, 16, Compression.LZ4, 10));
    byte[] rawTable = Tables.bytes(raw, new TableOptions(4096, 16, Compression.NONE, 10));
    BlockCache none = BlockCache.create(0);
    try (TableReader a = open(lz4Table, "a.sst", none);
        TableReader b = open(rawTable, "b.sst", none)) {
      assertThat(a.index().size()).isGreaterThan(100);
      List<byte[]> returned = new ArrayList<>();
      List<byte[]> expected = new ArrayList<>();
      Random random = new Random(7);
      for (int n = 0; n < 6_000; n++) {
        int i = random.nextInt(3_000);
        boolean fromA = (n & 1) == 0;
        Entry e = (fromA ? lz4 : raw).get(i);
        byte[] v = (fromA ? a : b).get(e.userKey(), READ_ALL, true, true);
        assertThat(v).as("read %d of key %d", n, i).isEqualTo(e.value());
        returned.add(v);
        expected.add(e.value());
      }
      for (int n = 0; n < returned.size(); n++) {
        assertThat(returned.get(n)).as("value %d after all reads", n).isEqualTo(expected.get(n));
      }
      assertThat(a.blockReadCount() + b.blockReadCount()).isEqualTo(6_000);
    }
  }

  @Test
  void get_besideAnOpenIteratorWithACacheThatDeclines_leavesTheIteratorAndCacheIntact()
      throws Exception {
    List<Entry> entries = entries(4_000, 300, 'c', true);
    byte[] table = Tables.bytes(entries, new TableOptions(4096, 16, Compression.LZ4, 10));
    // A cache of about 30 of the table's 300 blocks: once it is full, the doorkeeper declines a
    // block's first miss (its margin, 1/16 of the capacity, must exceed a block's weight).
    BlockCache cache = BlockCache.create(128 << 10);
    try (TableReader r = open(table, "c.sst", cache)) {
      InternalIterator it = r.newIterator(true, true);
      Random random = new Random(11);
      int position = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Entry e = entries.get(position);
        // Lookups elsewhere in the table between the iterator's steps, each a miss.
        for (int k = 0; k < 2; k++) {
          Entry other = entries.get(random.nextInt(entries.size()));
          assertThat(r.get(other.userKey(), READ_ALL, true, true)).isEqualTo(other.value());
        }
        assertThat(it.userKey()).isEqualTo(e.userKey());
        assertThat(it.value()).as("iterator at %d", position).isEqualTo(e.value());
        position++;
      }
      it.close();
      assertThat(position).isEqualTo(entries.size());
      assertThat(cache.declined()).as("blocks the doorkeeper declined").isPositive();
      assertThat(cache.adds()).as("blocks cached").isPositive();
      // Every block the cache holds must read right from the cache alone.
      for (Entry e : entries) {
        assertThat(r.get(e.userKey(), READ_ALL, true, true)).isEqualTo(e.value());
      }
    }
  }

  @Test
  void get_ofBlocksNoCacheKeeps_allocatesNoArrayOfABlocksSize() throws Exception {
    // 16 KiB blocks: a lookup that allocated its block would allocate at least that much.
    List<Entry> entries = entries(2_000, 100, 'd', true);
    byte[] table = Tables.bytes(entries, new TableOptions(16384, 16, Compression.LZ4, 10));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (TableReader r = open(table, "d.sst", BlockCache.create(0))) {
      Random random = new Random(3);
      for (int n = 0; n < 1_000; n++) { // the scratch arrays grow on the first reads
        Entry e = entries.get(random.nextInt(entries.size()));
        assertThat(r.get(e.userKey(), READ_ALL, true, true)).isEqualTo(e.value());
      }
      int reads = 2_000;
      long before = threads.getCurrentThreadAllocatedBytes();
      int found = 0;
      for (int n = 0; n < reads; n++) {
        Entry e = entries.get(random.nextInt(entries.size()));
        found += r.get(e.userKey(), READ_ALL, true, true).length == 100 ? 1 : 0;
      }
      long perRead = (threads.getCurrentThreadAllocatedBytes() - before) / reads;
      assertThat(found).isEqualTo(reads);
      assertThat(perRead).as("bytes allocated per lookup").isLessThan(4096);
    }
  }

  @Test
  void get_ofABlockLargerThanTheScratchLimit_readsItAndKeepsTheScratchBounded() throws Exception {
    List<Entry> entries = new ArrayList<>(entries(10, 100, 'e', true));
    byte[] big = new byte[300 << 10];
    Arrays.fill(big, (byte) 'x');
    big[12345] = 1;
    entries.set(5, new Entry(entries.get(5).userKey(), entries.get(5).trailer(), big));
    for (Compression c : List.of(Compression.LZ4, Compression.NONE)) {
      byte[] table = Tables.bytes(entries, new TableOptions(4096, 16, c, 10));
      try (TableReader r = open(table, "e.sst", BlockCache.create(0))) {
        assertThat(r.get(entries.get(5).userKey(), READ_ALL, true, true)).isEqualTo(big);
        assertThat(r.get(entries.get(6).userKey(), READ_ALL, true, true))
            .isEqualTo(entries.get(6).value());
        assertThat(StoredBlock.scratchLengthForTesting()).isLessThanOrEqualTo(256 << 10);
        assertThat(StoredBlock.contentsScratchLengthForTesting()).isLessThanOrEqualTo(256 << 10);
      }
    }
  }

  @Test
  void get_ofADamagedBlockNoCacheKeeps_namesTheFileAndOffset() throws Exception {
    List<Entry> entries = entries(500, 100, 'f', true);
    for (Compression c : List.of(Compression.LZ4, Compression.NONE)) {
      byte[] table = Tables.bytes(entries, new TableOptions(4096, 16, c, 10));
      long secondBlock;
      try (TableReader r = open(table, "f.sst", BlockCache.create(0))) {
        secondBlock = r.index().blockOffset(1);
      }
      table[(int) secondBlock + 20] ^= 0x40;
      try (TableReader r = open(table, "f.sst", BlockCache.create(0))) {
        byte[] inLast = entries.get(entries.size() - 1).userKey();
        int i = 0;
        while (r.index().find(entries.get(i).userKey(), Trailer.seekTrailer(READ_ALL)) != 1) {
          i++;
        }
        byte[] key = entries.get(i).userKey();
        assertThatThrownBy(() -> r.get(key, READ_ALL, true, true))
            .isInstanceOf(CorruptionException.class)
            .hasMessageContaining("f.sst")
            .hasMessageContaining(Long.toString(secondBlock));
        // The block before it still reads, and so does the last block.
        assertThat(r.get(entries.get(0).userKey(), READ_ALL, true, true))
            .isEqualTo(entries.get(0).value());
        assertThat(r.get(inLast, READ_ALL, true, true))
            .isEqualTo(entries.get(entries.size() - 1).value());
      }
    }
  }
}
