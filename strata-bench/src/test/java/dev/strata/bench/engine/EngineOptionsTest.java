package dev.strata.bench.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineOptionsTest {
  private final Engines engines = Engines.installed();

  @Test
  void installed_listsEveryAdapterOfTheServiceFile() {
    assertThat(engines.names()).containsExactly(
        "strata", "rocksdb", "leveldb", "skiplist-map", "lmdb", "h2-mvstore");
  }

  @Test
  void forEngine_prefixedKey_reachesOnlyThatEngineAndWins() {
    EngineOptions o = new EngineOptions(
        Map.of("cache-mb", "8", "rocksdb.cache-mb", "16", "strata.shards", "4"));

    assertThat(o.forEngine(engines.create("rocksdb")))
        .containsOnly(Map.entry("cache-mb", "16"));
    assertThat(o.forEngine(engines.create("strata")))
        .containsOnly(Map.entry("cache-mb", "8"), Map.entry("shards", "4"));
  }

  @Test
  void validate_keyOfAnotherSelectedEngine_isAccepted() {
    new EngineOptions(Map.of("shards", "4")).validate(List.of("strata", "rocksdb"), engines);
  }

  @Test
  void validate_unknownPrefixedKey_listsAcceptedKeys() {
    assertThatThrownBy(() -> new EngineOptions(Map.of("rocksdb.shards", "4"))
        .validate(List.of("rocksdb"), engines))
        .hasMessageContaining("engine rocksdb has no option 'shards'")
        .hasMessageContaining("dynamic-level-bytes");
  }

  @Test
  void settings_commonKeys_overrideDefaults() {
    EngineSettings s = EngineSettings.defaults()
        .with(Map.of("memtable-mb", "4", "bloom-bits", "0", "compression", "NONE"));

    assertThat(s.memtableBytes()).isEqualTo(4L << 20);
    assertThat(s.bloomBitsPerKey()).isZero();
    assertThat(s.compression()).isEqualTo("none");
    assertThat(s.blockCacheBytes()).isEqualTo(64L << 20);
    assertThat(s.backgroundThreads()).isEqualTo(2);
  }

  @Test
  void settings_badValue_namesTheKey() {
    assertThatThrownBy(() -> EngineSettings.defaults().with(Map.of("cache-mb", "big")))
        .hasMessageContaining("cache-mb must be an integer");
    assertThatThrownBy(() -> EngineSettings.defaults().with(Map.of("compression", "brotli")))
        .hasMessageContaining("compression must be one of");
  }

  @Test
  void booleanValue_trueOrFalseOnly_anythingElseNamesTheKey() {
    assertThat(EngineOptions.booleanValue("mmap", " TRUE ")).isTrue();
    assertThat(EngineOptions.booleanValue("mmap", "false")).isFalse();
    for (String bad : new String[] {"yes", "on", "1", "", "fals"}) {
      assertThatThrownBy(() -> EngineOptions.booleanValue("reuse-logs", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("reuse-logs")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void strataAdapter_refusesABooleanOptionNotTrueOrFalse_beforeCreatingTheDatabase(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    java.nio.file.Path dir = tmp.resolve("db");
    StrataAdapter adapter = new StrataAdapter();
    assertThatThrownBy(
            () -> adapter.open(dir, EngineSettings.defaults(), Map.of("reuse-logs", "yes")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reuse-logs");
    assertThat(dir).doesNotExist();
  }
}
