package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.sstable.BlockCache;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Databases that size nothing share what the JVM's heap can hold: one default block cache (an
 * eighth of the maximum heap, at most 64 MiB), held while one of them is open, and one memtable
 * budget (a quarter of the maximum heap). A database given a size, a cache or a budget of its own
 * keeps it to itself. The small-heap cases themselves run in child JVMs ({@code
 * ResourceExhaustionTest}).
 */
class ProcessDefaultsTest {
  private static final long MAX_HEAP = Runtime.getRuntime().maxMemory();

  @TempDir Path dir;

  @Test
  void defaultSizes_followTheMaximumHeap() {
    assertThat(DefaultCache.capacityFor(96L << 20)).isEqualTo(12L << 20);
    assertThat(DefaultCache.capacityFor(512L << 20)).isEqualTo(64L << 20);
    assertThat(DefaultCache.capacityFor(8L << 30)).isEqualTo(64L << 20);
    assertThat(DefaultCache.capacityFor(Long.MAX_VALUE)).isEqualTo(64L << 20);
    assertThat(WriteBufferManager.processDefaultFor(96L << 20).budgetBytes()).isEqualTo(24L << 20);
    assertThat(WriteBufferManager.processDefaultFor(Long.MAX_VALUE)).isNull();

    assertThat(Options.defaults().blockCacheBytes())
        .isEqualTo(DefaultCache.capacityFor(MAX_HEAP))
        .isEqualTo(DefaultCache.process().capacityBytes());
    assertThat(WriteBufferManager.processDefault().budgetBytes()).isEqualTo(MAX_HEAP / 4);
  }

  @Test
  void options_tellWhoseCacheTheDatabaseUses() {
    assertThat(Options.defaults().blockCacheShared()).isTrue();
    assertThat(Options.defaults().toString()).contains("(the JVM's default cache)");
    Options own = Options.builder().blockCacheBytes(1 << 20).build();
    assertThat(own.blockCacheShared()).isFalse();
    assertThat(own.blockCacheBytes()).isEqualTo(1 << 20);
    assertThat(own.toBuilder().build().blockCacheShared()).as("kept by toBuilder").isFalse();
    assertThat(Options.builder().blockCacheBytes(0).build().blockCacheShared())
        .as("no cache at all is no shared cache")
        .isFalse();
    Options given = Options.builder().blockCache(Cache.create(1 << 20)).build();
    assertThat(given.blockCacheShared()).isTrue();
    assertThat(given.toString()).doesNotContain("default cache");
  }

  @Test
  void defaultCache_isMadeByTheFirstHolder_andLetGoByTheLast() {
    DefaultCache defaults = new DefaultCache(1 << 20);
    DefaultCache.Lease first = defaults.acquire();
    DefaultCache.Lease second = defaults.acquire();
    assertThat(second.cache()).isSameAs(first.cache());
    assertThat(first.cache().capacityBytes()).isEqualTo(1 << 20);
    assertThat(defaults.holders()).isEqualTo(2);

    first.release();
    first.release();
    assertThat(defaults.holders()).as("a second release of one lease does nothing").isEqualTo(1);
    second.release();
    assertThat(defaults.holders()).isZero();

    DefaultCache.Lease next = defaults.acquire();
    assertThat(next.cache()).as("a fresh cache after the last holder let go")
        .isNotSameAs(first.cache());
    next.release();
    assertThat(defaults.holders()).isZero();

    BlockCache own = BlockCache.create(1 << 10);
    DefaultCache.Lease ofOwn = DefaultCache.Lease.of(own);
    ofOwn.release();
    assertThat(ofOwn.cache()).isSameAs(own);
  }

