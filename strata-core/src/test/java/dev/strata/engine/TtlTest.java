package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CompactionFilter.Decision;
import dev.strata.CompactionFilters;
import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.Ticker;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CompactionFilters#ttl}: values carry their write time, reads return the user's value,
 * expired entries disappear at compaction (not before), across reopen, with a clock the test
 * moves by hand; explicit write times; the combinations that are refused.
 */
class TtlTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] v) {
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  private Options options(Duration ttl) {
    return Options.builder()
        .compactionFilter(CompactionFilters.ttl(ttl, clock))
        .compression(Compression.NONE)
        .targetFileSizeBytes(8 * 1024)
        .maxBytesForLevelBase(4 * 1024)
        .backgroundCompaction(false)
        .jmx(false)
        .build();
  }

  private static List<String> scan(StrataDB db, boolean forward) {
    List<String> out = new ArrayList<>();
    try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
      if (forward) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          out.add(s(it.key()) + "=" + s(it.value()));
        }
      } else {
        for (it.seekToLast(); it.isValid(); it.prev()) {
          out.add(s(it.key()) + "=" + s(it.value()));
        }
      }
    }
    return out;
  }

  @Test
  void expiredEntries_disappearAtCompaction_acrossReopen() {
    Duration hour = Duration.ofHours(1);
    try (StrataDB db = StrataDB.open(dir, options(hour))) {
      db.put(b("a"), b("alpha"));
      WriteBatch batch = new WriteBatch();
      batch.put(b("b"), b("beta"));
      batch.put(b("empty"), new byte[0]);
      db.write(batch);
      clock.advance(Duration.ofMinutes(30));
      db.put(b("c"), b("gamma"));
      db.flush();
      assertThat(s(db.get(b("a")))).isEqualTo("alpha");
      assertThat(db.get(b("empty"))).isEmpty();
    }
    clock.advance(Duration.ofMinutes(31)); // a, b, empty: 61 min old; c: 31 min
    try (StrataDB db = StrataDB.open(dir, options(hour))) {
      // Expired but not yet compacted: still returned, as RocksDB's TtlDB does.
      assertThat(s(db.get(b("a")))).isEqualTo("alpha");
      assertThat(db.multiGet(List.of(b("a"), b("b"), b("c"), b("x"))))
          .extracting(TtlTest::s)
          .containsExactly("alpha", "beta", "gamma", null);
      assertThat(scan(db, true)).containsExactly("a=alpha", "b=beta", "c=gamma", "empty=");
      assertThat(scan(db, false)).containsExactly("empty=", "c=gamma", "b=beta", "a=alpha");
      db.compactRange(null, null);
      assertThat(db.get(b("a"))).isNull();
      assertThat(db.get(b("b"))).isNull();
      assertThat(db.get(b("empty"))).isNull();
      assertThat(s(db.get(b("c")))).isEqualTo("gamma");
      assertThat(scan(db, true)).containsExactly("c=gamma");
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTION_FILTER_REMOVED)).isEqualTo(3);
    }
    // A longer time to live on the next open keeps what has not outlived it.
    clock.advance(Duration.ofHours(2)); // c: 2 h 31 min old
    try (StrataDB db = StrataDB.open(dir, options(Duration.ofHours(3)))) {
      db.compactRange(null, null);
      assertThat(s(db.get(b("c")))).isEqualTo("gamma");
    }
    try (StrataDB db = StrataDB.open(dir, options(hour))) {
      db.compactRange(null, null);
      assertThat(db.get(b("c"))).isNull();
    }
  }

  @Test
  void entryAtExactlyTheTtl_isKept_oneMillisecondLater_isRemoved() {
    try (StrataDB db = StrataDB.open(dir, options(Duration.ofSeconds(10)))) {
      db.put(b("k"), b("v"));
      clock.advance(Duration.ofSeconds(10));
      db.compactRange(null, null);
      assertThat(s(db.get(b("k")))).isEqualTo("v");
      clock.advance(Duration.ofMillis(1));
      db.compactRange(null, null);
      assertThat(db.get(b("k"))).isNull();
    }
  }

  @Test
  void explicitWriteTime_decidesExpiry() {
    Instant now = clock.instant();
    WriteOptions old = WriteOptions.builder().writeTime(now.minus(Duration.ofHours(2))).build();
    WriteOptions future = WriteOptions.builder().writeTime(now.plus(Duration.ofDays(1))).build();
    try (StrataDB db = StrataDB.open(dir, options(Duration.ofHours(1)))) {
      db.put(b("old"), b("1"), old);
      db.put(b("fresh"), b("2"));
      WriteBatch batch = new WriteBatch();
      batch.put(b("oldInBatch"), b("3"));
      db.write(batch, old);
      db.put(b("future"), b("4"), future);
      assertThat(s(db.get(b("old")))).isEqualTo("1");
      db.compactRange(null, null);
      assertThat(db.get(b("old"))).isNull();
      assertThat(db.get(b("oldInBatch"))).isNull();
      assertThat(s(db.get(b("fresh")))).isEqualTo("2");
      assertThat(s(db.get(b("future")))).isEqualTo("4");
      clock.advance(Duration.ofHours(2));
      db.compactRange(null, null);
      assertThat(db.get(b("fresh"))).isNull();
      assertThat(s(db.get(b("future")))).isEqualTo("4");
    }
  }

  @Test
  void newerVersion_expires_olderBelowStaysHidden() {
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options(Duration.ofHours(1)))) {
      for (int i = 0; i < 2000; i++) {
        db.put(b(String.format("f%05d", i)), b("filler-" + "z".repeat(90) + i));
      }
      db.put(b("k"), b("old"));
      db.compactRange(null, null);
      clock.advance(Duration.ofMinutes(90)); // the fillers and "old" expire: keep them below
      db.put(b("k"), b("new"), WriteOptions.builder().writeTime(clock.instant().minus(Duration.ofHours(2))).build());
      db.flush();
      db.compactLevelForTesting(0, null, null);
      assertThat(db.getProperty("strata.num-files-at-level6")).isNotEqualTo("0");
      assertThat(db.get(b("k"))).isNull();
    }
  }

  /** The worked example of {@code docs/format/ttl.md}, byte for byte. */
  @Test
  void encoding_matchesTheSpecExample() {
    byte[] stored =
        dev.strata.key.WriteTimeFormat.append(b("abc"), Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    assertThat(stored)
        .containsExactly('a', 'b', 'c', 0x00, 0xA8, 0xDA, 0x76, 0x9B, 0x01, 0x00, 0x00);
  }

  @Test
  void helpers_decodeStoredValues() {
    assertThatThrownBy(() -> CompactionFilters.valueWithoutWriteTime(new byte[7]))
        .isInstanceOf(IllegalArgumentException.class);
    CompactionFilters.Ttl ttl = CompactionFilters.ttl(Duration.ofMinutes(1), clock);
    byte[] stored = new byte[] {'v', 0, 0, 0, 0, 0, 0, 0, 0};
    dev.strata.util.Coding.putLong(stored, 1, clock.millis());
    assertThat(s(CompactionFilters.valueWithoutWriteTime(stored))).isEqualTo("v");
    assertThat(CompactionFilters.writeTimeOf(stored)).isEqualTo(clock.instant());
    assertThat(ttl.filter(0, b("k"), stored)).isSameAs(Decision.KEEP);
    clock.advance(Duration.ofMinutes(2));
    assertThat(ttl.filter(0, b("k"), stored)).isSameAs(Decision.REMOVE);
    assertThat(ttl.filter(0, b("k"), new byte[3])).isSameAs(Decision.KEEP);
    assertThatThrownBy(() -> CompactionFilters.ttl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refused_writeTimeWithoutTtl_mergeOperatorWithTtl() {
    assertThatThrownBy(
            () ->
                Options.builder()
                    .compactionFilter(CompactionFilters.ttl(Duration.ofHours(1)))
                    .mergeOperator(MergeOperators.uint64Add())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("merge operator");
    WriteOptions timed = WriteOptions.builder().writeTime(Instant.EPOCH).build();
    try (StrataDB db = StrataDB.open(dir, Options.builder().jmx(false).build())) {
      assertThatThrownBy(() -> db.put(b("k"), b("v"), timed))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("time-to-live");
      WriteBatch batch = new WriteBatch().put(b("k"), b("v"));
      assertThatThrownBy(() -> db.write(batch, timed)).isInstanceOf(IllegalArgumentException.class);
      assertThat(db.get(b("k"))).isNull();
      db.put(b("short"), b("abc"));
    }
    // Written without a time to live, opened with one: a value too short fails the read.
    try (StrataDB db = StrataDB.open(dir, options(Duration.ofHours(1)))) {
      assertThatThrownBy(() -> db.get(b("short"))).isInstanceOf(StrataException.class);
    }
  }
}
