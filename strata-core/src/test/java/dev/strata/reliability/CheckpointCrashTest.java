package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import dev.strata.testing.FaultInjectionFileSystem.SimulatedCrashException;
import dev.strata.testing.ModelDb;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A power loss (or process death) inside {@code createCheckpoint}, at each of its crash points, in
 * each crash mode, of a writable and of a read-only database: the source then recovers every write
 * (the checkpoint's flush made them durable), and the target either does not exist or opens with
 * exactly the checkpointed state, never a partial copy. A new checkpoint into the same target,
 * after the crash, replaces what the crashed one left in its temporary directory.
 */
class CheckpointCrashTest {
  private static final Path DB = Path.of("/db");
  private static final Path TARGET = Path.of("/backups/cp");
  private static final Path TEMP = Path.of("/backups/cp.strata-checkpoint-tmp");
  private static final int RUNS = 4;

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (CrashPoint point : CrashPoint.values()) {
      if (!point.name().startsWith("CHECKPOINT_")) {
        continue;
      }
      for (CrashMode mode : CrashMode.values()) {
        out.add(Arguments.of(point, mode, false));
        out.add(Arguments.of(point, mode, true));
      }
    }
    return out.stream();
  }

  private static Options options(FaultInjectionFileSystem fs) {
    return Options.builder()
        .fileSystem(fs)
        .memtableSizeBytes(4096)
        .blockSizeBytes(256)
        .targetFileSizeBytes(2048)
        .maxBytesForLevelBase(8192)
        .level0CompactionTrigger(2)
        .build();
  }

  @ParameterizedTest(name = "{0} {1} readOnly={2}")
  @MethodSource("cases")
  void crashInsideCheckpoint_sourceIsWholeAndTargetAbsentOrComplete(
      CrashPoint point, CrashMode mode, boolean readOnly) throws Exception {
    long seed = Seeds.seed("CheckpointCrashTest." + point + "." + mode + "." + readOnly);
    // Several runs: the modes that keep a random part of what was not forced need a few draws to
    // find a missing force.
    for (int run = 0; run < RUNS; run++) {
      crashed.set(null);
      runOnce(point, mode, readOnly, new Random(seed + run),
          "seed " + seed + " run " + run + " " + point + " " + mode + " readOnly=" + readOnly);
    }
  }

  private void runOnce(CrashPoint point, CrashMode mode, boolean readOnly, Random rnd, String where)
      throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(rnd.nextLong());
    fs.createDirectories(TARGET.getParent());
    ModelDb model = new ModelDb();
    try (StrataDB db = StrataDB.open(DB, options(fs))) {
      OpGenerator gen = new OpGenerator(rnd, 200, "v");
      for (int i = 0; i < 300; i++) {
        List<OpGenerator.WriteOp> ops = gen.nextWrite(60);
        OpGenerator.apply(db, ops, i == 299 ? WriteOptions.SYNC : WriteOptions.DEFAULT);
        OpGenerator.apply(model, ops);
        if (i == 150) {
          db.compactRange(null, null);
        }
      }
      if (readOnly) {
        db.close();
      } else {
        checkpointAndCrash(db, fs, point, mode, rnd, where);
      }
    }
    if (readOnly) {
      try (StrataDB db = StrataDB.openReadOnly(DB, options(fs))) {
        checkpointAndCrash(db, fs, point, mode, rnd, where);
      }
    }
    FaultInjectionFileSystem image = crashed.get();
    assertThat(image).as("%s: crash point reached", where).isNotNull();
    NavigableMap<byte[], byte[]> expected = model.snapshot();

    try (StrataDB source = StrataDB.open(DB, options(image))) {
      assertThat(WriteLog.same(OpGenerator.contents(source), expected))
          .as("%s: the source recovers every write", where)
          .isTrue();
      if (image.exists(TARGET)) {
        assertHolds(image, expected, where + ": the target that survived");
      } else {
        // Nothing half-made carries the target's name; a new checkpoint replaces the leftovers.
        source.createCheckpoint(TARGET);
        assertThat(image.exists(TEMP)).as("%s: temporary directory gone", where).isFalse();
        assertHolds(image, expected, where + ": the checkpoint made after the crash");
      }
    }
  }

  private final AtomicReference<FaultInjectionFileSystem> crashed = new AtomicReference<>();

  /** Arms the crash at {@code point} and checkpoints, which the simulated crash abandons. */
  private void checkpointAndCrash(
      StrataDB db,
      FaultInjectionFileSystem fs,
      CrashPoint point,
      CrashMode mode,
      Random rnd,
      String where) {
    AtomicBoolean crashing = new AtomicBoolean();
    Random crashRnd = new Random(rnd.nextLong());
    fs.onCrashPoint(
        p -> {
          if (p == point && crashing.compareAndSet(false, true)) {
            crashed.set(fs.crash(mode, crashRnd));
            throw new SimulatedCrashException("crash at " + p);
          }
        });
    assertThatThrownBy(() -> db.createCheckpoint(TARGET))
        .as(where)
        .isInstanceOf(SimulatedCrashException.class);
  }

  private static void assertHolds(
      FaultInjectionFileSystem fs, NavigableMap<byte[], byte[]> expected, String where) {
    try (StrataDB cp = StrataDB.openReadOnly(TARGET, options(fs))) {
      assertThat(WriteLog.same(OpGenerator.contents(cp), expected))
          .as(where + " read-only")
          .isTrue();
    }
    try (StrataDB cp = StrataDB.open(TARGET, options(fs))) {
      assertThat(WriteLog.same(OpGenerator.contents(cp), expected)).as(where).isTrue();
    }
  }
}
