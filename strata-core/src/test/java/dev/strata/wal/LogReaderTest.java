package dev.strata.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
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
  void groupRecords_roundTripWithOneWrite() throws IOException {
    Path p = dir.resolve("000002.log");
    try (LogWriter w = new LogWriter(fs.create(p), "000002.log")) {
      w.addRecords(new byte[][] {payload(5, 1), payload(7, 2), payload(9, 3)}, 3);
    }
    assertThat(readAll(p)).containsExactly(payload(5, 1), payload(7, 2), payload(9, 3));
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
