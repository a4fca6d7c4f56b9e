package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One block cache handed to several databases keeps one memory bound for all of them. */
class SharedCacheTest {
  @TempDir Path dir;

  @Test
  void sharedCache_servesSeveralDatabasesWithinOneBound() {
    Cache cache = Cache.create(256 * 1024);
    Options o = Options.builder().blockCache(cache).blockSizeBytes(1024).build();
    StrataDB[] dbs = new StrataDB[4];
    try {
      for (int d = 0; d < dbs.length; d++) {
        dbs[d] = StrataDB.open(dir.resolve("db" + d), o);
        for (int i = 0; i < 5000; i++) {
          dbs[d].put(String.format("key%05d", i).getBytes(), ("db" + d + "-value-" + i).getBytes());
        }
        dbs[d].flush();
      }
      for (int round = 0; round < 2; round++) {
        for (int d = 0; d < dbs.length; d++) {
          for (int i = 0; i < 5000; i += 10) {
            assertThat(new String(dbs[d].get(String.format("key%05d", i).getBytes())))
                .isEqualTo("db" + d + "-value-" + i);
          }
        }
      }
      assertThat(cache.usedBytes()).isPositive().isLessThanOrEqualTo(cache.capacityBytes());
      assertThat(cache.hitRatio()).isPositive();
      assertThat(Double.parseDouble(dbs[0].getProperty("strata.block-cache-hit-ratio")))
          .isEqualTo(cache.hitRatio(), org.assertj.core.data.Offset.offset(0.05));
    } finally {
      for (StrataDB db : dbs) {
        if (db != null) {
          db.close();
        }
      }
    }
  }
}
