package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several databases under one memtable budget: their memtables together stay near it. */
class WriteBufferManagerTest {
  @TempDir Path dir;

  @Test
  void create_nonPositiveBudget_isRefused() {
    assertThatThrownBy(() -> WriteBufferManager.create(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void manyDatabases_writingPastTheBudget_flushToStayNearIt() {
    long budget = 4 << 20;
    WriteBufferManager wbm = WriteBufferManager.create(budget);
    // Room for every immutable memtable this writes (20 MB in switches of about 1 MB): a switch the
    // budget asks for is skipped, not stalled, while the immutables are at their limit (a soft
    // budget, as RocksDB's without stalls), so with the default limit a slow flush (a loaded
    // machine) let the active memtables grow to 9.5 MB in one run. What is checked here is that
    // the budget makes them switch.
    Options options =
        Options.builder()
            .memtableSizeBytes(64L << 20)
            .maxImmutableMemtables(32)
            .writeBufferManager(wbm)
            .build();
    List<StrataDB> dbs = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        dbs.add(StrataDB.open(dir.resolve("db" + i), options));
      }
      assertThat(wbm.databases()).isEqualTo(4);
      long emptyMemtable =
          Long.parseLong(dbs.get(0).getProperty("strata.cur-size-active-mem-table"));
      byte[] value = new byte[1000];
      long peak = 0;
      for (int i = 0; i < 20_000; i++) {
        StrataDB db = dbs.get(i % dbs.size());
        db.put(("k" + i).getBytes(), value);
        peak = Math.max(peak, wbm.memtableBytes());
      }
      // 20 MB written into memtables of 64 MiB each: only the budget made them switch. Each
      // fresh memtable starts with its arena slabs allocated.
      assertThat(wbm.switchesAsked()).isGreaterThan(0);
      long sum = 0;
      for (StrataDB db : dbs) {
        sum += Long.parseLong(db.getProperty("strata.cur-size-active-mem-table"));
      }
      assertThat(sum).isLessThanOrEqualTo(budget + budget / 4 + dbs.size() * emptyMemtable);
      for (int i = 0; i < 20_000; i += 997) {
        assertThat(dbs.get(i % dbs.size()).get(("k" + i).getBytes())).isEqualTo(value);
      }
    } finally {
      for (StrataDB db : dbs) {
        db.close();
      }
    }
    assertThat(wbm.databases()).isZero();
    assertThat(wbm.memtableBytes()).isZero();
  }

  /** An idle database holding the largest memtable is asked, and switches at its next write. */
  @Test
  void idleLargestDatabase_isAskedAndSwitchesAtItsNextWrite() {
    long budget = 4 << 20;
    WriteBufferManager wbm = WriteBufferManager.create(budget);
    Options options =
        Options.builder().memtableSizeBytes(64L << 20).writeBufferManager(wbm).build();
    try (StrataDB big = StrataDB.open(dir.resolve("big"), options);
        StrataDB small = StrataDB.open(dir.resolve("small"), options)) {
      byte[] value = new byte[1000];
      for (int i = 0; activeBytes(big) < budget / 2; i++) {
        big.put(("b" + i).getBytes(), value);
      }
      for (int i = 0; wbm.switchesAsked() == 0; i++) {
        small.put(("s" + i).getBytes(), value);
      }
      assertThat(big.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
      assertThat(small.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
      big.put("one more".getBytes(), value);
      assertThat(activeBytes(big)).isLessThan(budget / 2);
      assertThat(small.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
    }
  }

  private static long activeBytes(StrataDB db) {
    return Long.parseLong(db.getProperty("strata.cur-size-active-mem-table"));
  }
}
