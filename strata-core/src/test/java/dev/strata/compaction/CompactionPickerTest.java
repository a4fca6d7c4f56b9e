package dev.strata.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.key.InternalKey;
import dev.strata.key.ValueKind;
import dev.strata.version.FileMetadata;
import dev.strata.version.Level;
import dev.strata.version.VersionSet;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Level targets of dynamic level sizing and the choice they lead to. */
class CompactionPickerTest {
  private static final long MIB = 1L << 20;
  private static final long BASE = 256 * MIB;

  private final CompactionPicker picker = new CompactionPicker(4, 10, BASE, 64 * MIB);

  private static FileMetadata file(long number, long bytes, String from, String to) {
    return new FileMetadata(
        number,
        bytes,
        new InternalKey(from.getBytes(StandardCharsets.UTF_8), 2, ValueKind.VALUE),
        new InternalKey(to.getBytes(StandardCharsets.UTF_8), 1, ValueKind.VALUE),
        1,
        2,
        1000);
  }

  private static Level[] levels(Level... nonEmpty) {
    Level[] levels = new Level[VersionSet.NUM_LEVELS];
    for (int i = 0; i < levels.length; i++) {
      levels[i] = Level.empty(i);
    }
    for (Level l : nonEmpty) {
      levels[l.number()] = l;
    }
    return levels;
  }

  @Test
  void targets_smallBottomLevel_noLevelTargetBelowTheBase() {
    // The bottom holds 358 MiB: bottom / 10 would make level 5's target 36 MiB.
    Level[] levels = levels(
        new Level(5, List.of(file(10, 190 * MIB, "a", "z"))),
        new Level(6, List.of(file(11, 358 * MIB, "a", "z"))));

    CompactionPicker.Targets t = picker.targets(levels);

    assertThat(t.baseLevel()).isEqualTo(5);
    assertThat(t.bytes()[5]).isEqualTo(BASE);
    assertThat(picker.scores(levels)[5]).isLessThan(1.0);
  }