  @Test
  void databasesOpenedWithTheDefaults_shareTheCacheAndTheBudget_andLeaveThemAtClose() {
    DefaultCache cache = DefaultCache.process();
    WriteBufferManager budget = WriteBufferManager.processDefault();
    int holdersBefore = cache.holders();
    int membersBefore = budget.databases();
    StrataDB a = StrataDB.open(dir.resolve("a"), Options.defaults());
    StrataDB b = StrataDB.open(dir.resolve("b"), Options.defaults());
    StrataDB own =
        StrataDB.open(
            dir.resolve("own"),
            Options.builder()
                .blockCacheBytes(1 << 20)
                .writeBufferManager(WriteBufferManager.create(64 << 20))
                .build());
    try {
      assertThat(cache.holders()).isEqualTo(holdersBefore + 2);
      assertThat(budget.databases()).as("the database with a budget of its own stays out")
          .isEqualTo(membersBefore + 2);

      for (StrataDB db : new StrataDB[] {a, own}) {
        for (int i = 0; i < 200; i++) {
          db.put(key(i), new byte[100]);
        }
        db.flush();
        for (int i = 0; i < 200; i++) {
          assertThat(db.get(key(i))).hasSize(100);
        }
      }
      // b read nothing: the blocks a cached are in the cache b holds, and own's are in its own.
      long ownUsage = Long.parseLong(own.getProperty("strata.block-cache-usage"));
      assertThat(Long.parseLong(b.getProperty("strata.block-cache-usage")))
          .isEqualTo(Long.parseLong(a.getProperty("strata.block-cache-usage")))
          .isPositive();
      assertThat(Long.parseLong(b.getProperty("strata.block-cache-capacity")))
          .isEqualTo(cache.capacityBytes());
      assertThat(Long.parseLong(own.getProperty("strata.block-cache-capacity")))
          .isEqualTo(1 << 20);
      assertThat(ownUsage).isPositive().isLessThanOrEqualTo(1 << 20);
      // strata.stats says what each shares.
      assertThat(a.getProperty("strata.stats"))
          .contains("block cache shared with other databases")
          .containsPattern("memtable budget: \\d+ of " + budget.budgetBytes()
              + " held; databases sharing it: \\d+");
      assertThat(own.getProperty("strata.stats"))
          .doesNotContain("block cache shared")
          .containsPattern("memtable budget: \\d+ of " + (64 << 20)
              + " held; databases sharing it: 1");
      // Each database's tickers count its own lookups, not the shared cache's.
      assertThat(a.getStatistics().tickerCount(Ticker.BLOCK_CACHE_DATA_MISS)).isPositive();
      assertThat(b.getStatistics().tickerCount(Ticker.BLOCK_CACHE_DATA_MISS)).isZero();
      assertThat(b.getStatistics().tickerCount(Ticker.BLOCK_CACHE_DATA_HIT)).isZero();
    } finally {
      a.close();
      b.close();
      own.close();
    }
    assertThat(cache.holders()).isEqualTo(holdersBefore);
    assertThat(budget.databases()).isEqualTo(membersBefore);
  }

  @Test
  void failedAndReadOnlyOpens_holdTheDefaultCacheOnlyWhileOpen() {
    DefaultCache cache = DefaultCache.process();
    int holdersBefore = cache.holders();
    Path path = dir.resolve("db");
    try (StrataDB db = StrataDB.open(path, Options.defaults())) {
      db.put(key(1), key(1));
      // The directory is locked: this open fails, and leaves the cache as it found it.
      assertThatThrownBy(() -> StrataDB.open(path, Options.defaults()))
          .isInstanceOf(StrataException.class);
      assertThat(cache.holders()).isEqualTo(holdersBefore + 1);
      assertThatThrownBy(() -> StrataDB.openReadOnly(dir.resolve("absent"), Options.defaults()))
          .isInstanceOf(StrataException.class);
      assertThat(cache.holders()).isEqualTo(holdersBefore + 1);
    }
    try (StrataDB readOnly = StrataDB.openReadOnly(path, Options.defaults())) {
      assertThat(readOnly.get(key(1))).isEqualTo(key(1));
      assertThat(cache.holders()).isEqualTo(holdersBefore + 1);
    }
    assertThat(cache.holders()).isEqualTo(holdersBefore);
  }

  @Test
  void databasesOpenedAndClosedByManyThreadsAtOnce_leaveTheCountAsTheyFoundIt() throws Exception {
    DefaultCache cache = DefaultCache.process();
    WriteBufferManager budget = WriteBufferManager.processDefault();
    int holdersBefore = cache.holders();
    int membersBefore = budget.databases();
    int threads = 8;
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
    java.util.concurrent.ExecutorService pool =
        dev.strata.testing.CallerThreads.newExecutor(threads);
    try {
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Path mine = dir.resolve("t" + t);
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int round = 0; round < 10; round++) {
                    try (StrataDB db = StrataDB.open(mine, Options.defaults())) {
                      db.put(key(round), key(round));
                      assertThat(cache.holders()).isGreaterThan(holdersBefore);
                      assertThat(db.get(key(round))).isEqualTo(key(round));
                    }
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(cache.holders()).isEqualTo(holdersBefore);
    assertThat(budget.databases()).isEqualTo(membersBefore);
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }
}
