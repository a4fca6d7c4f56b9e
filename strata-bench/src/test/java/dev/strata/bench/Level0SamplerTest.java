package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.engine.EngineAdapter;
import dev.strata.bench.engine.EngineCursor;
import dev.strata.bench.engine.EngineSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class Level0SamplerTest {
  /** An engine whose level-0 figures the test sets; -1 means it does not report that figure. */
  private static final class FakeLevels implements EngineAdapter {
    final AtomicInteger level0 = new AtomicInteger(-1);
    final AtomicInteger maxSinceOpen = new AtomicInteger(-1);

    @Override
    public OptionalInt level0Files() {
      int n = level0.get();
      return n < 0 ? OptionalInt.empty() : OptionalInt.of(n);
    }

    @Override
    public OptionalInt maxLevel0FilesSinceOpen() {
      int n = maxSinceOpen.get();
      return n < 0 ? OptionalInt.empty() : OptionalInt.of(n);
    }

    @Override
    public String name() {
      return "fake";
    }

    @Override
    public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions) {}

    @Override
    public Map<String, String> configuration() {
      return Map.of();
    }

    @Override
    public void put(byte[] key, byte[] value) {}

    @Override
    public byte[] get(byte[] key) {
      return null;
    }

    @Override
    public void delete(byte[] key) {}

    @Override
    public EngineCursor newCursor() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  private static boolean samplerThreadAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("strata-bench-level0-sampler") && t.isAlive());
  }

  @Test
  void stop_countAtStartWasLargest_reportsIt() {
    FakeLevels db = new FakeLevels();
    db.level0.set(5);
    db.maxSinceOpen.set(2);
    Level0Sampler s = Level0Sampler.start(db);
    db.level0.set(1);

    assertThat(s.stop()).hasValue(5);
  }

  @Test
  void stop_enginesOwnMaximumIsLargest_reportsIt() {
    FakeLevels db = new FakeLevels();
    db.level0.set(0);
    Level0Sampler s = Level0Sampler.start(db);
    db.maxSinceOpen.set(7);

    assertThat(s.stop()).hasValue(7);
  }

  @Test
  void stop_countAtEndIsLargest_reportsIt() {
    FakeLevels db = new FakeLevels();
    db.level0.set(0);
    Level0Sampler s = Level0Sampler.start(db);
    db.level0.set(3);

    assertThat(s.stop()).hasValue(3);
  }

  @Test
  void stop_engineWithoutLevels_isEmptyAndStartsNoThread() {
    FakeLevels db = new FakeLevels();
    Level0Sampler s = Level0Sampler.start(db);

    assertThat(samplerThreadAlive()).isFalse();
    assertThat(s.stop()).isEmpty();
  }

  @Test
  void stop_afterSampling_leavesNoThread() {
    FakeLevels db = new FakeLevels();
    db.level0.set(2);
    Level0Sampler s = Level0Sampler.start(db);

    s.stop();
    s.close();

    assertThat(samplerThreadAlive()).isFalse();
  }
}
