package dev.strata.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.CompactionFilter;
import dev.strata.CompactionFilter.Decision;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link CompactionFilterStage} on hand-made entry streams: which entries are offered (the first
 * of each key, values only, above every snapshot), and what each decision writes.
 */
class CompactionFilterStageTest {
  private static final CompactionFilter REMOVE_ALL = (level, key, value) -> Decision.REMOVE;

  private final List<String> written = new ArrayList<>();
  private final List<String> offered = new ArrayList<>();

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private CompactionFilterStage stage(CompactionFilter f, long[] snapshots, boolean bottommost) {
    CompactionFilter recording =
        (level, key, value) -> {
          offered.add(new String(key, StandardCharsets.UTF_8) + "@" + level);
          return f.filter(level, key, value);
        };
    return new CompactionFilterStage(
        recording,
        3,
        snapshots,
        key -> bottommost,
        (key, trailer, value, offset, length) ->
            written.add(
                new String(key, StandardCharsets.UTF_8)
                    + "@"
                    + Trailer.sequence(trailer)
                    + (Trailer.isDelete(trailer) ? ":DEL" : Trailer.isMerge(trailer) ? ":MERGE:" : ":")
                    + (Trailer.isDelete(trailer)
                        ? ""
                        : new String(value, offset, length, StandardCharsets.UTF_8))));
  }

  /**
   * Gives the stage one entry, as the merge collapser does with each entry it writes: the value as
   * a range inside a larger array, as an input block lends it.
   */
  private static void feed(CompactionFilterStage s, String key, long seq, ValueKind kind, String v)
      throws Exception {
    byte[] lent = b("<<" + v + ">>");
    s.add(b(key), Trailer.pack(seq, kind), lent, 2, lent.length - 4);
  }

  @Test
  void remove_notBottommost_writesDeletionAtSameSequence() throws Exception {
    CompactionFilterStage s = stage(REMOVE_ALL, new long[0], false);
    feed(s, "a", 9, ValueKind.VALUE, "x");
    assertThat(written).containsExactly("a@9:DEL");
    assertThat(offered).containsExactly("a@3");
    assertThat(s.removed()).isEqualTo(1);
  }

  @Test
  void remove_bottommostWithoutSnapshots_writesNothing() throws Exception {
    CompactionFilterStage s = stage(REMOVE_ALL, new long[0], true);
    feed(s, "a", 9, ValueKind.VALUE, "x");
    assertThat(written).isEmpty();
  }

  @Test
  void remove_bottommostWithSnapshot_keepsDeletion_andTheSnapshotsVersion() throws Exception {
    CompactionFilterStage s = stage(REMOVE_ALL, new long[] {5}, true);
    feed(s, "a", 9, ValueKind.VALUE, "new");
    feed(s, "a", 4, ValueKind.VALUE, "old");
    assertThat(written).containsExactly("a@9:DEL", "a@4:old");
    assertThat(offered).containsExactly("a@3");
  }

  @Test
  void versionsSnapshotsSee_tombstonesAndOperands_areNotOffered() throws Exception {
    CompactionFilterStage s = stage(REMOVE_ALL, new long[] {5}, false);
    feed(s, "a", 5, ValueKind.VALUE, "seen");
    feed(s, "b", 8, ValueKind.DELETE, "");
    feed(s, "b", 7, ValueKind.VALUE, "below a deletion");
    feed(s, "c", 8, ValueKind.MERGE, "op");
    feed(s, "c", 7, ValueKind.VALUE, "base");
    assertThat(offered).isEmpty();
    assertThat(written)
        .containsExactly("a@5:seen", "b@8:DEL", "b@7:below a deletion", "c@8:MERGE:op", "c@7:base");
  }

  @Test
  void onlyTheFirstEntryOfAKeyIsOffered() throws Exception {
    CompactionFilterStage s = stage(REMOVE_ALL, new long[] {5}, false);
    // a@9 is offered; a@7 is not the newest; b's newest entry is an operand, so the value below
    // it is not offered either (removing it would change what the operand merges onto).
    feed(s, "a", 9, ValueKind.VALUE, "new");
    feed(s, "a", 7, ValueKind.VALUE, "older");
    feed(s, "b", 9, ValueKind.MERGE, "op");
    feed(s, "b", 8, ValueKind.VALUE, "base");
    assertThat(offered).containsExactly("a@3");
    assertThat(written).containsExactly("a@9:DEL", "a@7:older", "b@9:MERGE:op", "b@8:base");
  }

  @Test
  void change_keepsSequence_failureKeepsEntry() throws Exception {
    CompactionFilter f =
        (level, key, value) -> {
          if (key[0] == 'x') {
            throw new IllegalStateException("boom");
          }
          return key[0] == 'n' ? null : Decision.change(b("changed"));
        };
    CompactionFilterStage s = stage(f, new long[0], false);
    feed(s, "a", 9, ValueKind.VALUE, "v");
    feed(s, "n", 8, ValueKind.VALUE, "kept");
    feed(s, "x", 7, ValueKind.VALUE, "kept too");
    assertThat(written).containsExactly("a@9:changed", "n@8:kept", "x@7:kept too");
    assertThat(s.changed()).isEqualTo(1);
    assertThat(s.failures()).isEqualTo(2);
    assertThat(s.firstFailure()).isInstanceOf(NullPointerException.class);
  }
}
