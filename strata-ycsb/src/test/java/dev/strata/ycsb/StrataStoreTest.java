package dev.strata.ycsb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrataStoreTest {
  @TempDir Path dir;

  @Test
  void open_backgroundCompactionFalse_opensWithoutIt() {
    try (StrataStore store =
        StrataStore.open(dir, OptionList.parse("background-compaction=false,mmap=true",
            StrataStore.OPTION_KEYS))) {
      assertThat(store.describe())
          .contains("no background compaction")
          .contains("tables memory-mapped");
    }
  }

  @Test
  void open_defaults_describeNamesNeither() {
    try (StrataStore store = StrataStore.open(dir, OptionList.parse("", StrataStore.OPTION_KEYS))) {
      assertThat(store.describe())
          .doesNotContain("no background compaction")
          .doesNotContain("memory-mapped")
          .doesNotContain("kept at open");
    }
  }

  @Test
  void open_reuseLogs_trueKeepsTheReplayedWal_falseFlushesIt() throws Exception {
    // On at the close too: the close records the WAL it forced, which the next open keeps.
    try (StrataStore store =
        StrataStore.open(dir, OptionList.parse("reuse-logs=true", StrataStore.OPTION_KEYS))) {
      store.put("user1".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[100]);
    }
    try (StrataStore store =
        StrataStore.open(dir, OptionList.parse("reuse-logs=true", StrataStore.OPTION_KEYS))) {
      assertThat(store.describe()).contains("replayed WAL kept at open");
      assertThat(immutableMemtables(store)).as("the replayed write is in the active memtable")
          .isZero();
    }
    assertThat(tables()).as("the open kept the replayed write in memory").isZero();
    try (StrataStore store =
        StrataStore.open(dir, OptionList.parse("reuse-logs=false", StrataStore.OPTION_KEYS))) {
      assertThat(store.describe()).doesNotContain("kept at open");
      // The open hands the replayed memtable to the flush worker: it is waiting for its flush,
      // or in a table already (read in that order, a flush in between leaves it in both, never
      // in neither). Whether the flush ends before the close is the machine's timing.
      long immutable = immutableMemtables(store);
      assertThat(immutable + tables()).as("the open handed the replayed write to a flush")
          .isPositive();
    }
  }

  private static long immutableMemtables(StrataStore store) {
    return Long.parseLong(store.property("strata.num-immutable-memtables"));
  }

  private long tables() throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".sst")).count();
    }
  }

  @Test
  void open_booleanOptionNotTrueOrFalse_refusedBeforeOpening() {
    assertThatThrownBy(
            () -> StrataStore.open(dir, OptionList.parse("background-compaction=off",
                StrataStore.OPTION_KEYS)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("background-compaction");
    assertThat(dir.resolve("CURRENT")).doesNotExist();
  }
}
