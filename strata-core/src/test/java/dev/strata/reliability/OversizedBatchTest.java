package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.wal.WalFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A batch too large to log is refused at the API, before anything is written, and the database
 * stays writable.
 *
 * <p>Failed on 161ccc5: {@code write} accepted a batch of 17 values of 64 MiB (1.06 GiB), the WAL
 * writer refused it ("commit group of 1140850843 bytes and 17 operations exceeds one record"), and
 * that refusal became the sticky background error: the next {@code put} failed with "database
 * refuses writes after an earlier failure".
 */
class OversizedBatchTest {
  private static final Path DIR = Path.of("/db");

  @Test
  void writeBatch_growingPastTheLimit_isRefusedAndUnchanged() {
    byte[] big = new byte[StrataDB.MAX_VALUE_BYTES];
    WriteBatch batch = new WriteBatch();
    int accepted = 0;
    IllegalArgumentException refusal = null;
    while (refusal == null) {
      try {
        batch.put(("k" + accepted).getBytes(StandardCharsets.UTF_8), big);
        accepted++;
      } catch (IllegalArgumentException e) {
        refusal = e;
      }
    }

    assertThat(refusal).hasMessageContaining("MAX_BATCH_BYTES");
    assertThat(accepted).isEqualTo(15);
    assertThat(batch.count()).isEqualTo(accepted);
    assertThat(batch.approximateBytes()).isLessThanOrEqualTo(StrataDB.MAX_BATCH_BYTES);
    // What still fits may still be added.
    batch.delete(new byte[StrataDB.MAX_KEY_BYTES]);
    assertThat(batch.count()).isEqualTo(accepted + 1);
  }

  @Test
  void write_afterARefusedBatch_databaseStaysWritable() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, Options.builder().fileSystem(fs).build())) {
      WriteBatch batch = new WriteBatch();
      byte[] big = new byte[StrataDB.MAX_VALUE_BYTES];
      assertThatThrownBy(
              () -> {
                for (int i = 0; i < 17; i++) {
                  batch.put(("k" + i).getBytes(StandardCharsets.UTF_8), big);
                }
              })
          .isInstanceOf(IllegalArgumentException.class);
      batch.clear();

      db.put(bytes("after"), bytes("ok"));
      db.write(new WriteBatch().put(bytes("b1"), bytes("1")).delete(bytes("after")));

      assertThat(db.get(bytes("after"))).isNull();
      assertThat(db.get(bytes("b1"))).isEqualTo(bytes("1"));
      assertThat(db.get(bytes("k0"))).isNull();
    }
  }

  @Test
  void maxBatchBytes_withItsHeader_fitsOneWalRecord() {
    assertThat((long) StrataDB.MAX_BATCH_BYTES + WalFormat.BATCH_HEADER_SIZE)
        .isLessThanOrEqualTo(WalFormat.MAX_PAYLOAD);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
