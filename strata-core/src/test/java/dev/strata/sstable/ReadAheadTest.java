package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.fs.ReadableFile;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.testing.ForwardingReadableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An iterator that does not fill the cache (a compaction's inputs) reads the blocks after the one it
 * steps to in the same read ({@link StoredBlock#READ_AHEAD_BYTES}): every entry comes back as
 * written, in either direction and with two iterators taking turns; a damaged block is still
 * reported with its file and offset; and the reads are far fewer than the blocks.
 */
class ReadAheadTest {
  private static List<Entry> entries(int count) {
    Random random = new Random(11);
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] key = String.format("key%07d", i).getBytes(StandardCharsets.UTF_8);
      byte[] value = new byte[i % 53 == 0 ? 0 : 50 + random.nextInt(400)];
      Tables.fillValue(value, 'r', i, i % 3 == 0, random);
      out.add(new Entry(key, Trailer.pack(i + 1, ValueKind.VALUE), value));
    }
    return out;
  }

  /** Counts the reads that reach the file. */
  private static final class CountingFile extends ForwardingReadableFile {
    final AtomicInteger reads = new AtomicInteger();

    CountingFile(ReadableFile in) {
      super(in);
    }

    @Override
    public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
      reads.incrementAndGet();
      super.readFully(position, dst, offset, length);
    }
  }

  private static TableReader open(CountingFile file, int length) throws IOException {
    return TableReader.open(file, "ahead.sst", length, BlockCache.create(0));
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void forwardScanWithoutTheCache_readsEveryEntry_inFarFewerReadsThanBlocks(Compression c)
      throws IOException {
    List<Entry> written = entries(20_000);
    byte[] table = Tables.bytes(written, new TableOptions(4096, 16, c, 10));
    CountingFile file = new CountingFile(MemoryFile.reader(table));
    try (TableReader reader = open(file, table.length)) {
      int blocks = reader.index().size();
      assertThat(blocks).isGreaterThan(400);

      int before = file.reads.get();
      List<Entry> ahead;
      try (InternalIterator it = reader.newIterator(true, false)) {
        ahead = Tables.scanForward(it);
      }
      int aheadReads = file.reads.get() - before;

      before = file.reads.get();
      List<Entry> filling;
      try (InternalIterator it = reader.newIterator(true, true)) {
        filling = Tables.scanForward(it);
      }
      int fillingReads = file.reads.get() - before;

      assertThat(ahead).isEqualTo(written);
      assertThat(filling).isEqualTo(written);
      // The cache holds nothing, so the iterator that fills it reads every block on its own.
      assertThat(fillingReads).isEqualTo(blocks);
      long blocksPerWindow = StoredBlock.READ_AHEAD_BYTES / (table.length / blocks + 1);
      assertThat(aheadReads).isLessThanOrEqualTo((int) (blocks / (blocksPerWindow / 2)) + 2);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void backwardScansSeeksAndTwoIteratorsTakingTurns_seeTheTableAsWritten(Compression c)
      throws IOException {
    List<Entry> written = entries(8_000);
    byte[] table = Tables.bytes(written, new TableOptions(4096, 16, c, 10));
    CountingFile file = new CountingFile(MemoryFile.reader(table));
    try (TableReader reader = open(file, table.length)) {
      // scanBackward walks from the last entry and returns what it met in key order.
      try (InternalIterator it = reader.newIterator(true, false)) {
        assertThat(Tables.scanBackward(it)).isEqualTo(written);
      }
      // Forward from a seek into the middle, then back over the window's start.
      try (InternalIterator it = reader.newIterator(true, false)) {
        it.seek(written.get(4_000).userKey(), written.get(4_000).trailer());
        for (int i = 4_000; i < 6_000; i++) {
          assertThat(it.isValid()).isTrue();
          assertThat(it.userKey()).isEqualTo(written.get(i).userKey());
          assertThat(it.value()).isEqualTo(written.get(i).value());
          it.next();
        }
        for (int i = 5_999; i >= 3_000; i--) {
          it.prev();
          assertThat(it.userKey()).isEqualTo(written.get(i).userKey());
          assertThat(it.value()).isEqualTo(written.get(i).value());
        }
      }
      // Two iterators over one file, each with its own window, stepping in turn.
      try (InternalIterator a = reader.newIterator(true, false);
          InternalIterator b = reader.newIterator(true, false)) {
        a.seekToFirst();
        b.seek(written.get(5_000).userKey(), written.get(5_000).trailer());
        for (int i = 0; i < 3_000; i++) {
          assertThat(a.userKey()).isEqualTo(written.get(i).userKey());
          assertThat(a.value()).isEqualTo(written.get(i).value());
          assertThat(b.userKey()).isEqualTo(written.get(5_000 + i).userKey());
          assertThat(b.value()).isEqualTo(written.get(5_000 + i).value());
          a.next();
          b.next();
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void damagedBlockInsideAWindow_reportedWithItsFileAndOffset(Compression c) throws IOException {
    List<Entry> written = entries(8_000);
    byte[] table = Tables.bytes(written, new TableOptions(4096, 16, c, 10));
    long damagedOffset;
    try (TableReader reader = open(new CountingFile(MemoryFile.reader(table)), table.length)) {
      List<TableReader.IndexEntry> index = reader.indexEntries();
      // A block a few blocks into a window that starts at block 1 (the first step reads ahead).
      TableReader.IndexEntry e = index.get(5);
      damagedOffset = e.offset();
      table[(int) (e.offset() + e.size() / 2)] ^= 0x5A;
    }
    try (TableReader reader =
            open(new CountingFile(MemoryFile.reader(table)), table.length);
        InternalIterator it = reader.newIterator(true, false)) {
      assertThatThrownBy(() -> Tables.scanForward(it))
          .isInstanceOfSatisfying(
              CorruptionException.class,
              e -> {
                assertThat(e.file()).isEqualTo("ahead.sst");
                assertThat(e.offset()).isEqualTo(damagedOffset);
              });
    }
  }
}
