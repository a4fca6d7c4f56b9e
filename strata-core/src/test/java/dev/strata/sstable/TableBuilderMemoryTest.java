package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A table builder keeps its buffers' heap bytes added to the gauge it is given (what {@code
 * strata.compaction-buffer-bytes} reads) while it writes, and takes them all off when it finishes
 * or is abandoned.
 */
class TableBuilderMemoryTest {
  private static final int KEYS = 20_000;
  private static final TableOptions OPTIONS =
      new TableOptions(4096, 16, Compression.LZ4, 10);

  private static byte[] key(int i) {
    return String.format("key%013d", i).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void gauge_whileWriting_coversHashesAndIndex_andIsZeroOnceFinished() throws IOException {
    AtomicLong gauge = new AtomicLong();
    MemoryFile.Writer file = MemoryFile.writer();
    TableBuilder b = new TableBuilder(file, "t.sst", OPTIONS, gauge);
    assertThat(gauge.get()).isEqualTo(b.heapBytes()).isPositive();
    long indexKeyBytes = 0;
    long blocksBefore = 0;
    for (int i = 0; i < KEYS; i++) {
      b.add(key(i), Trailer.pack(i + 1, ValueKind.VALUE), new byte[100]);
      long now = gauge.get();
      // Reported once per data block: never more than the builder holds, never behind it by
      // more than the hashes of one block's keys.
      assertThat(now).isLessThanOrEqualTo(b.heapBytes());
      if (file.size() != blocksBefore) {
        blocksBefore = file.size();
        indexKeyBytes += key(i).length + 8;
        assertThat(now).isEqualTo(b.heapBytes());
      }
    }
    // What the builder must hold by now, worked out from what it was given: one 8-byte hash per
    // key for the filter, every finished block's last key in the index, one data block.
    long atLeast = 8L * KEYS + indexKeyBytes + OPTIONS.blockSizeBytes();
    assertThat(gauge.get()).isGreaterThanOrEqualTo(atLeast).isLessThan(4 * atLeast);

    b.finish();
    assertThat(gauge.get()).isZero();
    b.close();
    assertThat(gauge.get()).isZero();
  }

  @Test
  void gauge_sharedByTwoBuilders_sumsThem_andAbandoningOneTakesOnlyItsOwn() {
    AtomicLong gauge = new AtomicLong();
    TableBuilder a = new TableBuilder(MemoryFile.writer(), "a.sst", OPTIONS, gauge);
    for (int i = 0; i < 5_000; i++) {
      a.add(key(i), Trailer.pack(i + 1, ValueKind.VALUE), new byte[100]);
    }
    long aOnly = gauge.get();
    TableBuilder b = new TableBuilder(MemoryFile.writer(), "b.sst", OPTIONS, gauge);
    b.add(key(0), Trailer.pack(1, ValueKind.VALUE), new byte[100]);
    long bOnly = gauge.get() - aOnly;
    assertThat(bOnly).isPositive().isLessThan(aOnly);
    a.close();
    assertThat(gauge.get()).isEqualTo(bOnly);
    b.close();
    assertThat(gauge.get()).isZero();
  }
}
