package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The budget's totals are the sums of each member's last report, whatever order they come in. */
class MemtableBudgetTest {
  @Test
  void totals_areTheSumsOfTheLastReports_repeatedOrNot() {
    MemtableBudget budget = new MemtableBudget(1 << 30);
    MemtableBudget.Member a = budget.join();
    MemtableBudget.Member b = budget.join();
    a.report(100, 300);
    a.report(100, 300);
    b.report(50, 50);
    assertThat(budget.activeMemtableBytes()).isEqualTo(150);
    assertThat(budget.memtableBytes()).isEqualTo(350);
    a.report(100, 120);
    assertThat(budget.activeMemtableBytes()).as("an unchanged active figure, a changed total")
        .isEqualTo(150);
    assertThat(budget.memtableBytes()).isEqualTo(170);
    a.leave();
    assertThat(budget.activeMemtableBytes()).isEqualTo(50);
    assertThat(budget.memtableBytes()).isEqualTo(50);
    assertThat(budget.memberCount()).isEqualTo(1);
  }

  @Test
  void aRequestToTheLargest_isCountedOnce_untilItSwitches() {
    MemtableBudget budget = new MemtableBudget(1000);
    MemtableBudget.Member large = budget.join();
    MemtableBudget.Member small = budget.join();
    large.report(800, 800);
    // Over 7/8 of the budget: the small member's groups flag the large one, counted once.
    for (int i = 0; i < 10; i++) {
      assertThat(small.reportAndCheck(100, 100)).isFalse();
    }
    assertThat(budget.switchesAsked()).isEqualTo(1);
    // The large member's next group takes the request and switches (its new memtable is empty).
    assertThat(large.reportAndCheck(800, 800)).isTrue();
    large.report(0, 800);
    assertThat(small.reportAndCheck(100, 100)).as("all memtables at 900 of 1000").isFalse();
    assertThat(budget.switchesAsked()).isEqualTo(1);
    // Active memtables past the whole budget: the writing member switches its own at once.
    large.report(950, 950);
    assertThat(small.reportAndCheck(100, 1050)).isTrue();
    assertThat(budget.switchesAsked()).isEqualTo(2);
  }

  @Test
  void reportsOfManyMembersAtOnce_leaveExactTotals() throws Exception {
    MemtableBudget budget = new MemtableBudget(1 << 30);
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = dev.strata.testing.CallerThreads.newExecutor(threads);
    try {
      List<Future<long[]>> last = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        last.add(
            pool.submit(
                () -> {
                  MemtableBudget.Member m = budget.join();
                  start.await();
                  long active = 0;
                  long all = 0;
                  for (int i = 0; i < 100_000; i++) {
                    // Repeats and changes, as a leader's groups report them.
                    active = ((i + seed) / 3) % 1000;
                    all = active + (i % 7 == 0 ? 500 : 0);
                    m.report(active, all);
                  }
                  return new long[] {active, all};
                }));
      }
      long active = 0;
      long all = 0;
      for (Future<long[]> f : last) {
        active += f.get()[0];
        all += f.get()[1];
      }
      assertThat(budget.activeMemtableBytes()).isEqualTo(active);
      assertThat(budget.memtableBytes()).isEqualTo(all);
    } finally {
      pool.shutdownNow();
    }
  }
}
