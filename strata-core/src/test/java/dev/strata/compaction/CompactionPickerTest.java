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
}
