package dev.strata.bench.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KeyFormatTest {
  private final KeyFormat keys = new KeyFormat(16);

  @Test
  void key_isZeroPaddedDecimal() {
    assertThat(new String(keys.key(42), StandardCharsets.US_ASCII)).isEqualTo("0000000000000042");
    assertThat(keys.parse(keys.key(123_456_789L))).isEqualTo(123_456_789L);
  }

  @Test
  void key_byteOrder_matchesNumericOrder() {
    for (long n = 0; n < 2000; n += 7) {
      assertThat(Arrays.compareUnsigned(keys.key(n), keys.key(n + 1))).isNegative();
    }
  }

  @Test
  void missingKey_sortsJustAfterItsPresentKey() {
    byte[] missing = keys.missingKey(500);

    assertThat(new String(missing, StandardCharsets.US_ASCII)).isEqualTo("0000000000000500.");
    assertThat(Arrays.compareUnsigned(keys.key(500), missing)).isNegative();
    assertThat(Arrays.compareUnsigned(missing, keys.key(501))).isNegative();
  }

  @Test
  void key_tooLargeForWidth_isRejected() {
    KeyFormat narrow = new KeyFormat(3);

    assertThat(narrow.maxKey()).isEqualTo(999);
    assertThatThrownBy(() -> narrow.key(1000)).hasMessageContaining("does not fit in 3");
  }
}
