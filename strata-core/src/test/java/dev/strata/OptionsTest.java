package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void defaults_matchDocumentedValues() {
    Options o = Options.defaults();
    assertThat(o.memtable()).isEqualTo(MemtableKind.SHARDED);
    assertThat(o.memtableShards()).isEqualTo(16);
    assertThat(o.memtableSizeBytes()).isEqualTo(64L << 20);
    assertThat(o.backgroundCompaction()).isTrue();
    assertThat(o.reuseLogs()).isFalse();
    assertThat(o.compression()).isEqualTo(Compression.LZ4);
    assertThat(o.bloomBitsPerKey()).isEqualTo(10);
    assertThat(o.blockSizeBytes()).isEqualTo(4096);
    assertThat(o.level0CompactionTrigger()).isEqualTo(4);
    assertThat(o.level0SlowdownTrigger()).isEqualTo(20);
    assertThat(o.level0StopTrigger()).isEqualTo(36);
    assertThat(o.writeStallTimeout()).as("a stalled write waits unless asked not to").isNull();
    assertThat(o.maxTotalWalBytes()).as("derived from the families' memtables").isZero();
  }

  @Test
  void builder_rejectsInvalidValues() {
    assertThatThrownBy(() -> Options.builder().memtableShards(3)).hasMessageContaining("power of two");
    assertThatThrownBy(() -> Options.builder().memtableShards(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Options.builder().memtableSizeBytes(10)).hasMessageContaining("memtableSizeBytes");
    assertThatThrownBy(() -> Options.builder().maxImmutableMemtables(0)).hasMessageContaining("maxImmutableMemtables");
    assertThatThrownBy(() -> Options.builder().maxTotalWalBytes(-1)).hasMessageContaining("maxTotalWalBytes");
    assertThatThrownBy(() -> Options.builder().blockSizeBytes(1)).hasMessageContaining("blockSizeBytes");
    assertThatThrownBy(() -> Options.builder().bloomBitsPerKey(-1)).hasMessageContaining("bloomBitsPerKey");
    assertThatThrownBy(() -> Options.builder().blockCacheBytes(-1)).hasMessageContaining("blockCacheBytes");
    assertThatThrownBy(() -> Options.builder().maxOpenFiles(1)).hasMessageContaining("maxOpenFiles");
    assertThatThrownBy(() -> Options.builder().levelSizeMultiplier(1)).hasMessageContaining("levelSizeMultiplier");
    assertThatThrownBy(() -> Options.builder().writeStallTimeout(Duration.ZERO)).hasMessageContaining("writeStallTimeout");
    assertThatThrownBy(() -> Options.builder().compression(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Options.builder().level0SlowdownTrigger(2).build())
        .hasMessageContaining("level-0 triggers");
  }

  @Test
  void toBuilder_copiesEverySetting() {
    Options o =
        Options.builder()
            .memtableShards(4)
            .memtable(MemtableKind.SKIPLIST)
            .compression(Compression.NONE)
            .backgroundCompaction(false)
            .maxTotalWalBytes(1L << 30)
            .reuseLogs(true)
            .build();
    Options copy = o.toBuilder().build();
    assertThat(copy.toString()).isEqualTo(o.toString()).contains("maxTotalWalBytes=1073741824");
    assertThat(copy.maxTotalWalBytes()).isEqualTo(1L << 30);
    assertThat(copy.reuseLogs()).isTrue();
    assertThat(Options.defaults().toString()).contains("maxTotalWalBytes=derived");
  }

  /** The LOG's "opening with" line names the plug-ins, which change how data is read and kept. */
  @Test
  void toString_namesThePlugIns_andTheCopyKeepsThem() {
    Options o =
        Options.builder()
            .mergeOperator(MergeOperators.uint64Add())
            .prefixExtractor(PrefixExtractor.fixedLength(4))
            .compactionFilter((level, key, value) -> CompactionFilter.Decision.KEEP)
            .build();
    assertThat(o.toString())
        .contains("mergeOperator=uint64add")
        .contains("prefixExtractor=" + PrefixExtractor.fixedLength(4).name())
        .contains("compactionFilter=" + o.compactionFilter().name());
    assertThat(o.toBuilder().build().toString()).isEqualTo(o.toString());
    assertThat(Options.defaults().toString()).doesNotContain("mergeOperator");
  }

  @Test
  void toBuilder_copiesTheObservabilitySettings() {
    EventListener a = new EventListener() {};
    EventListener b = new EventListener() {};
    Options o =
        Options.builder()
            .name("orders")
            .statisticsLevel(StatisticsLevel.TICKERS_ONLY)
            .listener(a)
            .listener(b)
            .statsDumpPeriod(java.time.Duration.ZERO)
            .backgroundIoBytesPerSecond(1 << 20)
            .jmx(false)
            .slowGetThreshold(java.time.Duration.ofMillis(3))
            .build();
    Options copy = o.toBuilder().build();
    assertThat(copy.name()).isEqualTo("orders");
    assertThat(copy.statisticsLevel()).isEqualTo(StatisticsLevel.TICKERS_ONLY);
    assertThat(copy.listeners()).containsExactly(a, b);
    assertThat(copy.statsDumpPeriod()).isZero();
    assertThat(copy.backgroundIoBytesPerSecond()).isEqualTo(1 << 20);
    assertThat(copy.jmx()).isFalse();
    assertThat(copy.slowGetThreshold()).isEqualTo(java.time.Duration.ofMillis(3));
    assertThat(Options.defaults().listeners()).isEmpty();
    assertThat(Options.defaults().statisticsLevel()).isEqualTo(StatisticsLevel.ALL);
    assertThat(Options.defaults().statsDumpPeriod()).isEqualTo(java.time.Duration.ofMinutes(10));
  }

  @Test
  void observabilitySettings_refuseBadValues() {
    assertThatThrownBy(() -> Options.builder().name(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Options.builder().backgroundIoBytesPerSecond(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Options.builder().statsDumpPeriod(java.time.Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Options.builder().listener(null))
        .isInstanceOf(NullPointerException.class);
  }
}
