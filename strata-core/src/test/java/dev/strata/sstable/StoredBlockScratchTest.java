package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The per-thread read scratch follows the data blocks a thread reads, not the meta blocks of the
 * tables it happens to open: a thread that opens a table (any reader does, on the table cache's
 * miss) keeps no array the size of that table's filter or index.
 *
 * <p>Failed before the meta blocks were read into arrays of their own: the opening thread's
 * scratch grew to 50,054 bytes, this table's filter (40,000 keys at 10 bits) and trailer, where a
 * 4 KiB data block needs 8 KiB; with larger tables it reached 256 KiB, and every thread of an
 * application's pool that ever opened a table kept that much for its lifetime.
 */
class StoredBlockScratchTest {
  @Test
  void open_tableWithLargeFilterAndIndex_leavesTheThreadsScratchAtOneDataBlock() throws Exception {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < 40_000; i++) {
      byte[] key = String.format("key%012d", i).getBytes(StandardCharsets.UTF_8);
      entries.add(new Entry(key, Trailer.pack(i + 1, ValueKind.VALUE), new byte[100]));
    }
    TableOptions options = new TableOptions(4096, 16, Compression.NONE, 10);
    byte[] table = Tables.bytes(entries, options);

    // A fresh thread, as an application's request thread opening the table on a lookup.
    long[] scratch =
        CompletableFuture.supplyAsync(
                () -> {
                  long before = StoredBlock.scratchLengthForTesting();
                  try (TableReader r =
                      TableReader.open(
                          MemoryFile.reader(table), "t.sst", table.length, BlockCache.create(0))) {
                    long afterOpen = StoredBlock.scratchLengthForTesting();
                    assertThat(r.index().size()).isGreaterThan(1000);
                    r.get(entries.get(123).userKey(), Long.MAX_VALUE >>> 8, true, false);
                    return new long[] {before, afterOpen, StoredBlock.scratchLengthForTesting()};
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                },
                runnable -> new Thread(runnable, "scratch-test").start())
            .get(30, TimeUnit.SECONDS);

    assertThat(scratch[1]).as("scratch after open").isEqualTo(scratch[0]);
    // A 4 KiB data block plus its trailer fits the first scratch array.
    assertThat(scratch[2]).as("scratch after a data block read").isEqualTo(8192);
  }
}
