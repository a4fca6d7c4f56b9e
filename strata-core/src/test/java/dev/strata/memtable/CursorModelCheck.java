package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Drives a memtable cursor through random seeks in both directions, seeks to either end and steps
 * either way, and checks after every move that it stands where a {@link TreeMap} of the same
 * entries says: the same internal key and value, or invalid where the model has none. Also checks a
 * point lookup's answer against the same model ({@link #checkGet}).
 */
final class CursorModelCheck {
  private CursorModelCheck() {}

  /**
   * Makes {@code steps} random moves of {@code it} (closed at the end); {@code targets} gives the
   * internal keys that seeks go to.
   */
  static void walk(
      InternalIterator it,
      TreeMap<InternalKey, byte[]> model,
      Random rnd,
      Supplier<InternalKey> targets,
      int steps) {
    InternalKey expected = null;
    for (int step = 0; step < steps; step++) {
      int op = rnd.nextInt(10);
      if (op == 0 || expected == null && op < 6) {
        InternalKey target = targets.get();
        if (rnd.nextBoolean()) {
          it.seek(target.userKey(), target.trailer());
          expected = model.ceilingKey(target);
        } else {
          it.seekForPrev(target.userKey(), target.trailer());
          expected = model.floorKey(target);
        }
      } else if (op == 1) {
        it.seekToFirst();
        expected = model.isEmpty() ? null : model.firstKey();
      } else if (op == 2) {
        it.seekToLast();
        expected = model.isEmpty() ? null : model.lastKey();
      } else if (expected != null && op < 6) {
        it.next();
        expected = model.higherKey(expected);
      } else if (expected != null) {
        it.prev();
        expected = model.lowerKey(expected);
      }
      if (expected == null) {
        assertThat(it.isValid()).isFalse();
      } else {
        assertThat(it.isValid()).isTrue();
        assertThat(it.userKey()).isEqualTo(expected.userKey());
        assertThat(it.trailer()).isEqualTo(expected.trailer());
        assertThat(it.value()).isEqualTo(model.get(expected));
      }
    }
    it.close();
  }

  /**
   * Checks {@code got}, a memtable's answer to a lookup of {@code key} at {@code snapshot},
   * against {@code model}: null where the model holds no version of the key at or below the
   * snapshot, {@link Lookup#DELETED} for a tombstone, else the newest such version's value.
   */
  static void checkGet(
      TreeMap<InternalKey, byte[]> model, byte[] key, long snapshot, byte[] got) {
    Map.Entry<InternalKey, byte[]> e =
        model.ceilingEntry(new InternalKey(key, Trailer.seekTrailer(snapshot)));
    String what = "key " + new String(key) + " at " + snapshot;
    if (e == null || !Arrays.equals(e.getKey().userKey(), key)) {
      assertThat(got).as(what).isNull();
    } else if (e.getKey().isDelete()) {
      assertThat(got).as(what).isSameAs(Lookup.DELETED);
    } else {
      assertThat(got).as(what).isEqualTo(e.getValue());
    }
  }
}
