package dev.strata.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import dev.strata.key.ValueKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteBatchCodecTest {
  private static byte[] encode(long seq, byte[][] keys, byte[][] values) {
    int size = WalFormat.BATCH_HEADER_SIZE;
    for (int i = 0; i < keys.length; i++) {
      size += WriteBatchCodec.opSize(keys[i], values[i]);
    }
    byte[] out = new byte[size];
    WriteBatchCodec.putHeader(out, 0, seq, keys.length);
    int pos = WalFormat.BATCH_HEADER_SIZE;
    for (int i = 0; i < keys.length; i++) {
      pos = WriteBatchCodec.putOp(out, pos, keys[i], values[i]);
    }
    return out;
  }

  @Test
  void decode_returnsOpsWithConsecutiveSequences() {
    byte[] p = encode(41, new byte[][] {{1}, {2, 2}, {}}, new byte[][] {{9}, null, new byte[300]});
    List<String> ops = new ArrayList<>();
    WriteBatchCodec.decode(
        p, "x.log", 0, (seq, kind, key, value) -> ops.add(seq + ":" + kind + ":" + key.length + ":" + (value == null ? -1 : value.length)));
    assertThat(ops).containsExactly("41:VALUE:1:1", "42:DELETE:2:-1", "43:VALUE:0:300");
  }

  @Test
  void decode_everyTruncation_raisesCorruption() {
    byte[] p = encode(1, new byte[][] {{1, 2, 3}, {4}}, new byte[][] {{5, 6}, null});
    for (int len = 0; len < p.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(p, len);
      assertThatThrownBy(() -> WriteBatchCodec.decode(cut, "x.log", 7, (s, k, key, v) -> {}))
          .as("length %d", len)
          .isInstanceOf(CorruptionException.class)
          .hasMessageContaining("x.log")
          .hasMessageContaining("offset 7");
    }
  }

  @Test
  void decode_unknownKind_raisesCorruption() {
    byte[] p = encode(1, new byte[][] {{1}}, new byte[][] {{5}});
    p[WalFormat.BATCH_HEADER_SIZE] = 9;
    assertThatThrownBy(() -> WriteBatchCodec.decode(p, "x.log", 0, (s, k, key, v) -> {}))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("kind");
    assertThat(ValueKind.fromCode(9)).isNull();
  }
}
