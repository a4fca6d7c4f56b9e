package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import dev.strata.testing.FaultInjectionFileSystem.SimulatedCrashException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** One test per bug the reliability suite found, named after what it caught. */
class RegressionTest {
  private static final Path DIR = Path.of("/db");
  private static final byte[] K = {'k'};
  private static final byte[] V = {'v'};

  /** Crash at {@code point} the first time it is reached; returns the crash image. */
  static FaultInjectionFileSystem crashAt(
      FaultInjectionFileSystem fs, CrashPoint point, CrashMode mode, Runnable work) {
    AtomicReference<FaultInjectionFileSystem> image = new AtomicReference<>();
    fs.onCrashPoint(
        p -> {
          if (p == point && image.get() == null) {
            image.set(fs.crash(mode, new Random(1)));
            throw new SimulatedCrashException("crash at " + p);
          }
        });
    try {
      work.run();
    } catch (SimulatedCrashException | dev.strata.StrataException e) {
      // the simulated crash
    }
    assertThat(image.get()).as("crash point %s reached", point).isNotNull();
    return image.get();
  }

  @Test
  void open_afterCrashWhileCreatingDatabase_createsItAnew() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    FaultInjectionFileSystem image =
        crashAt(
            fs,
            CrashPoint.CURRENT_BEFORE_RENAME,
            CrashMode.KEEP_ALL,
            () -> StrataDB.open(DIR, Options.builder().fileSystem(fs).build()).close());
    try (StrataDB db = StrataDB.open(DIR, Options.builder().fileSystem(image).build())) {
      db.put(K, V);
      assertThat(db.get(K)).isEqualTo(V);
    }
  }

  @Test
  void open_withLogButNoCurrent_stillRaisesCorruption() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    fs.createDirectories(DIR);
    fs.overwrite(DIR.resolve("000007.log"), new byte[0]);
    assertThatThrownBy(() -> StrataDB.open(DIR, Options.builder().fileSystem(fs).build()))
        .isInstanceOf(dev.strata.CorruptionException.class)
        .hasMessageContaining("CURRENT");
  }
}
