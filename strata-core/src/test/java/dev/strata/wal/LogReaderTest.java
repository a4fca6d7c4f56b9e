package dev.strata.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.testing.ForwardingReadableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReaderTest {
  @TempDir Path dir;
  private final FileSystem fs = FileSystem.nio();

  private Path write(byte[]... payloads) throws IOException {
    Path p = dir.resolve("000001.log");
    try (LogWriter w = new LogWriter(fs.create(p), "000001.log")) {
      for (byte[] payload : payloads) {
        w.addRecord(payload, 0, payload.length);
      }
      w.sync();
    }
    return p;
  }

  private List<byte[]> readAll(Path p) throws IOException {
    List<byte[]> out = new ArrayList<>();
    try (ReadableFile f = fs.openRead(p)) {
      LogReader r = new LogReader(f, p.getFileName().toString());
      byte[] rec;
      while ((rec = r.next()) != null) {
        out.add(rec);
      }
    }
    return out;
  }

  private static byte[] payload(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }

  @Test
  void records_roundTrip() throws IOException {
    Path p = write(payload(0, 1), payload(10, 2), payload(100_000, 3));
    assertThat(readAll(p)).containsExactly(payload(0, 1), payload(10, 2), payload(100_000, 3));
  }

  @Test
  void manySmallAndSomeHugeRecords_acrossWindowEdges_readBackInOrder_withFewReads()
      throws IOException {
    // Sizes chosen so records straddle every window edge, plus records larger than the window.
    java.util.Random rnd = new java.util.Random(5);
    List<byte[]> written = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; bytes < 3L * LogReader.WINDOW_BYTES; i++) {
      int n =
          i % 997 == 500
              ? LogReader.WINDOW_BYTES + rnd.nextInt(3)
              : i % 331 == 7 ? LogReader.WINDOW_BYTES - 13 + rnd.nextInt(26) : rnd.nextInt(160);
      written.add(payload(n, i));
      bytes += n + WalFormat.HEADER_SIZE;
    }
    Path p = write(written.toArray(new byte[0][]));
    int[] reads = {0};
    List<byte[]> out = new ArrayList<>();
    try (ReadableFile raw = fs.openRead(p)) {
      ReadableFile counting =
          new ForwardingReadableFile(raw) {
            @Override
            public void readFully(long position, byte[] dst, int offset, int length)
                throws IOException {
              reads[0]++;
              super.readFully(position, dst, offset, length);
            }
          };
      LogReader r = new LogReader(counting, "000001.log");
      byte[] rec;
      while ((rec = r.next()) != null) {
        out.add(rec);
      }
      assertThat(r.tornTailOffset()).isEqualTo(-1);
    }
    assertThat(out).hasSize(written.size());
    for (int i = 0; i < written.size(); i++) {
      assertThat(out.get(i)).as("record %d", i).isEqualTo(written.get(i));
    }
    // One read per window of small records and one or two per record larger than a window;
    // two reads per record (header, payload) before the window.
    assertThat(reads[0]).isLessThan(written.size() / 10);
  }

  /** A batch of puts {@code key -> value} (a null value: delete) from {@code firstSequence}. */
  private static byte[] batch(long firstSequence, byte[]... keysAndValues) {
    WalOps ops = ops(keysAndValues);
    byte[] out = new byte[WalFormat.BATCH_HEADER_SIZE + ops.encodedBytes()];
    WriteBatchCodec.putHeader(out, 0, firstSequence, ops.count());
    ops.encode(out, WalFormat.BATCH_HEADER_SIZE);
    return out;
  }

  private static List<String> decodeAll(List<byte[]> records) {
    List<String> ops = new ArrayList<>();
    for (byte[] r : records) {
      WriteBatchCodec.decode(r, "000002.log", 0, (seq, kind, key, value) -> ops.add(
          seq + " " + kind + " " + Arrays.toString(key) + " "
              + (value == null ? "-" : Arrays.toString(value))));
    }
    return ops;
  }

  /** A member of a commit group: puts {@code key -> value} (a null value: delete). */
  private static WalOps ops(byte[]... keysAndValues) {
    return new WalOps() {
      @Override
      public int count() {
        return keysAndValues.length / 2;
      }

      @Override
      public int encodedBytes() {
        int size = 0;
        for (int i = 0; i < keysAndValues.length; i += 2) {
          size += WriteBatchCodec.opSize(keysAndValues[i], keysAndValues[i + 1]);
        }
        return size;
      }

      @Override
      public int encode(byte[] dst, int pos) {
        for (int i = 0; i < keysAndValues.length; i += 2) {
          pos = WriteBatchCodec.putOp(dst, pos, keysAndValues[i], keysAndValues[i + 1]);
        }
        return pos;
      }
    };
  }

  @Test
  void batchGroup_isOneRecordDecodingToEveryMembersOperationsInOrder() throws IOException {
    byte[][] m1 = {{1}, {11}};
    byte[][] m2 = {{2}, null, {3}, {33}};
    byte[][] m3 = {{1}, {12, 12}};
    Path separate = write(batch(10, m1), batch(11, m2), batch(13, m3));
    Path grouped = dir.resolve("000002.log");
    try (LogWriter w = new LogWriter(fs.create(grouped), "000002.log")) {
      w.addBatchGroup(10, new WalOps[] {ops(m1), ops(m2), ops(m3)}, 3);
    }

    List<byte[]> records = readAll(grouped);
    assertThat(records).hasSize(1);
    assertThat(decodeAll(records)).containsExactly(
        "10 VALUE [1] [11]", "11 DELETE [2] -", "12 VALUE [3] [33]", "13 VALUE [1] [12, 12]");
    assertThat(decodeAll(records)).isEqualTo(decodeAll(readAll(separate)));
    // One record header and one batch header for the group instead of one of each per member.
    assertThat(Files.size(separate) - Files.size(grouped))
        .isEqualTo(2L * (WalFormat.HEADER_SIZE + WalFormat.BATCH_HEADER_SIZE));
  }

  @Test
  void batchGroupOfOne_isThatBatchsOwnRecord() throws IOException {
    byte[][] only = {{4}, {44}, {5}, null};
    Path grouped = dir.resolve("000002.log");
    try (LogWriter w = new LogWriter(fs.create(grouped), "000002.log")) {
      w.addBatchGroup(7, new WalOps[] {ops(only), ops(new byte[] {6}, null)}, 1);
    }
    assertThat(Files.readAllBytes(grouped)).isEqualTo(Files.readAllBytes(write(batch(7, only))));
  }

  @Test
  void batchGroup_memberEncodingOtherThanDeclared_isRefusedAndWritesNothing() throws IOException {
    WalOps liar = new WalOps() {
      @Override
      public int count() {
        return 1;
      }

      @Override
      public int encodedBytes() {
        return 5;
      }

      @Override
      public int encode(byte[] dst, int pos) {
        return WriteBatchCodec.putOp(dst, pos, new byte[] {1}, null);
      }
    };
    Path grouped = dir.resolve("000002.log");
    try (LogWriter w = new LogWriter(fs.create(grouped), "000002.log")) {
      assertThatThrownBy(() -> w.addBatchGroup(1, new WalOps[] {ops(new byte[] {9}, null), liar}, 2))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("member 1 encoded 3 bytes, declared 5");
    }
    assertThat(Files.size(grouped)).isZero();
  }

  @Test
  void emptyFile_hasNoRecords() throws IOException {
    Path p = write();
    assertThat(readAll(p)).isEmpty();
  }

  @Test
  void truncatedAtEveryOffsetOfLastRecord_endsAtPreviousRecord() throws IOException {
    Path p = write(payload(20, 1), payload(30, 2));
    byte[] full = Files.readAllBytes(p);
    int firstEnd = WalFormat.HEADER_SIZE + 20;
    for (int cut = firstEnd; cut < full.length; cut++) {
      Files.write(p, Arrays.copyOf(full, cut));
      assertThat(readAll(p)).as("cut at %d", cut).containsExactly(payload(20, 1));
    }
  }

  @Test
  void zeroedTail_isTornNotCorrupt() throws IOException {
    Path p = write(payload(20, 1), payload(30, 2));
    byte[] full = Files.readAllBytes(p);
    int firstEnd = WalFormat.HEADER_SIZE + 20;
    Arrays.fill(full, firstEnd, full.length, (byte) 0);
    Files.write(p, full);
    assertThat(readAll(p)).containsExactly(payload(20, 1));
  }

  @Test
  void flippedBitInMiddleRecord_raisesCorruptionNamingFileAndOffset() throws IOException {
    Path p = write(payload(20, 1), payload(30, 2), payload(40, 3));
    byte[] full = Files.readAllBytes(p);
    int second = WalFormat.HEADER_SIZE + 20;
    for (int i = second; i < second + WalFormat.HEADER_SIZE + 30; i++) {
      byte[] damaged = full.clone();
      damaged[i] ^= 0x10;
      Files.write(p, damaged);
      assertThatThrownBy(() -> readAll(p))
          .as("flip at %d", i)
          .isInstanceOf(CorruptionException.class)
          .hasMessageContaining("000001.log")
          .hasMessageContaining("offset " + second);
    }
  }

  @Test
  void flippedBitInLastRecordPayload_isTornTail() throws IOException {
    Path p = write(payload(20, 1), payload(30, 2));
    byte[] full = Files.readAllBytes(p);
    full[full.length - 1] ^= 1;
    Files.write(p, full);
    assertThat(readAll(p)).containsExactly(payload(20, 1));
  }

  @Test
  void hugeLengthInValidHeader_neverAllocates() throws IOException {
    Path p = write(payload(20, 1));
    byte[] full = Files.readAllBytes(p);
    // A valid header claiming 1 GiB runs past the end: a torn tail, not an allocation.
    byte[] header = new byte[WalFormat.HEADER_SIZE];
    dev.strata.util.Coding.putInt(header, 0, WalFormat.MAX_PAYLOAD);
    header[4] = WalFormat.TYPE_FULL;
    dev.strata.util.Coding.putInt(header, 9, dev.strata.util.Crc32c.compute(header, 0, 9));
    byte[] withHeader = Arrays.copyOf(full, full.length + header.length);
    System.arraycopy(header, 0, withHeader, full.length, header.length);
    Files.write(p, withHeader);
    assertThat(readAll(p)).containsExactly(payload(20, 1));
  }
}
