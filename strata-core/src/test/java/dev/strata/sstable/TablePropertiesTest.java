package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TablePropertiesTest {
  private static TableProperties sample() {
    return new TableProperties(
        10,
        2,
        InternalKey.encode("a".getBytes(UTF_8), Trailer.pack(9, ValueKind.VALUE)),
        InternalKey.encode("z".getBytes(UTF_8), Trailer.pack(3, ValueKind.DELETE)),
        1,
        9,
        123456789L,
        -1,
        3,
        100,
        200,
        Compression.ZSTD,
        10);
  }

  @Test
  void encodeDecode_roundTrips() {
    byte[] block = sample().encode();
    TableProperties p = TableProperties.decode(block, block.length, "p.sst", 0, 4242);
    assertThat(p.toString()).isEqualTo(sample().withFileSize(4242).toString());
    assertThat(p.smallestUserKey()).isEqualTo("a".getBytes(UTF_8));
    assertThat(p.largestUserKey()).isEqualTo("z".getBytes(UTF_8));
    assertThat(p.rawKeyBytes()).isEqualTo(100);
    assertThat(p.rawValueBytes()).isEqualTo(200);
    assertThat(p.compression()).isEqualTo(Compression.ZSTD);
  }

  @Test
  void decode_unknownTag_isSkipped() {
    byte[] known = sample().encode();
    byte[] block = Arrays.copyOf(known, known.length + 5);
    block[known.length] = 99; // tag
    block[known.length + 1] = 3; // length
    TableProperties p = TableProperties.decode(block, block.length, "p.sst", 0, 1);
    assertThat(p.entryCount()).isEqualTo(10);
  }

  @Test
  void decode_missingOrRepeatedProperty_throwsCorruption() {
    byte[] known = sample().encode();
    byte[] truncated = Arrays.copyOf(known, known.length - 3);
    assertThatThrownBy(() -> TableProperties.decode(truncated, truncated.length, "p.sst", 7, 1))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("offset 7");
    byte[] twice = Arrays.copyOf(known, known.length * 2);
    System.arraycopy(known, 0, twice, known.length, known.length);
    assertThatThrownBy(() -> TableProperties.decode(twice, twice.length, "p.sst", 7, 1))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("repeated");
  }

  @Test
  void smallestKey_returnsCopy() {
    TableProperties p = sample();
    p.smallestKey()[0] = 'q';
    assertThat(p.smallestUserKey()).isEqualTo("a".getBytes(UTF_8));
  }
}
