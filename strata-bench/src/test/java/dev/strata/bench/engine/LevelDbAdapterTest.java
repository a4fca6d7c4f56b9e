package dev.strata.bench.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LevelDbAdapterTest {
  @TempDir Path dir;

  @Test
  void isVanishedTable_onlyForAMissingTableFile() {
    assertThat(LevelDbAdapter.isVanishedTable(new RuntimeException(
        "Could not open table 11", new FileNotFoundException("/db/000011.sst"))))
        .isTrue();
    assertThat(LevelDbAdapter.isVanishedTable(new RuntimeException(
        "Could not open table 11", new java.io.IOException("checksum mismatch"))))
        .isFalse();
    assertThat(LevelDbAdapter.isVanishedTable(new RuntimeException("Could not open table 11")))
        .isFalse();
    assertThat(LevelDbAdapter.isVanishedTable(new RuntimeException(
        "something else", new FileNotFoundException("x"))))
        .isFalse();
    assertThat(LevelDbAdapter.isVanishedTable(new IllegalStateException((String) null)))
        .isFalse();
  }

  @Test
  void get_readsWhatWasPut_andStatsCountNoRetriesWithoutTheRace() throws Exception {
    LevelDbAdapter db = new LevelDbAdapter();
    db.open(dir, EngineSettings.defaults(), Map.of());
    try {
      byte[] key = "key".getBytes(StandardCharsets.UTF_8);
      db.put(key, "value".getBytes(StandardCharsets.UTF_8));
      assertThat(db.get(key)).asString(StandardCharsets.UTF_8).isEqualTo("value");
      assertThat(db.get("missing".getBytes(StandardCharsets.UTF_8))).isNull();
      assertThat(db.statsText()).hasValue("lookups retried after iq80's vanished-table race: 0");
      assertThat(db.configuration()).containsKey("get");
    } finally {
      db.close();
    }
  }
}
