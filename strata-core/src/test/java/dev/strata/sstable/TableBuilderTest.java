package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.fs.WritableFile;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class TableBuilderTest {
  private static final byte[] V = "v".getBytes(UTF_8);

  private static TableBuilder builder() {
    return new TableBuilder(
        MemoryFile.writer(), "b.sst", new TableOptions(256, 16, Compression.NONE, 10));
  }

  @Test
  void add_userKeyBelowPrevious_throwsIllegalArgument() {
    try (TableBuilder b = builder()) {
      b.add("b".getBytes(UTF_8), Trailer.pack(1, ValueKind.VALUE), V);
      assertThatThrownBy(() -> b.add("a".getBytes(UTF_8), Trailer.pack(2, ValueKind.VALUE), V))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("out of order");
    }
  }

  @Test
  void add_sameUserKeyOlderThenNewer_throwsIllegalArgument() {
    try (TableBuilder b = builder()) {
      b.add("a".getBytes(UTF_8), Trailer.pack(5, ValueKind.VALUE), V);
      b.add("a".getBytes(UTF_8), Trailer.pack(4, ValueKind.VALUE), V);
      assertThatThrownBy(() -> b.add("a".getBytes(UTF_8), Trailer.pack(6, ValueKind.VALUE), V))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.add("a".getBytes(UTF_8), Trailer.pack(4, ValueKind.VALUE), V))
          .as("duplicate internal key")
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(b.entryCount()).isEqualTo(2);
    }
  }

  @Test
  void add_tombstoneWithValueOrUnknownKind_throwsIllegalArgument() {
    try (TableBuilder b = builder()) {
      assertThatThrownBy(() -> b.add("a".getBytes(UTF_8), Trailer.pack(1, ValueKind.DELETE), V))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.add("a".getBytes(UTF_8), (1L << 8) | 7, V))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void add_afterFinishOrClose_throwsIllegalState() throws IOException {
    TableBuilder finished = builder();
    finished.add("a".getBytes(UTF_8), Trailer.pack(1, ValueKind.VALUE), V);
    finished.finish();
    assertThatThrownBy(() -> finished.add("b".getBytes(UTF_8), Trailer.pack(1, ValueKind.VALUE), V))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(finished::finish).isInstanceOf(IllegalStateException.class);

    TableBuilder abandoned = builder();
    abandoned.close();
    assertThatThrownBy(
            () -> abandoned.add("a".getBytes(UTF_8), Trailer.pack(1, ValueKind.VALUE), V))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void estimatedFileSize_growsWithEntries_andMatchesFinishedDataSize() throws IOException {
    MemoryFile.Writer file = MemoryFile.writer();
    TableBuilder b =
        new TableBuilder(file, "e.sst", new TableOptions(256, 16, Compression.NONE, 10));
    long previous = 0;
    for (int i = 0; i < 500; i++) {
      b.add(
          String.format("key%05d", i).getBytes(UTF_8),
          Trailer.pack(i + 1, ValueKind.VALUE),
          new byte[20]);
      long estimate = b.estimatedFileSize();
      assertThat(estimate).isGreaterThan(previous);
      assertThat(estimate).isGreaterThanOrEqualTo(file.size());
      previous = estimate;
    }
    long beforeFinish = b.estimatedFileSize();
    TableProperties p = b.finish();
    assertThat(p.fileSize()).isEqualTo(file.size()).isGreaterThan(beforeFinish);
    assertThat(b.entryCount()).isEqualTo(500);
  }

  @Test
  void finish_writeFails_failsTheBuilder() {
    WritableFile failing =
        new WritableFile() {
          @Override
          public void append(byte[] data, int offset, int length) throws IOException {
            throw new IOException("disk full");
          }

          @Override
          public void sync() {}

          @Override
          public long size() {
            return 0;
          }

          @Override
          public void close() {}
        };
    TableBuilder b =
        new TableBuilder(failing, "f.sst", new TableOptions(64, 16, Compression.NONE, 10));
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 100; i++) {
                b.add(
                    String.format("key%05d", i).getBytes(UTF_8),
                    Trailer.pack(i + 1, ValueKind.VALUE),
                    new byte[20]);
              }
            })
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("f.sst");
    assertThatThrownBy(b::finish)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("FAILED");
  }

  @Test
  void constructor_nonEmptyFile_throwsIllegalArgument() {
    MemoryFile.Writer file = MemoryFile.writer();
    file.append(new byte[3], 0, 3);
    assertThatThrownBy(() -> new TableBuilder(file, "x.sst", TableOptions.defaults()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tableOptions_outOfRange_throwsIllegalArgument() {
    assertThatThrownBy(() -> new TableOptions(63, 16, Compression.NONE, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TableOptions(4096, 0, Compression.NONE, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TableOptions(4096, 16, Compression.NONE, 41))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TableOptions(4096, 16, null, 10))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void incompressibleData_triesCompressionRarely_andCompressibleDataAfterItCompressesAgain()
      throws IOException {
    // 200 blocks of random values, then 200 of repetitive ones (4 KiB blocks of 1 KiB values).
    java.util.Random rnd = new java.util.Random(3);
    MemoryFile.Writer file = MemoryFile.writer();
    TableBuilder b =
        new TableBuilder(file, "c.sst", new TableOptions(4096, 16, Compression.LZ4, 10));
    java.util.List<byte[]> values = new java.util.ArrayList<>();
    int perPhase = 200 * 4;
    for (int i = 0; i < 2 * perPhase; i++) {
      byte[] v = new byte[1024];
      if (i < perPhase) {
        rnd.nextBytes(v);
      } else {
        java.util.Arrays.fill(v, (byte) ('a' + i % 26));
      }
      values.add(v);
      b.add(String.format("key%06d", i).getBytes(UTF_8), Trailer.pack(i + 1, ValueKind.VALUE), v);
      if (i == perPhase - 1) {
        // Before the backoff, every block was a try; with it, about one in MAX_SKIP_SPAN.
        assertThat(b.compressionTries()).isBetween(10L, 200L / 4);
      }
    }
    TableProperties p = b.finish();
    byte[] bytes = file.toByteArray();
    try (TableReader r =
        TableReader.open(MemoryFile.reader(bytes), "c.sst", bytes.length, BlockCache.create(0))) {
      java.util.List<TableReader.IndexEntry> index = r.indexEntries();
      long compressed = index.stream().filter(e -> e.size() < 2048).count();
      // The repetitive half compresses, except blocks passed over before the first successful try.
      assertThat(compressed).isBetween(200L - TableBuilder.MAX_SKIP_SPAN, 200L + 1);
      assertThat(index.subList(0, 190)).allMatch(e -> e.size() > 4096);
      for (int i = 0; i < values.size(); i += 37) {
        byte[] key = String.format("key%06d", i).getBytes(UTF_8);
        assertThat(r.get(key, Long.MAX_VALUE >>> 8, true, false)).isEqualTo(values.get(i));
      }
    }
    assertThat(p.dataBlockCount()).isBetween(400L, 402L);
  }
}
