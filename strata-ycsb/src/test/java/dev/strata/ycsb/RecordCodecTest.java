package dev.strata.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.StringByteIterator;

class RecordCodecTest {
  private static Map<String, ByteIterator> values(String... namesAndValues) {
    Map<String, ByteIterator> m = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      m.put(namesAndValues[i], new StringByteIterator(namesAndValues[i + 1]));
    }
    return m;
  }

  private static Map<String, String> decode(byte[] record, Set<String> fields) {
    Map<String, ByteIterator> result = new HashMap<>();
    RecordCodec.decode(record, fields, result);
    return StringByteIterator.getStringMap(result);
  }

  @Test
  void encode_workedExample_matchesTheDocumentedBytes() {
    byte[] record = RecordCodec.encode(values("field1", "", "field0", "ab"));

    byte[] expected = new byte[] {6, 'f', 'i', 'e', 'l', 'd', '0', 2, 'a', 'b',
        6, 'f', 'i', 'e', 'l', 'd', '1', 0};
    assertThat(record).isEqualTo(expected);
  }

  @Test
  void encode_anyInsertionOrder_sameBytes() {
    byte[] a = RecordCodec.encode(values("field2", "x", "field0", "y", "field1", "z"));
    byte[] b = RecordCodec.encode(values("field0", "y", "field1", "z", "field2", "x"));

    assertThat(a).isEqualTo(b);
  }

  @Test
  void roundTrip_tenFieldsOf100Bytes_decodesEveryField() {
    Random random = new Random(7);
    SortedMap<String, byte[]> fields = new TreeMap<>();
    for (int i = 0; i < 10; i++) {
      byte[] v = new byte[100];
      random.nextBytes(v);
      fields.put("field" + i, v);
    }

    SortedMap<String, byte[]> back = RecordCodec.decodeFields(RecordCodec.encodeFields(fields));

    assertThat(back.keySet()).isEqualTo(fields.keySet());
    for (String name : fields.keySet()) {
      assertThat(back.get(name)).isEqualTo(fields.get(name));
    }
  }

  @Test
  void roundTrip_emptyRecord_isZeroBytes() {
    byte[] record = RecordCodec.encode(Map.of());

    assertThat(record).isEmpty();
    assertThat(decode(record, null)).isEmpty();
  }

  @Test
  void roundTrip_emptyValueAndEmptyName_kept() {
    byte[] record = RecordCodec.encode(values("", "v", "empty", ""));

    assertThat(decode(record, null)).containsExactlyInAnyOrderEntriesOf(
        Map.of("", "v", "empty", ""));
  }

  /**
   * YCSB's own random values write in groups of 6 bytes, past the end of a field whose length is
   * not a multiple of 6: the record's next field, written after, must come out whole.
   */
  @Test
  void encode_ycsbRandomValuesOfOddLengths_everyFieldWholeAndOfItsLength() {
    int[] lengths = {1, 5, 7, 13, 100, 1000, 0, 6, 11, 4097};
    Map<String, ByteIterator> m = new HashMap<>();
    for (int i = 0; i < lengths.length; i++) {
      m.put("field" + i, new site.ycsb.RandomByteIterator(lengths[i]));
    }

    SortedMap<String, byte[]> back = RecordCodec.decodeFields(RecordCodec.encode(m));

    assertThat(back).hasSize(lengths.length);
    for (int i = 0; i < lengths.length; i++) {
      byte[] v = back.get("field" + i);
      assertThat(v).as("field%d", i).hasSize(lengths[i]);
      for (byte b : v) {
        // RandomByteIterator's alphabet: ' ' plus 0..31, or ' ' plus 0..63 for some positions.
        assertThat(b & 0xFF).as("field%d", i).isBetween(32, 32 + 95);
      }
    }
  }

  @Test
  void encode_iteratorShorterThanItsBytesLeft_refused() {
    ByteIterator lying =
        new ByteIterator() {
          private int left = 3;

          @Override
          public boolean hasNext() {
            return left > 0;
          }

          @Override
          public byte nextByte() {
            left--;
            return 'a';
          }

          @Override
          public long bytesLeft() {
            return left + 10;
          }
        };
    Map<String, ByteIterator> m = new HashMap<>();
    m.put("field0", lying);

    assertThatThrownBy(() -> RecordCodec.encode(m))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("field0");
  }

  @Test
  void roundTrip_largeFieldsAndMultiByteLengths_kept() {
    byte[] big = new byte[3 << 20];
    Arrays.fill(big, (byte) 0xAB);
    byte[] mid = new byte[200];
    Arrays.fill(mid, (byte) 1);
    Map<String, ByteIterator> m = new HashMap<>();
    m.put("big", new ByteArrayByteIterator(big));
    m.put("mid", new ByteArrayByteIterator(mid));
    m.put("n\u00e4me", new ByteArrayByteIterator("\u00fc".getBytes(UTF_8)));

    SortedMap<String, byte[]> back = RecordCodec.decodeFields(RecordCodec.encode(m));

    assertThat(back.get("big")).isEqualTo(big);
    assertThat(back.get("mid")).isEqualTo(mid);
    assertThat(new String(back.get("n\u00e4me"), UTF_8)).isEqualTo("\u00fc");
  }

  @Test
  void decode_fieldSubset_returnsOnlyThose() {
    byte[] record = RecordCodec.encode(values("field0", "a", "field1", "b", "field2", "c"));

    assertThat(decode(record, Set.of("field2", "field0", "absent")))
        .containsExactlyInAnyOrderEntriesOf(Map.of("field0", "a", "field2", "c"));
    assertThat(decode(record, Set.of())).isEmpty();
  }

  @Test
  void merge_newAndExistingFields_replacesOnlyTheGivenOnes() {
    byte[] record = RecordCodec.encode(values("field0", "a", "field1", "b", "field2", "c"));

    byte[] merged = RecordCodec.merge(record, values("field1", "B", "field9", "new"));

    assertThat(decode(merged, null)).containsExactlyInAnyOrderEntriesOf(
        Map.of("field0", "a", "field1", "B", "field2", "c", "field9", "new"));
  }

  @Test
  void decode_truncatedOrOverlongLength_refused() {
    byte[] record = RecordCodec.encode(values("field0", "abc"));

    assertThatThrownBy(() -> decode(Arrays.copyOf(record, record.length - 1), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past the end");
    assertThatThrownBy(() -> decode(new byte[] {(byte) 0x80}, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    assertThatThrownBy(() -> decode(new byte[] {-1, -1, -1, -1, -1, 1}, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than 5");
  }
}
