package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.StrataDB;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * What the tests of an open's replay write and check ({@link ReuseLogsTest}, {@link
 * DeferredReplayFlushTest}): keys numbered in order, values that name their key and version, and
 * the power loss they simulate.
 */
final class ReplayData {
  private ReplayData() {}

  static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] value(int i, int version) {
    byte[] v = new byte[40];
    Arrays.fill(v, (byte) (i * 31 + version));
    v[0] = (byte) version;
    return v;
  }

  static void write(StrataDB db, int from, int to, int version) {
    for (int i = from; i < to; i++) {
      db.put(key(i), value(i, version));
    }
  }

  static void assertHolds(StrataDB db, int from, int to, int version) {
    for (int i = from; i < to; i++) {
      assertThat(db.get(key(i))).as("key %d version %d", i, version).isEqualTo(value(i, version));
    }
  }

  /**
   * A power loss now: returns the image of what survives on {@code fs} (unsynced bytes dropped),
   * then closes {@code db} on the frozen file system, which refuses close's writes; only that
   * refusal is expected here. A second close, by a try-with-resources, does nothing.
   */
  static FaultInjectionFileSystem crashThenClose(
      FaultInjectionFileSystem fs, StrataDB db, long seed) {
    FaultInjectionFileSystem image = fs.crash(CrashMode.DROP_UNSYNCED, new Random(seed));
    try {
      db.close();
    } catch (RuntimeException refusedByTheFrozenFileSystem) {
      // The image was taken before.
    }
    return image;
  }
}