  @Test
  void targets_largeBottomLevel_followBottomOverMultiplier() {
    // 30 GiB at the bottom: targets of about 3 GiB and 307 MiB going up, then the floor at the
    // base, level 3 (bottom / 1000 is below maxBytesForLevelBase).
    Level[] levels = levels(
        new Level(4, List.of(file(9, 100 * MIB, "a", "z"))),
        new Level(6, List.of(file(11, 30 * 1024 * MIB, "a", "z"))));

    CompactionPicker.Targets t = picker.targets(levels);

    assertThat(t.baseLevel()).isEqualTo(3);
    assertThat(t.bytes()[3]).isEqualTo(BASE);
    assertThat((double) t.bytes()[4]).isCloseTo(307.2 * MIB, org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(t.bytes()[5]).isEqualTo(10 * t.bytes()[4]);
  }

  @Test
  void pick_levelZeroAtTrigger_beatsABaseLevelWithinItsTarget() {
    Level[] levels = levels(
        new Level(0, List.of(
            file(1, 20 * MIB, "a", "z"), file(2, 20 * MIB, "a", "z"),
            file(3, 20 * MIB, "a", "z"), file(4, 20 * MIB, "a", "z"))),
        new Level(5, List.of(file(10, 190 * MIB, "a", "z"))),
        new Level(6, List.of(file(11, 358 * MIB, "a", "z"))));

    Compaction c = picker.pick(levels);

    assertThat(c).isNotNull();
    assertThat(c.level()).isZero();
    assertThat(c.outputLevel()).isEqualTo(5);
  }

  private static byte[] key(String k) {
    return k.getBytes(StandardCharsets.UTF_8);
  }

  /** Charges {@code times} samples at {@code key}; returns how many of them made a file due. */
  private int charge(Level[] levels, String key, int times) {
    int due = 0;
    for (int i = 0; i < times; i++) {
      if (picker.recordReadSample(levels, key(key))) {
        due++;
      }
    }
    return due;
  }

  @Test
  void readSamples_chargeTheNewestOverlappingFile_untilItsLevelZeroCompactionIsPicked() {
    // 1 MiB files: 64 samples by size, so the floor of 100 applies.
    FileMetadata newest = file(3, MIB, "c", "m");
    FileMetadata older = file(2, MIB, "a", "f");
    FileMetadata apart = file(1, MIB, "x", "z");
    FileMetadata bottom = file(11, 100 * MIB, "a", "z");
    Level[] levels = levels(
        new Level(0, List.of(newest, older, apart)), new Level(6, List.of(bottom)));

    assertThat(charge(levels, "d", 99)).isZero();
    assertThat(newest.allowedReadSamplesForTesting()).isEqualTo(1);
    assertThat(older.allowedReadSamplesForTesting()).isEqualTo(100);
    assertThat(bottom.allowedReadSamplesForTesting()).isEqualTo(100 * MIB / (16 << 10));
    assertThat(picker.needsCompaction(levels)).isFalse();
    assertThat(picker.pick(levels)).isNull();

    assertThat(charge(levels, "d", 1)).isEqualTo(1);
    assertThat(picker.needsCompaction(levels)).isTrue();
    Compaction c = picker.pick(levels);

    assertThat(c).isNotNull();
    assertThat(c.reason()).isEqualTo(Compaction.Reason.READS);
    assertThat(c.level()).isZero();
    assertThat(c.outputLevel()).isEqualTo(6);
    // The level-0 files overlapping the due one go with it; the file apart stays.
    assertThat(c.inputs()).containsExactlyInAnyOrder(newest, older);
    assertThat(c.outputLevelInputs()).containsExactly(bottom);
    assertThat(c.isTrivialMove()).isFalse();
    // Picking cleared it; a file still in place is made due again by its next charge.
    assertThat(picker.pick(levels)).isNull();
    assertThat(charge(levels, "d", 1)).isEqualTo(1);
    assertThat(picker.pick(levels).inputs()).contains(newest);
  }

  @Test
  void readSample_ofAKeyOnlyOneFileMayHold_chargesNothing() {
    FileMetadata l0 = file(3, MIB, "c", "m");
    FileMetadata bottom = file(11, MIB, "a", "z");
    Level[] levels = levels(new Level(0, List.of(l0)), new Level(6, List.of(bottom)));

    assertThat(charge(levels, "p", 500)).isZero();

    assertThat(l0.allowedReadSamplesForTesting()).isEqualTo(100);
    assertThat(bottom.allowedReadSamplesForTesting()).isEqualTo(100);
    assertThat(picker.pick(levels)).isNull();
  }

  @Test
  void aLevelDueForItsSize_goesBeforeAFileDueForReads() {
    FileMetadata newest = file(4, MIB, "a", "z");
    List<FileMetadata> others =
        List.of(file(3, MIB, "a", "z"), file(2, MIB, "a", "z"), file(1, MIB, "a", "z"));
    List<FileMetadata> four = new java.util.ArrayList<>(others);
    four.add(newest);
    Level[] atTrigger = levels(new Level(0, four));
    assertThat(charge(atTrigger, "k", 100)).isEqualTo(1);

    assertThat(picker.pick(atTrigger).reason()).isEqualTo(Compaction.Reason.SIZE);

    // Below the trigger the due file gets its turn.
    Level[] belowTrigger = levels(new Level(0, List.of(newest, others.get(0))));
    Compaction c = picker.pick(belowTrigger);
    assertThat(c.reason()).isEqualTo(Compaction.Reason.READS);
    assertThat(c.inputs()).containsExactlyInAnyOrder(newest, others.get(0));
  }

  @Test
  void aDueFileThatLeftItsLevel_isDropped() {
    FileMetadata newest = file(3, MIB, "c", "m");
    FileMetadata older = file(2, MIB, "a", "z");
    assertThat(charge(levels(new Level(0, List.of(newest, older))), "d", 100)).isEqualTo(1);

    Level[] after = levels(new Level(6, List.of(file(12, 2 * MIB, "a", "z"))));

    assertThat(picker.needsCompaction(after)).isFalse();
    assertThat(picker.pick(after)).isNull();
  }

  @Test
  void aDueFileBelowLevelZero_goesOneLevelDown() {
    FileMetadata upper = file(10, MIB, "a", "m");
    FileMetadata lower = file(11, 100 * MIB, "a", "z");
    FileMetadata lowerApart = file(12, MIB, "zz", "zzz");
    Level[] levels = levels(
        new Level(5, List.of(upper)), new Level(6, List.of(lower, lowerApart)));

    assertThat(charge(levels, "c", 100)).isEqualTo(1);
    Compaction c = picker.pick(levels);

    assertThat(c.reason()).isEqualTo(Compaction.Reason.READS);
    assertThat(c.level()).isEqualTo(5);
    assertThat(c.outputLevel()).isEqualTo(6);
    assertThat(c.inputs()).containsExactly(upper);
    assertThat(c.outputLevelInputs()).containsExactly(lower);
  }

  /**
   * A level over its target compacts the file that rewrites the fewest bytes below it per byte it
   * moves down (RocksDB's kMinOverlappingRatio), not the next one in key order: key order picked
   * files overlapping 8 to 10 files of the level below beside files overlapping 2.
   */
  @Test
  void levelOverItsTarget_compactsTheFileWithTheLeastOverlapBelowPerByte() {
    // Level 6 at 3 GiB: level 5's target is about 300 MiB, and it holds 400 MiB.
    FileMetadata wide = file(10, 100 * MIB, "a", "h");
    FileMetadata narrow = file(11, 100 * MIB, "i", "j");
    FileMetadata mid = file(12, 100 * MIB, "k", "r");
    FileMetadata last = file(13, 100 * MIB, "s", "z");
    Level[] levels = levels(
        new Level(5, List.of(wide, narrow, mid, last)),
        new Level(6, List.of(
            file(20, 600 * MIB, "a", "d"), file(21, 600 * MIB, "e", "h"),
            file(22, 64 * MIB, "i", "j"),
            file(23, 600 * MIB, "k", "n"), file(24, 600 * MIB, "o", "r"),
            file(25, 600 * MIB, "s", "z"))));
    assertThat(picker.scores(levels)[5]).isGreaterThan(1.0);

    Compaction c = picker.pick(levels);

    assertThat(c.reason()).isEqualTo(Compaction.Reason.SIZE);
    assertThat(c.inputs()).containsExactly(narrow);
    assertThat(numbers(c.outputLevelInputs())).containsExactly(22L);
  }

  @Test
  void equalOverlapBelow_theLargerFileGoesFirst_andAFileOverlappingNothingBeatsAll() {
    FileMetadata small = file(10, 10 * MIB, "a", "c");
    FileMetadata large = file(11, 400 * MIB, "d", "f");
    FileMetadata apart = file(12, 200 * MIB, "x", "z");
    Level[] withApart = levels(
        new Level(5, List.of(small, large, apart)),
        new Level(6, List.of(
            file(20, 1000 * MIB, "a", "c"), file(21, 1000 * MIB, "d", "f"),
            file(22, 1200 * MIB, "g", "w"))));
    assertThat(picker.scores(withApart)[5]).isGreaterThan(1.0);
    assertThat(picker.pick(withApart).inputs()).containsExactly(apart);

    Level[] without = levels(
        new Level(5, List.of(small, large)),
        new Level(6, List.of(
            file(20, 1000 * MIB, "a", "c"), file(21, 1000 * MIB, "d", "f"),
            file(22, 1000 * MIB, "g", "w"))));
    assertThat(picker.scores(without)[5]).isGreaterThan(1.0);
    assertThat(picker.pick(without).inputs()).containsExactly(large);
  }

  /** Five level-0 files, each overlapping the next only: a chain from "a".."c" to "i".."k". */
  private static Level chainedLevel0() {
    return new Level(0, List.of(
        file(1, MIB, "a", "c"), file(2, MIB, "b", "e"), file(3, MIB, "d", "g"),
        file(4, MIB, "f", "i"), file(5, MIB, "h", "k"), file(6, MIB, "x", "z")));
  }

  private static List<Long> numbers(List<FileMetadata> files) {
    return files.stream().map(FileMetadata::number).sorted().toList();
  }

  @Test
  void manual_level0RangeTouchingOneEndOfAChain_takesTheWholeChain() {
    Compaction c = picker.manual(levels(chainedLevel0()), 0, bytes("j"), bytes("k"));

    assertThat(numbers(c.inputs())).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void level0Closure_singleKeyInTheMiddle_widensBothWaysAndStopsAtAGap() {
    List<FileMetadata> closure =
        CompactionPicker.level0Closure(chainedLevel0(), bytes("e"), bytes("e"));

    assertThat(numbers(closure)).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(numbers(CompactionPicker.level0Closure(chainedLevel0(), bytes("y"), null)))
        .containsExactly(6L);
    assertThat(CompactionPicker.level0Closure(chainedLevel0(), bytes("l"), bytes("w"))).isEmpty();
  }

  @Test
  void pick_readSampledLevel0FileAtOneEndOfAChain_takesTheWholeChain() {
    CompactionPicker belowTrigger = new CompactionPicker(10, 10, BASE, 64 * MIB);
    Level[] levels = levels(chainedLevel0());
    // "b" lies in files 1 and 2: each sample charges the one consulted first, until it is due.
    while (!belowTrigger.recordReadSample(levels, bytes("b"))) {
      assertThat(belowTrigger.pick(levels)).isNull();
    }

    Compaction c = belowTrigger.pick(levels);

    assertThat(c.reason()).isEqualTo(Compaction.Reason.READS);
    assertThat(numbers(c.inputs())).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A last-level file holding range tombstones, its entries and tombstones in [lo, hi]. */
  private static FileMetadata withTombstones(long number, String from, String to, long lo, long hi) {
    return new FileMetadata(
        number,
        MIB,
        new InternalKey(from.getBytes(StandardCharsets.UTF_8), hi, ValueKind.VALUE),
        new InternalKey(to.getBytes(StandardCharsets.UTF_8), lo, ValueKind.VALUE),
        lo,
        hi,
        1000,
        3,
        0);
  }

  @Test
  void manualBottommost_skipsFilesWhoseTombstonesEverySnapshotStillNeeds() {
    // Files 1 and 3 hold tombstones; file 3's sequences all lie above the oldest snapshot (50), so
    // rewriting it could drop nothing: a snapshot below a tombstone keeps it.
    Level[] levels =
        levels(
            new Level(
                6,
                List.of(
                    withTombstones(1, "a", "c", 10, 40),
                    file(2, MIB, "d", "f"),
                    withTombstones(3, "g", "i", 60, 90))));

    Compaction withSnapshot = picker.manualBottommost(levels, null, null, false, 50);
    assertThat(withSnapshot.inputs()).extracting(FileMetadata::number).containsExactly(1L);

    Compaction none = picker.manualBottommost(levels, null, null, false, Long.MAX_VALUE);
    assertThat(none.inputs()).extracting(FileMetadata::number).containsExactly(1L, 2L, 3L);

    assertThat(picker.manualBottommost(levels, "g".getBytes(StandardCharsets.UTF_8), null, false, 50))
        .as("nothing droppable in range")
        .isNull();
  }
}
