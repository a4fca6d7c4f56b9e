package dev.strata.bench.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmdbAdapterTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private LmdbAdapter open(Map<String, String> options) throws Exception {
    LmdbAdapter db = new LmdbAdapter();
    db.open(dir, EngineSettings.defaults(), options);
    return db;
  }

  @Test
  void mapSize_fromTheDataset_isFourTimesItWithAGibibyteFloor() {
    EngineSettings s = EngineSettings.defaults();

    assertThat(LmdbAdapter.mapSize(s, Map.of())).isEqualTo(1L << 30);
    assertThat(LmdbAdapter.mapSize(s.withDatasetBytes(116_000_000L), Map.of()))
        .isEqualTo(1L << 30);
    assertThat(LmdbAdapter.mapSize(s.withDatasetBytes(1_160_000_000L), Map.of()))
        .isEqualTo(4_640_000_000L + (1 << 20) - 4_640_000_000L % (1 << 20));
  }

  @Test
  void mapSize_engineOption_winsAndIsChecked() {
    EngineSettings s = EngineSettings.defaults().withDatasetBytes(10L << 30);

    assertThat(LmdbAdapter.mapSize(s, Map.of("map-size-mb", "2048"))).isEqualTo(2L << 30);
    assertThatThrownBy(() -> LmdbAdapter.mapSize(s, Map.of("map-size-mb", "0")))
        .hasMessageContaining("map-size-mb must be >= 1");
  }

  @Test
  void put_pastAFullMap_failsNamingTheOption_andTheEnvironmentStaysUsable() throws Exception {
    try (LmdbAdapter db = open(Map.of("map-size-mb", "1"))) {
      byte[] value = new byte[64 << 10];
      assertThatThrownBy(() -> {
        for (int i = 0; i < 64; i++) {
          db.put(bytes("key" + i), value);
        }
      }).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("LMDB map full at 1 MiB")
          .hasMessageContaining("lmdb.map-size-mb");
      assertThat(db.get(bytes("key0"))).isEqualTo(value);
    }
  }

  @Test
  void configuration_byDefault_saysNoSyncAndWhatDoesNotApply() throws Exception {
    try (LmdbAdapter db = open(Map.of())) {
      assertThat(db.configuration())
          .containsEntry("map_size", "1024 MiB (fixed at open; the file grows as pages are used)")
          .containsKeys("version", "writes", "reads");
      assertThat(db.configuration().get("sync")).startsWith("MDB_NOSYNC");
      assertThat(db.configuration().get("memtable")).startsWith("n/a");
      assertThat(db.configuration().get("bloom")).startsWith("n/a");
      assertThat(db.configuration().get("block_cache")).startsWith("n/a");
      assertThat(db.configuration().get("compression")).startsWith("none");
    }
  }

  @Test
  void syncOption_fullOrNometasync_opens_andAnythingElseIsRejected() throws Exception {
    try (LmdbAdapter db = open(Map.of("sync", "full"))) {
      db.put(bytes("k"), bytes("v"));
      assertThat(db.configuration().get("sync")).startsWith("full");
    }
    try (LmdbAdapter db = open(Map.of("sync", "nometasync"))) {
      assertThat(db.get(bytes("k"))).asString(UTF_8).isEqualTo("v");
      assertThat(db.configuration().get("sync")).startsWith("MDB_NOMETASYNC");
    }
    assertThatThrownBy(() -> open(Map.of("sync", "always")))
        .hasMessageContaining("sync must be one of nosync, nometasync, full");
  }

  @Test
  void put_keyLongerThanLmdbAllows_failsNamingTheLimit() throws Exception {
    try (LmdbAdapter db = open(Map.of())) {
      assertThatThrownBy(() -> db.put(new byte[512], bytes("v")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("LMDB keys are 1 to 511 bytes, got 512");
    }
  }

  @Test
  void arrays_ofTheCaller_areNeverSharedWithTheMap() throws Exception {
    try (LmdbAdapter db = open(Map.of())) {
      byte[] key = bytes("key");
      byte[] value = bytes("value");
      db.put(key, value);
      value[0] = 'X';
      key[0] = 'X';
      byte[] read = db.get(bytes("key"));
      read[1] = 'X';

      assertThat(db.get(bytes("key"))).asString(UTF_8).isEqualTo("value");
      try (EngineCursor c = db.newCursor()) {
        c.seekToFirst();
        c.key()[0] = 'X';
        assertThat(c.key()).asString(UTF_8).isEqualTo("key");
      }
    }
  }

  @Test
  void get_manyInOneThread_reusesOneReadTransaction_aCursorTakesAnother() throws Exception {
    try (LmdbAdapter db = open(Map.of())) {
      db.put(bytes("k"), bytes("v"));
      for (int i = 0; i < 100; i++) {
        assertThat(db.get(bytes("k"))).isNotNull();
      }
      assertThat(db.readTransactionsForTesting()).isEqualTo(1);
      try (EngineCursor c = db.newCursor()) {
        c.seekToFirst();
        assertThat(db.get(bytes("k"))).isNotNull();
        assertThat(db.readTransactionsForTesting()).isEqualTo(2);
      }
      assertThat(db.get(bytes("k"))).isNotNull();
      assertThat(db.readTransactionsForTesting()).isEqualTo(2);
    }
  }

  @Test
  void cursor_keepsItsSnapshot_whileWritesGoOn() throws Exception {
    try (LmdbAdapter db = open(Map.of())) {
      db.put(bytes("a"), bytes("1"));
      db.put(bytes("c"), bytes("3"));
      try (EngineCursor c = db.newCursor()) {
        c.seekToFirst();
        db.put(bytes("b"), bytes("2"));
        db.delete(bytes("c"));
        c.next();
        assertThat(c.key()).asString(UTF_8).isEqualTo("c");
      }
      assertThat(db.get(bytes("b"))).asString(UTF_8).isEqualTo("2");
      assertThat(db.get(bytes("c"))).isNull();
    }
  }

  @Test
  void statsText_reportsEntriesAndPages() throws Exception {
    try (LmdbAdapter db = open(Map.of())) {
      db.put(bytes("k"), bytes("v"));
      assertThat(db.statsText()).hasValueSatisfying(s -> assertThat(s)
          .contains("entries 1;").contains("leaf").contains("readers"));
    }
  }
}
