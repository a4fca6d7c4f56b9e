package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.fs.WritableFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BufferedTableFileTest {
  /** Records what reaches it, append by append; fails appends once {@code failAppends} is set. */
  private static final class Recorder implements WritableFile {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<Integer> appends = new ArrayList<>();
    final List<String> calls = new ArrayList<>();
    boolean failAppends;
    boolean closed;

    @Override
    public void append(byte[] data, int offset, int length) throws IOException {
      if (failAppends) {
        throw new IOException("No space left on device");
      }
      bytes.write(data, offset, length);
      appends.add(length);
      calls.add("append");
    }

    @Override
    public void sync() {
      calls.add("sync");
    }

    @Override
    public long size() {
      return bytes.size();
    }

    @Override
    public void close() {
      closed = true;
      calls.add("close");
    }
  }

  @Test
  void appendsOfEverySize_reachTheFileInOrder_inFewerWrites() throws IOException {
    Recorder inner = new Recorder();
    BufferedTableFile file = new BufferedTableFile(inner, 1000);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    Random rnd = new Random(3);
    int appends = 0;
    for (int i = 0; i < 2000; i++) {
      // Mostly small pieces, now and then one the buffer cannot hold, an exact fit, or nothing.
      int length = switch (rnd.nextInt(20)) {
        case 0 -> 1000 + rnd.nextInt(3000);
        case 1 -> 1000;
        case 2 -> 0;
        default -> 1 + rnd.nextInt(300);
      };
      byte[] data = new byte[length + 10];
      rnd.nextBytes(data);
      file.append(data, 5, length);
      expected.write(data, 5, length);
      appends++;
      assertThat(file.size()).isEqualTo(expected.size());
    }
    file.sync();
    assertThat(inner.bytes.toByteArray()).isEqualTo(expected.toByteArray());
    assertThat(inner.calls.get(inner.calls.size() - 1)).isEqualTo("sync");
    // A piece too large for the room left costs a write of the buffer and one of its own.
    assertThat(inner.appends.size()).isLessThan(appends / 3);
    file.close();
    assertThat(inner.closed).isTrue();

    Recorder blocks = new Recorder();
    try (BufferedTableFile table = new BufferedTableFile(blocks, 1000)) {
      for (int i = 0; i < 1000; i++) {
        table.append(new byte[100], 0, 100);
      }
    }
    assertThat(blocks.appends).hasSize(100).containsOnly(1000);
  }

  @Test
  void bytesReachTheFileWhenTheBufferFills_atSync_andAtClose() throws IOException {
    Recorder inner = new Recorder();
    BufferedTableFile file = new BufferedTableFile(inner, 100);
    file.append(new byte[60], 0, 60);
    assertThat(inner.bytes.size()).as("held until the buffer fills").isZero();
    file.append(new byte[60], 0, 60);
    assertThat(inner.bytes.size()).as("the first 60 written to make room").isEqualTo(60);
    file.sync();
    assertThat(inner.calls).containsExactly("append", "append", "sync");
    file.append(new byte[7], 0, 7);
    file.close();
    assertThat(inner.bytes.size()).isEqualTo(127);
    assertThat(inner.calls).endsWith("append", "close");
  }

  @Test
  void aWriteThatFails_isReported_andCloseStillClosesTheFile() throws IOException {
    Recorder inner = new Recorder();
    BufferedTableFile file = new BufferedTableFile(inner, 100);
    file.append(new byte[50], 0, 50);
    inner.failAppends = true;
    assertThatThrownBy(file::sync).isInstanceOf(IOException.class).hasMessageContaining("No space");
    assertThat(inner.calls).doesNotContain("sync");
    file.append(new byte[50], 0, 50);
    assertThatThrownBy(file::close).isInstanceOf(IOException.class);
    assertThat(inner.closed).isTrue();
  }
}
