package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The point-lookup index of a shard ({@link KeyIndex}) against a sorted model: keys with many
 * versions added out of sequence order (as concurrent commit groups add them), lookups at
 * snapshots older than many versions, hashes that collide on purpose (every key one hash, or
 * only a few distinct tags), an index that gives up part-way, and readers beside a writer that
 * grows the table under them.
 */
class KeyIndexTest {
  /** Hash functions a shard might be handed: the real one and two that collide on purpose. */
  private static ToLongFunction<byte[]> hashing(int kind) {
    switch (kind) {
      case 0:
        return Bytes::hash64;
      case 1:
        return key -> 0L; // every key in one probe run, every tag equal
      default:
        return key -> Bytes.hash64(key) & 0xC000_0000_0000_0000L; // 4 tags, 4 first slots
    }
  }

  @Property(tries = 300)
  void get_matchesModel_whateverTheOrderOfVersionsAndTheHashes(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 600) int entries,
      @ForAll @IntRange(min = 0, max = 2) int hashKind,
      @ForAll boolean indexGivesUp) {
    Random rnd = new Random(seed);
    ToLongFunction<byte[]> hash = hashing(hashKind);
    MemtableShard shard = indexGivesUp ? new MemtableShard(1 << 10, 16) : new MemtableShard(1 << 10);
    TreeMap<InternalKey, byte[]> model = new TreeMap<>();
    // Distinct sequences, added in a shuffled order: a key's newest version is often added before
    // its older ones, and some keys get 20 or more versions (more than a lookup walks over).
    int keys = 1 + rnd.nextInt(60);
    List<Long> sequences = new ArrayList<>();
    for (long s = 1; s <= entries; s++) {
      sequences.add(s);
    }
    Collections.shuffle(sequences, rnd);
    long allocated = 0;
    for (long seq : sequences) {
      byte[] key = key(rnd.nextInt(rnd.nextBoolean() ? 3 : keys));
      ValueKind kind = rnd.nextInt(6) == 0 ? ValueKind.DELETE : ValueKind.VALUE;
      byte[] value = kind == ValueKind.DELETE ? new byte[0] : ("v" + seq).getBytes(StandardCharsets.UTF_8);
      long trailer = Trailer.pack(seq, kind);
      allocated += shard.add(key, hash.applyAsLong(key), trailer, value);
      model.put(new InternalKey(key, trailer), value);
    }

    for (int i = 0; i < 200; i++) {
      byte[] key = key(rnd.nextInt(keys + 5));
      long snapshot = rnd.nextInt(4) == 0 ? Long.MAX_VALUE >>> 8 : rnd.nextInt(entries + 2);
      CursorModelCheck.checkGet(
          model, key, snapshot, shard.get(key, hash.applyAsLong(key), snapshot, -1));
    }
    // Seeks in both directions to random internal keys and steps either way from there, through
    // chains of versions whose entries arrived out of order.
    CursorModelCheck.walk(
        new MemtableShard.Cursor(shard),
        model,
        rnd,
        () ->
            new InternalKey(
                key(rnd.nextInt(keys + 5)),
                Trailer.pack(rnd.nextInt(entries + 2), ValueKind.values()[rnd.nextInt(2)])),
        300);
    long distinct = model.keySet().stream().map(k -> new String(k.userKey())).distinct().count();
    if (indexGivesUp && distinct > 12) {
      assertThat(shard.indexGaveUpForTesting()).isTrue();
    } else {
      assertThat(shard.indexGaveUpForTesting()).isFalse();
      assertThat(shard.indexedKeysForTesting()).isEqualTo(distinct);
    }
    if (entries > 0) {
      assertThat(allocated).isEqualTo(shard.allocatedBytes());
    }
  }

  @Test
  void tableGrows_andEveryKeyStaysFoundAtEachSize() {
    MemtableShard shard = new MemtableShard(1 << 16);
    long seq = 0;
    for (int n = 1; n <= 5000; n++) {
      shard.add(key(n), Trailer.pack(++seq, ValueKind.VALUE), key(n));
      if (Integer.bitCount(n) == 1 || n % 997 == 0) {
        for (int i = 1; i <= n; i++) {
          assertThat(shard.get(key(i), seq)).isEqualTo(key(i));
        }
        assertThat(shard.get(key(n + 1), seq)).isNull();
      }
    }
    assertThat(shard.indexedKeysForTesting()).isEqualTo(5000);
    assertThat(shard.indexGaveUpForTesting()).isFalse();
  }

  /**
   * One writer overwrites a growing set of keys (value = version) while readers look them up at
   * the newest snapshot: a reader never sees a key it saw before vanish, go back to an older
   * version, or carry another key's value, through every doubling of the index's table.
   */
  @Test
  void readersBesideAWriter_seeEachKeyMoveOnlyForward() throws Exception {
    for (int hashKind = 0; hashKind <= 2; hashKind++) {
      ToLongFunction<byte[]> hash = hashing(hashKind);
      int keys = hashKind == 1 ? 300 : 3000; // one probe run of every key: keep it short
      MemtableShard shard = new MemtableShard(1 << 12);
      int readers = 2;
      CyclicBarrier start = new CyclicBarrier(readers + 1);
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> threads = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        int id = r;
        threads.add(
            new Thread(
                () -> {
                  Random rnd = new Random(id);
                  int[] seen = new int[keys];
                  try {
                    start.await();
                    boolean last = false;
                    while (!last) {
                      last = !writing.get();
                      for (int probe = 0; probe < 1000; probe++) {
                        int k = rnd.nextInt(keys);
                        byte[] key = key(k);
                        byte[] got = shard.get(key, hash.applyAsLong(key), Long.MAX_VALUE >>> 8, -1);
                        int version = got == null ? 0 : versionOf(got, k);
                        if (version < seen[k]) {
                          throw new AssertionError(
                              "key " + k + " went from version " + seen[k] + " to " + version);
                        }
                        seen[k] = version;
                      }
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                }));
      }
      threads.forEach(Thread::start);
      start.await();
      long seq = 0;
      for (int round = 1; round <= 4; round++) {
        for (int k = 0; k < keys; k++) {
          byte[] key = key(k);
          shard.add(key, hash.applyAsLong(key), Trailer.pack(++seq, ValueKind.VALUE), value(k, round));
        }
      }
      writing.set(false);
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failure.get()).isNull();
      for (int k = 0; k < keys; k++) {
        byte[] key = key(k);
        assertThat(shard.get(key, hash.applyAsLong(key), seq, -1)).isEqualTo(value(k, 4));
        assertThat(shard.get(key, hash.applyAsLong(key), seq - keys, -1)).isEqualTo(value(k, 3));
      }
    }
  }

  private static byte[] key(int i) {
    return ("key" + i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int key, int version) {
    return (key + "/" + version).getBytes(StandardCharsets.UTF_8);
  }

  private static int versionOf(byte[] value, int key) {
    String[] parts = new String(value, StandardCharsets.UTF_8).split("/");
    if (Integer.parseInt(parts[0]) != key) {
      throw new AssertionError("key " + key + " read the value of key " + parts[0]);
    }
    return Integer.parseInt(parts[1]);
  }
}
