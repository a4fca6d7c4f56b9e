package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The arena skip list, through the shard and its cursor, against a {@link TreeMap} of the same
 * entries: every get, seek and step in both directions lands where the model says, whatever the
 * slab size and however many entries needed slabs of their own.
 */
class ArenaSkipListTest {
  @Property(tries = 200)
  void shardAndCursor_matchSortedModel(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 400) int entries,
      @ForAll @IntRange(min = 8, max = 14) int slabShift) {
    Random rnd = new Random(seed);
    MemtableShard shard = new MemtableShard(1 << slabShift);
    TreeMap<InternalKey, byte[]> model = new TreeMap<>();
    long seq = 0;
    for (int i = 0; i < entries; i++) {
      byte[] key = randomKey(rnd);
      ValueKind kind = rnd.nextInt(8) == 0 ? ValueKind.DELETE : ValueKind.VALUE;
      // Half small values, which share slabs with the nodes (from the slab's other end), half up
      // to 3x the largest slab, many of which take a slab of their own.
      int length = rnd.nextBoolean() ? rnd.nextInt(40) : rnd.nextInt(3 << slabShift);
      byte[] value = new byte[kind == ValueKind.DELETE ? 0 : length];
      rnd.nextBytes(value);
      seq += 1 + rnd.nextInt(3);
      long trailer = Trailer.pack(seq, kind);
      shard.add(key, trailer, value);
      model.put(new InternalKey(key, trailer), value);
    }

    for (int i = 0; i < 50; i++) {
      byte[] key = randomKey(rnd);
      long snapshot = rnd.nextInt((int) seq + 2);
      CursorModelCheck.checkGet(model, key, snapshot, shard.get(key, snapshot));
    }

    long lastSeq = seq;
    CursorModelCheck.walk(
        new MemtableShard.Cursor(shard),
        model,
        rnd,
        () ->
            new InternalKey(
                randomKey(rnd), Trailer.pack(rnd.nextInt((int) lastSeq + 2), ValueKind.VALUE)),
        300);
  }

  /**
   * A key's prefix decides its order against another key whenever the prefixes differ: a greater
   * prefix, a greater key. Keys of 0 to 11 bytes from a 3-letter alphabet, so that prefixes are
   * often equal, often padded, and keys often a prefix of each other.
   */
  @Property(tries = 2000)
  void prefix_orderAgreesWithKeyOrder(@ForAll long seed) {
    Random rnd = new Random(seed);
    byte[] a = randomKey(rnd);
    byte[] b = randomKey(rnd);
    int byPrefix =
        Long.compareUnsigned(
            dev.strata.util.Bytes.prefix64(a, 0, a.length),
            dev.strata.util.Bytes.prefix64(b, 0, b.length));
    int byKey = java.util.Arrays.compareUnsigned(a, b);
    if (byPrefix != 0) {
      assertThat(Integer.signum(byKey)).isEqualTo(Integer.signum(byPrefix));
    }
  }

  /**
   * Keys from a small alphabet, short (versions and prefixes collide) or up to 11 bytes (the first 8
   * bytes, which nodes keep beside their pointers, are often equal while the keys differ).
   */
  private static byte[] randomKey(Random rnd) {
    byte[] key = new byte[rnd.nextInt(rnd.nextBoolean() ? 4 : 12)];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (rnd.nextBoolean() ? 'a' : 0xF0 + rnd.nextInt(2));
    }
    return key;
  }

  @Test
  void slabSize_isAQuarterOfTheBudgetWithRoomForTheHeader() {
    assertThat(ArenaSkipList.slabSizeFor(0)).isEqualTo(256);
    assertThat(ArenaSkipList.slabSizeFor(4096)).isEqualTo(1024);
    assertThat(ArenaSkipList.slabSizeFor(1L << 20)).isEqualTo((256 << 10) - 64);
    assertThat(ArenaSkipList.slabSizeFor(64L << 20)).isEqualTo((1 << 20) - 64);
    assertThat(ArenaSkipList.slabSizeFor(Long.MAX_VALUE)).isEqualTo((1 << 20) - 64);
  }

  @Test
  void allocatedBytes_countsWholeSlabs_andLargeEntriesGetTheirOwn() {
    ArenaSkipList list = new ArenaSkipList(1024);
    long first = list.insert(new byte[] {1}, Trailer.pack(1, ValueKind.VALUE), new byte[10]);
    assertThat(first).isEqualTo(16 + 1024);
    long second = list.insert(new byte[] {2}, Trailer.pack(2, ValueKind.VALUE), new byte[10]);
    assertThat(second).isZero();
    // Larger than a quarter slab: a slab of exactly its size, rounded to 8 with the header.
    long large = list.insert(new byte[] {3}, Trailer.pack(3, ValueKind.VALUE), new byte[300]);
    assertThat(large).isGreaterThanOrEqualTo(16 + 300).isLessThan(16 + 400);
    assertThat(list.allocatedBytes()).isEqualTo(first + large);
    long after = list.insert(new byte[] {4}, Trailer.pack(4, ValueKind.VALUE), new byte[10]);
    assertThat(after).as("small entries still fill the first slab").isZero();
  }

  @Test
  void sharedSlabs_doubleFrom4KiBToTheLargest() {
    ArenaSkipList list = new ArenaSkipList(ArenaSkipList.slabSizeFor(64L << 20));
    java.util.List<Long> slabs = new java.util.ArrayList<>();
    for (int i = 0; slabs.size() < 10; i++) {
      long allocated = list.insert(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16)},
          Trailer.pack(i, ValueKind.VALUE), new byte[1000]);
      if (allocated > 0) {
        slabs.add(allocated - 16);
      }
    }
    assertThat(slabs).containsExactly(4096L, 8192L, 16384L, 32768L, 65536L - 64, 131072L - 64,
        262144L - 64, 524288L - 64, 1048576L - 64, 1048576L - 64);
  }

  @Test
  void insert_newKeys_allocatesNothingButItsSlabs() {
    // Each insert once allocated a long[MAX_HEIGHT] of predecessors: 112 bytes, a ninth of a
    // 100-byte fill's allocation. Only slabs (what insert reports) may be allocated now.
    ArenaSkipList list = new ArenaSkipList(ArenaSkipList.slabSizeFor(64L << 20));
    int n = 20_000;
    byte[][] keys = new byte[2 * n][];
    Random rnd = new Random(7);
    for (int i = 0; i < keys.length; i++) {
      keys[i] = new byte[16];
      rnd.nextBytes(keys[i]);
    }
    byte[] value = new byte[100];
    for (int i = 0; i < n; i++) { // compiled, and the thread's scratch made
      list.insert(keys[i], Trailer.pack(i + 1, ValueKind.VALUE), value);
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long slabs = 0;
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = n; i < 2 * n; i++) {
      slabs += list.insert(keys[i], Trailer.pack(i + 1, ValueKind.VALUE), value);
    }
    long perInsert = (threads.getCurrentThreadAllocatedBytes() - before - slabs) / n;
    assertThat(perInsert).as("bytes allocated per insert beyond slabs").isLessThan(32);
  }
}
