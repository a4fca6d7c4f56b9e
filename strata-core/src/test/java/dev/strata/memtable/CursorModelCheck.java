package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Drives a memtable cursor through random seeks in both directions, seeks to either end and steps
 * either way, and checks after every move that it stands where a {@link TreeMap} of the same
 * entries says: the same internal key and value, or invalid where the model has none.
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
}
