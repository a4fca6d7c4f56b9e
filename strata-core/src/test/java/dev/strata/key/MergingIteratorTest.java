package dev.strata.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class MergingIteratorTest {
  /** One entry; {@code child} is the source it came from. */
  private record Entry(byte[] key, long trailer, byte[] value, int child) {}

  private static final Comparator<Entry> INTERNAL =
      (a, b) -> InternalKey.compare(a.key, a.trailer, b.key, b.trailer);

  /** A child over a sorted list, as a memtable shard or table would be. */
  private static final class ListIterator implements InternalIterator {
    private final List<Entry> entries;
    private int pos = -1;
    boolean closed;

    ListIterator(List<Entry> entries) {
      this.entries = entries;
    }

    @Override
    public boolean isValid() {
      return pos >= 0 && pos < entries.size();
    }

    @Override
    public void seekToFirst() {
      pos = 0;
    }

    @Override
    public void seekToLast() {
      pos = entries.size() - 1;
    }

    @Override
    public void seek(byte[] userKey, long trailer) {
      pos = 0;
      while (pos < entries.size() && cmp(entries.get(pos), userKey, trailer) < 0) {
        pos++;
      }
    }

    @Override
    public void seekForPrev(byte[] userKey, long trailer) {
      pos = entries.size() - 1;
      while (pos >= 0 && cmp(entries.get(pos), userKey, trailer) > 0) {
        pos--;
      }
    }

    @Override
    public void next() {
      pos++;
    }

    @Override
    public void prev() {
      pos--;
    }

    @Override
    public byte[] userKey() {
      return entries.get(pos).key;
    }

    @Override
    public long trailer() {
      return entries.get(pos).trailer;
    }

    @Override
    public byte[] value() {
      return entries.get(pos).value;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static int cmp(Entry e, byte[] key, long trailer) {
    return InternalKey.compare(e.key, e.trailer, key, trailer);
  }

  private static String show(InternalIterator it) {
    return it.isValid()
        ? new String(it.userKey(), java.nio.charset.StandardCharsets.US_ASCII) + "@"
            + Trailer.sequence(it.trailer()) + "=" + it.value()[0]
        : "end";
  }

  private static String show(List<Entry> merged, int pos) {
    if (pos < 0 || pos >= merged.size()) {
      return "end";
    }
    Entry e = merged.get(pos);
    return new String(e.key, java.nio.charset.StandardCharsets.US_ASCII) + "@"
        + Trailer.sequence(e.trailer) + "=" + e.value[0];
  }

  /**
   * Random children holding distinct internal keys, driven by random seeks and steps in both
   * directions: the merge is always at the entry a sorted list of every child's entries is at.
   */
  @Property(tries = 300)
  void merge_matchesSortedUnionUnderRandomSeeksAndSteps(
      @ForAll @IntRange(min = 0, max = 20) int childCount, @ForAll long seed) {
    Random rnd = new Random(seed);
    List<List<Entry>> children = new ArrayList<>();
    List<Entry> all = new ArrayList<>();
    long nextSeq = 1;
    for (int c = 0; c < childCount; c++) {
      List<Entry> entries = new ArrayList<>();
      int n = rnd.nextInt(12);
      for (int i = 0; i < n; i++) {
        byte[] key = {(byte) ('a' + rnd.nextInt(8))};
        long trailer = Trailer.pack(nextSeq++, rnd.nextBoolean() ? ValueKind.VALUE : ValueKind.DELETE);
        entries.add(new Entry(key, trailer, new byte[] {(byte) c}, c));
      }
      entries.sort(INTERNAL);
      children.add(entries);
      all.addAll(entries);
    }
    all.sort(INTERNAL);
    List<ListIterator> its = children.stream().map(ListIterator::new).toList();
    MergingIterator merged = new MergingIterator(its);
    int pos = -1;

    merged.seekToFirst();
    pos = 0;
    for (int step = 0; step < 200; step++) {
      assertThat(show(merged)).as("step %d", step).isEqualTo(show(all, pos));
      int op = rnd.nextInt(10);
      byte[] key = {(byte) ('a' + rnd.nextInt(9))};
      long trailer = Trailer.pack(rnd.nextInt((int) nextSeq + 1), ValueKind.VALUE);
      Entry probe = new Entry(key, trailer, null, -1);
      if (op == 0) {
        merged.seekToFirst();
        pos = 0;
      } else if (op == 1) {
        merged.seekToLast();
        pos = all.size() - 1;
      } else if (op == 2) {
        merged.seek(key, trailer);
        pos = 0;
        while (pos < all.size() && INTERNAL.compare(all.get(pos), probe) < 0) {
          pos++;
        }
      } else if (op == 3) {
        merged.seekForPrev(key, trailer);
        pos = all.size() - 1;
        while (pos >= 0 && INTERNAL.compare(all.get(pos), probe) > 0) {
          pos--;
        }
      } else if (merged.isValid() && op < 7) {
        merged.next();
        pos++;
      } else if (merged.isValid()) {
        merged.prev();
        pos--;
      }
    }
    merged.close();
    assertThat(its).allMatch(it -> it.closed);
  }

  @Test
  void equalEntriesInTwoChildren_areBothReturnedFirstChildFirstInEitherDirection() {
    long t = Trailer.pack(7, ValueKind.VALUE);
    List<Entry> a = List.of(new Entry(new byte[] {'k'}, t, new byte[] {0}, 0));
    List<Entry> b = List.of(
        new Entry(new byte[] {'j'}, t, new byte[] {1}, 1),
        new Entry(new byte[] {'k'}, t, new byte[] {1}, 1));
    MergingIterator merged = new MergingIterator(List.of(new ListIterator(a), new ListIterator(b)));

    List<String> forward = new ArrayList<>();
    for (merged.seekToFirst(); merged.isValid(); merged.next()) {
      forward.add(show(merged));
    }
    List<String> backward = new ArrayList<>();
    for (merged.seekToLast(); merged.isValid(); merged.prev()) {
      backward.add(show(merged));
    }

    assertThat(forward).containsExactly("j@7=1", "k@7=0", "k@7=1");
    assertThat(backward).containsExactly("k@7=0", "k@7=1", "j@7=1");
  }
}
