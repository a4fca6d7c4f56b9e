package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.engine.EngineOptions;
import dev.strata.bench.keys.ValueKind;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RunHeaderTest {
  private static final OptionalLong MEMORY = OptionalLong.of(24L << 30);
  private static final Path DROP = Path.of("/tmp/drop_caches");
  private static final Optional<String> EXT4 = Optional.of("ext4");

  private static BenchConfig larger(DropCaches mode) {
    return new BenchConfig(
        List.of("strata", "rocksdb"), List.of(Workload.FILLRANDOM, Workload.READRANDOM),
        10_000_000, List.of(2), 16, List.of(1024), ValueKind.HALF, null,
        new EngineOptions(Map.of("cache-mb", "64")), 301, 1, Warmup.NONE, mode, true, null, null,
        true, false, null, DROP);
  }

  @Test
  void lines_showEffectiveSettings() {
    BenchConfig c = BenchConfig.defaults().withValues(List.of(100, 1024, 4096), ValueKind.YCSB);

    List<String> lines = RunHeader.lines(c, Optional.empty(), MEMORY, EXT4);

    assertThat(lines.get(0)).contains("engines strata,rocksdb,leveldb", "num 1000000",
        "threads [2]", "values 100,1024,4096 B (ycsb: printable random bytes", "warm-up 10.0s",
        "one JVM per engine");
  }

  @Test
  void lines_dataSetAgainstBlockCacheAndMemory() {
    List<String> lines = RunHeader.lines(larger(DropCaches.OFF), Optional.empty(), MEMORY, EXT4);

    assertThat(lines).contains("engine options cache-mb=64");
    assertThat(lines).anySatisfy(l -> assertThat(l).isEqualTo(
        "data set, keys and values before compression: 10,000,000 x 1,040 B = 9.7 GiB (155.0x "
            + "the block cache); block cache 64.0 MiB; memory 24.0 GiB"));
  }

  @Test
  void lines_warmDataSetThatFitsInMemory_suggestsDroppingTheCache() {
    assertThat(RunHeader.lines(larger(DropCaches.OFF), Optional.empty(), MEMORY, EXT4))
        .last().asString().startsWith("page cache: left as the work before left it (warm); it "
            + "can hold the whole data set").endsWith("--drop-caches measures them too");
    assertThat(RunHeader.lines(
            larger(DropCaches.OFF), Optional.empty(), OptionalLong.of(1L << 30), EXT4))
        .last().isEqualTo("page cache: left as the work before left it (warm)");
  }

  @Test
  void lines_dropWorks_saysHowAndWhen() {
    List<String> on = RunHeader.lines(
        larger(DropCaches.ON), Optional.of(PageCache.Drop.dropped()), MEMORY, EXT4);
    List<String> both = RunHeader.lines(
        larger(DropCaches.BOTH), Optional.of(PageCache.Drop.dropped()), MEMORY, EXT4);

    assertThat(on).last().isEqualTo("page cache: dropped before each timed run of a workload "
        + "that reads (the engine closed, its files fsynced, 3 written to /tmp/drop_caches, the "
        + "engine reopened)");
    assertThat(both).last().asString()
        .startsWith("page cache: each workload that reads runs twice: warm, then with the page "
            + "cache dropped");
  }

  @Test
  void lines_dropFails_saysNotDroppedAndWhy() {
    List<String> lines = RunHeader.lines(larger(DropCaches.ON),
        Optional.of(PageCache.Drop.failed("no permission to write /proc/sys/vm/drop_caches "
            + "(it needs root)")), MEMORY, EXT4);

    assertThat(lines).last().isEqualTo("page cache NOT dropped: no permission to write "
        + "/proc/sys/vm/drop_caches (it needs root). The runs go on; their rows say 'not dropped' "
        + "and measured a warm page cache (dropped before each timed run of a workload that "
        + "reads)");
  }

  @Test
  void lines_dropsOnTmpfs_sayTheyCannotReachADisk() {
    List<String> lines = RunHeader.lines(larger(DropCaches.BOTH),
        Optional.of(PageCache.Drop.dropped()), MEMORY, Optional.of("tmpfs"));

    assertThat(lines).last().isEqualTo("the databases are on tmpfs, which lives in memory: no "
        + "drop sends their reads to a disk; give --db a directory on a disk");
    assertThat(RunHeader.lines(larger(DropCaches.OFF), Optional.empty(), MEMORY,
        Optional.of("tmpfs"))).noneMatch(l -> l.contains("tmpfs"));
  }
}
