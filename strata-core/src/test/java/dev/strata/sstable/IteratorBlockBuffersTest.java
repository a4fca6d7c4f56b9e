package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.key.BorrowedValue;
import dev.strata.key.InternalIterator;
import dev.strata.key.MergingIterator;
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
 * An iterator that does not fill the cache (a compaction's inputs) reads every block into one pair
 * of arrays of its own, and lends values out of them ({@link InternalIterator#borrowValue}). The
 * danger is aliasing: a value handed out earlier, another iterator's block, a cached block or a
 * point lookup's scratch that the next block read overwrites. These tests interleave iterators
 * over raw and LZ4 tables, a merge of them as a compaction reads them, and point lookups, and keep
 * every value taken to check it again at the end.
 */
class IteratorBlockBuffersTest {
  private static final long READ_ALL = Trailer.MAX_SEQUENCE;

  /** Keys {@code key000000..} (every {@code stride}-th from {@code first}), distinct values. */
  private static List<Entry> entries(
      int count, int first, int stride, int valueSize, char table, boolean compressible) {
    Random random = new Random(table * 31L + valueSize);
    List<Entry> out = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      int i = first + n * stride;
      byte[] key = String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
      // Sizes vary, an empty value among them, so that value ranges start anywhere in a block.
      int size = n % 97 == 0 ? 0 : valueSize / 2 + random.nextInt(valueSize);
      byte[] value = new byte[size];
      Tables.fillValue(value, table, i, compressible, random);
      out.add(new Entry(key, Trailer.pack(i + 1, ValueKind.VALUE), value));
    }
    return out;
  }

  private static TableReader open(byte[] table, String name, BlockCache cache) throws Exception {
    return TableReader.open(MemoryFile.reader(table), name, table.length, cache);
  }

  private static byte[] copyOf(BorrowedValue v) {
    return Arrays.copyOfRange(v.array(), v.offset(), v.offset() + v.length());
  }

  @Test
  void mergeOfTwoTablesNotFillingTheCache_lendsAndCopiesEveryValueRight_besideLookups()
      throws Exception {
    // Even keys in an LZ4 table, odd keys in a raw one: the merge alternates between them, so
    // each step reads from the iterator that did not move last.
    List<Entry> even = entries(3_000, 0, 2, 200, 'a', true);
    List<Entry> odd = entries(3_000, 1, 2, 200, 'b', false);
    byte[] evenTable = Tables.bytes(even, new TableOptions(4096, 16, Compression.LZ4, 10));
    byte[] oddTable = Tables.bytes(odd, new TableOptions(4096, 16, Compression.NONE, 10));
    // A cache that keeps some blocks of the lookups: the iterators must neither read from a
    // lookup's scratch nor leave their buffers in the cache.
    BlockCache cache = BlockCache.create(64 << 10);
    List<Entry> all = new ArrayList<>();
    for (int n = 0; n < 3_000; n++) {
      all.add(even.get(n));
      all.add(odd.get(n));
    }
    try (TableReader a = open(evenTable, "a.sst", cache);
        TableReader b = open(oddTable, "b.sst", cache)) {
      assertThat(a.index().size()).isGreaterThan(100);
      List<byte[]> taken = new ArrayList<>();
      Random random = new Random(5);
      int position = 0;
      try (InternalIterator it =
          new MergingIterator(List.of(a.newIterator(true, false), b.newIterator(true, false)))) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          Entry e = all.get(position);
          assertThat(it.userKey()).isEqualTo(e.userKey());
          assertThat(copyOf(it.borrowValue())).as("lent at %d", position).isEqualTo(e.value());
          if (position % 3 == 0) {
            taken.add(it.value());
          }
          // A lookup elsewhere between the steps, through the thread's scratch or the cache.
          Entry other = all.get(random.nextInt(all.size()));
          TableReader r = isEven(other) ? a : b;
          assertThat(r.get(other.userKey(), READ_ALL, true, true)).isEqualTo(other.value());
          assertThat(copyOf(it.borrowValue()))
              .as("lent at %d after a lookup", position)
              .isEqualTo(e.value());
          position++;
        }
      }
      assertThat(position).isEqualTo(all.size());
      for (int n = 0; n < taken.size(); n++) {
        assertThat(taken.get(n)).as("value %d after the merge", n).isEqualTo(all.get(3 * n).value());
      }
      assertThat(cache.adds()).as("blocks the lookups cached").isPositive();
      for (Entry e : all) {
        assertThat((isEven(e) ? a : b).get(e.userKey(), READ_ALL, true, true))
            .isEqualTo(e.value());
      }
    }
  }

  private static boolean isEven(Entry e) {
    String k = new String(e.userKey(), StandardCharsets.UTF_8);
    return (k.charAt(k.length() - 1) - '0') % 2 == 0;
  }

  @Test
  void backwardsAndSeeks_withoutFillingTheCache_readTheRightBlocks() throws Exception {
    List<Entry> entries = entries(2_000, 0, 1, 300, 'c', true);
    byte[] table = Tables.bytes(entries, new TableOptions(2048, 16, Compression.LZ4, 10));
    try (TableReader r = open(table, "c.sst", BlockCache.create(0));
        InternalIterator it = r.newIterator(true, false)) {
      int position = entries.size() - 1;
      for (it.seekToLast(); it.isValid(); it.prev()) {
        assertThat(copyOf(it.borrowValue())).as("at %d", position).isEqualTo(
            entries.get(position).value());
        position--;
      }
      assertThat(position).isEqualTo(-1);
      Random random = new Random(9);
      for (int n = 0; n < 500; n++) {
        Entry e = entries.get(random.nextInt(entries.size()));
        it.seek(e.userKey(), READ_ALL);
        assertThat(it.userKey()).isEqualTo(e.userKey());
        assertThat(it.value()).isEqualTo(e.value());
      }
    }
  }

  @Test
  void iteratorNotFillingTheCache_readsBlocksWithoutAnArrayEach() throws Exception {
    // 16 KiB blocks: an iterator that allocated each block would allocate at least that much.
    List<Entry> entries = entries(6_000, 0, 1, 400, 'd', false);
    byte[] table = Tables.bytes(entries, new TableOptions(16384, 16, Compression.LZ4, 10));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (TableReader r = open(table, "d.sst", BlockCache.create(0))) {
      int blocks = r.index().size();
      assertThat(blocks).isGreaterThan(100);
      long lent = 0;
      for (int round = 0; round < 2; round++) { // the first round grows the buffers and compiles
        long before = threads.getCurrentThreadAllocatedBytes();
        lent = 0;
        try (InternalIterator it = r.newIterator(true, false)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            lent += it.borrowValue().length();
          }
        }
        long perBlock = (threads.getCurrentThreadAllocatedBytes() - before) / blocks;
        if (round == 1) {
          assertThat(perBlock).as("bytes allocated per block read").isLessThan(4096);
        }
      }
      long expected = 0;
      for (Entry e : entries) {
        expected += e.value().length;
      }
      assertThat(lent).isEqualTo(expected);
    }
  }
}
