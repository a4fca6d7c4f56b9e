package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.util.Coding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlockTest {
  static Block build(List<Entry> entries, int restartInterval) {
    BlockBuilder b = new BlockBuilder(restartInterval);
    for (Entry e : entries) {
      byte[] key = InternalKey.encode(e.userKey(), e.trailer());
      b.add(key, key.length, e.value(), e.value().length);
    }
    b.finish();
    byte[] contents = Arrays.copyOf(b.buffer(), b.finishedSize());
    return Block.decode(contents, contents.length, "test.sst", 0);
  }

  static List<Entry> scanForward(BlockIterator it) {
    List<Entry> out = new ArrayList<>();
    for (it.seekToFirst(); it.isValid(); it.next()) {
      out.add(new Entry(it.userKey(), it.trailer(), it.value()));
    }
    return out;
  }

  static List<Entry> scanBackward(BlockIterator it) {
    List<Entry> out = new ArrayList<>();
    for (it.seekToLast(); it.isValid(); it.prev()) {
      out.add(0, new Entry(it.userKey(), it.trailer(), it.value()));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 16, 1024})
  void roundTrip_everyRestartInterval_scansEqualInput(int restartInterval) {
    Random rnd = new Random(TestSeed.forTest("roundTrip restart=" + restartInterval));
    List<Entry> entries = Entry.random(rnd, 200, 3, 40);
    Block block = build(entries, restartInterval);
    BlockIterator it = new BlockIterator(block);
    assertThat(scanForward(it)).containsExactlyElementsOf(entries);
    assertThat(scanBackward(it)).containsExactlyElementsOf(entries);
    assertThat(block.entryCount()).isEqualTo(entries.size());
    assertThat(block.restartCount())
        .isEqualTo((entries.size() + restartInterval - 1) / restartInterval);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 16})
  void seek_everyKeyAndEveryGap_findsFirstAtOrAfter(int restartInterval) {
    Random rnd = new Random(TestSeed.forTest("seek restart=" + restartInterval));
    List<Entry> entries = Entry.random(rnd, 150, 3, 8);
    BlockIterator it = new BlockIterator(build(entries, restartInterval));
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      it.seek(e.userKey(), e.trailer());
      assertThat(current(it)).isEqualTo(e);
      // Just after this entry (same user key, next lower trailer) lands on the next entry.
      it.seek(e.userKey(), e.trailer() - 1);
      assertThat(it.isValid() ? current(it) : null)
          .isEqualTo(i + 1 < entries.size() ? entries.get(i + 1) : null);
      // A user key between this one and the next: its successor with a NUL appended.
      byte[] between = Arrays.copyOf(e.userKey(), e.userKey().length + 1);
      it.seek(between, Trailer.seekTrailer(Trailer.MAX_SEQUENCE >>> 1));
      Entry expected =
          entries.stream()
              .filter(
                  x ->
                      InternalKey.compare(
                              x.userKey(),
                              x.trailer(),
                              between,
                              Trailer.seekTrailer(Trailer.MAX_SEQUENCE >>> 1))
                          >= 0)
              .findFirst()
              .orElse(null);
      assertThat(it.isValid() ? current(it) : null).isEqualTo(expected);
    }
    it.seek(new byte[0], Trailer.seekTrailer(0));
    assertThat(current(it)).isEqualTo(entries.get(0));
    it.seek(new byte[] {(byte) 0xFF}, 0);
    assertThat(it.isValid()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 16})
  void seekForPrev_everyKeyAndGap_findsLastAtOrBefore(int restartInterval) {
    Random rnd = new Random(TestSeed.forTest("seekForPrev restart=" + restartInterval));
    List<Entry> entries = Entry.random(rnd, 120, 3, 8);
    BlockIterator it = new BlockIterator(build(entries, restartInterval));
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      it.seekForPrev(e.userKey(), e.trailer());
      assertThat(current(it)).isEqualTo(e);
      // Just before this entry (next higher trailer) lands on the previous entry.
      it.seekForPrev(e.userKey(), e.trailer() + 1);
      assertThat(it.isValid() ? current(it) : null).isEqualTo(i > 0 ? entries.get(i - 1) : null);
    }
    it.seekForPrev(new byte[0], Long.MAX_VALUE);
    assertThat(it.isValid()).isFalse();
    it.seekForPrev(new byte[] {(byte) 0xFF}, 0);
    assertThat(current(it)).isEqualTo(entries.get(entries.size() - 1));
  }

  @Test
  void prevAndNext_interleaved_stepOneEntry() {
    Random rnd = new Random(TestSeed.forTest("prevAndNext"));
    List<Entry> entries = Entry.random(rnd, 100, 2, 8);
    BlockIterator it = new BlockIterator(build(entries, 4));
    int pos = 0;
    it.seekToFirst();
    for (int step = 0; step < 2000; step++) {
      if (rnd.nextBoolean() && pos + 1 < entries.size()) {
        it.next();
        pos++;
      } else if (pos > 0) {
        it.prev();
        pos--;
      }
      assertThat(current(it)).isEqualTo(entries.get(pos));
    }
  }

  @Test
  void emptyBlock_decodes_andIteratorIsInvalid() {
    Block block = build(List.of(), 16);
    BlockIterator it = new BlockIterator(block);
    it.seekToFirst();
    assertThat(it.isValid()).isFalse();
    it.seekToLast();
    assertThat(it.isValid()).isFalse();
    it.seek(new byte[] {1}, 0);
    assertThat(it.isValid()).isFalse();
    it.seekForPrev(new byte[] {1}, 0);
    assertThat(it.isValid()).isFalse();
  }

  @Test
  void decode_restartPointInsideAnEntry_throwsCorruption() {
    List<Entry> entries = List.of(Entry.put("a", 1, "1"), Entry.put("b", 2, "2"));
    Block good = build(entries, 1);
    byte[] data = Arrays.copyOf(good.data(), good.data().length);
    int restartArray = data.length - 4 - 8;
    Coding.putInt(data, restartArray + 4, Coding.getInt(data, restartArray + 4) - 1);
    assertThatThrownBy(() -> Block.decode(data, data.length, "t.sst", 77))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("t.sst")
        .hasMessageContaining("offset 77");
  }

  @Test
  void decode_keysOutOfOrder_throwsCorruption() {
    BlockBuilder b = new BlockBuilder(16);
    byte[] k1 =
        InternalKey.encode("b".getBytes(UTF_8), Trailer.pack(1, dev.strata.key.ValueKind.VALUE));
    byte[] k2 =
        InternalKey.encode("a".getBytes(UTF_8), Trailer.pack(1, dev.strata.key.ValueKind.VALUE));
    b.add(k1, k1.length, new byte[0], 0);
    b.add(k2, k2.length, new byte[0], 0);
    b.finish();
    byte[] data = Arrays.copyOf(b.buffer(), b.finishedSize());
    assertThatThrownBy(() -> Block.decode(data, data.length, "t.sst", 0))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("out of order");
  }

  /** Arbitrary bytes never make decode fail with anything but a corruption error. */
  @Property(tries = 300)
  void decode_randomBytes_failsOnlyWithCorruption(
      @ForAll byte[] data, @ForAll @IntRange(max = 3) int restarts) {
    byte[] block = Arrays.copyOf(data, data.length + 4);
    Coding.putInt(block, data.length, restarts);
    try {
      Block decoded = Block.decode(block, block.length, "fuzz.sst", 0);
      BlockIterator it = new BlockIterator(decoded);
      scanForward(it);
      scanBackward(it);
    } catch (CorruptionException expected) {
      assertThat(expected).hasMessageContaining("fuzz.sst");
    }
  }

  /** A well-formed block survives every single-byte change, or reports it as corruption. */
  @Property(tries = 200)
  void decode_oneByteChanged_failsOnlyWithCorruption(
      @ForAll @IntRange(min = 1, max = 40) int keys, @ForAll int position, @ForAll byte newValue) {
    List<Entry> entries = Entry.random(new Random(keys), keys, 2, 6);
    Block good = build(entries, 3);
    byte[] data = Arrays.copyOf(good.data(), good.data().length);
    data[Math.floorMod(position, data.length)] = newValue;
    try {
      BlockIterator it = new BlockIterator(Block.decode(data, data.length, "fuzz.sst", 0));
      assertThat(scanBackward(it)).isEqualTo(scanForward(it));
      for (Entry e : entries) {
        it.seek(e.userKey(), e.trailer());
        it.seekForPrev(e.userKey(), e.trailer());
      }
    } catch (CorruptionException expected) {
      assertThat(expected).hasMessageContaining("fuzz.sst");
    }
  }

  private static Entry current(BlockIterator it) {
    assertThat(it.isValid()).isTrue();
    return new Entry(it.userKey(), it.trailer(), it.value());
  }
}
