package dev.strata.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The closed-log record (tag 11): its encoding, its text, and malformed forms. */
class VersionEditTest {
  @Test
  void closedLog_roundTrips_andPrints() {
    VersionEdit e = new VersionEdit().setClosedLog(7, 1_234_567).setLastSequence(99);
    VersionEdit back = VersionEdit.decode(e.encode(), "MANIFEST-000001", 0);
    assertThat(back.closedLogNumber()).isEqualTo(7);
    assertThat(back.closedLogLength()).isEqualTo(1_234_567);
    assertThat(back.lastSequence()).isEqualTo(99);
    assertThat(back.toString()).contains("closedLog=7@1234567");
  }

  @Test
  void editWithoutIt_decodesAsNone() {
    VersionEdit back =
        VersionEdit.decode(new VersionEdit().setLogNumber(3).encode(), "MANIFEST-000001", 0);
    assertThat(back.closedLogNumber()).isEqualTo(-1);
    assertThat(back.closedLogLength()).isEqualTo(-1);
    assertThat(back.toString()).doesNotContain("closedLog");
  }

  @Test
  void closedLogNumberZero_orCutShort_isCorruptionNamingFileAndOffset() {
    byte[] zero = {VersionEdit.TAG_CLOSED_LOG, 0, 5};
    assertThatThrownBy(() -> VersionEdit.decode(zero, "MANIFEST-000009", 4096))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("MANIFEST-000009")
        .hasMessageContaining("4096");
    ByteArrayOutputStream cut = new ByteArrayOutputStream();
    cut.write(VersionEdit.TAG_CLOSED_LOG);
    cut.write(7);
    assertThatThrownBy(() -> VersionEdit.decode(cut.toByteArray(), "MANIFEST-000009", 0))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("MANIFEST-000009");
  }
}
