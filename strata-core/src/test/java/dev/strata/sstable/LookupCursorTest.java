package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.strata.CorruptionException;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.util.Coding;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The point lookup's cursor over raw block contents: it must find what a cursor over the decoded,
 * validated {@link Block} finds, and on damaged contents raise only a {@link CorruptionException}
 * naming the file and offset, although it parses only part of the block.
 */
class LookupCursorTest {
  private static final String FILE = "000042.sst";
  private static final long OFFSET = 8192;

  private static byte[] contents(List<Entry> entries, int restartInterval) {
    BlockBuilder b = new BlockBuilder(restartInterval);
    for (Entry e : entries) {
      byte[] key = InternalKey.encode(e.userKey(), e.trailer());
      b.add(key, key.length, e.value(), e.value().length);
    }
    b.finish();
    return Arrays.copyOf(b.buffer(), b.finishedSize());
  }

  /** What a lookup reads through the decoded block: the entry at or after the target, if its key. */
  private static String throughBlock(Block block, byte[] userKey, long trailer) {
    BlockIterator it = new BlockIterator(block);
    it.seek(userKey, trailer);
    if (!it.isValid() || !it.userKeyEquals(userKey)) {
      return "none";
    }
    return it.trailer() + "=" + Arrays.toString(it.value());
  }

  private static String throughCursor(LookupCursor c, byte[] userKey, long trailer) {
    if (!c.seek(userKey, trailer)) {
      return "none";
    }
    return c.trailer() + "=" + Arrays.toString(c.value());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5, 16, 1024})
  void seek_everyKeyVersionAndGap_agreesWithDecodedBlock(int restartInterval) {
    Random rnd = new Random(TestSeed.forTest("lookupCursor restart=" + restartInterval));
    List<Entry> entries = Entry.random(rnd, 200, 3, 40);
    byte[] contents = contents(entries, restartInterval);
    Block block = Block.decode(contents, contents.length, FILE, OFFSET);
    LookupCursor cursor = new LookupCursor();
    // Contents in a longer array, as the thread's scratch holds them.
    byte[] scratch = Arrays.copyOf(contents, contents.length + 100);
    assertThat(cursor.load(scratch, contents.length, FILE, OFFSET)).isTrue();
    int found = 0;
    for (Entry e : entries) {
      long[] trailers = {
        e.trailer(), e.trailer() + 1, e.trailer() - 1, Trailer.seekTrailer(Trailer.MAX_SEQUENCE), 0
      };
      for (long t : trailers) {
        String expected = throughBlock(block, e.userKey(), t);
        assertThat(throughCursor(cursor, e.userKey(), t))
            .as("key %s trailer %d", Arrays.toString(e.userKey()), t)
            .isEqualTo(expected);
        found += expected.equals("none") ? 0 : 1;
      }
      byte[] between = Arrays.copyOf(e.userKey(), e.userKey().length + 1);
      assertThat(throughCursor(cursor, between, Trailer.seekTrailer(Trailer.MAX_SEQUENCE)))
          .isEqualTo("none");
    }
    assertThat(found).isGreaterThan(entries.size());
    assertThat(throughCursor(cursor, new byte[0], Trailer.seekTrailer(Trailer.MAX_SEQUENCE)))
        .isEqualTo("none");
    assertThat(throughCursor(cursor, new byte[] {(byte) 0xFF, (byte) 0xFF}, 0)).isEqualTo("none");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 16})
  void firstAndLastKeys_compareAsTheDecodedBlocks(int restartInterval) {
    Random rnd = new Random(TestSeed.forTest("lookupCursor bounds " + restartInterval));
    List<Entry> entries = Entry.random(rnd, 60, 2, 20);
    byte[] contents = contents(entries, restartInterval);
    Block block = Block.decode(contents, contents.length, FILE, OFFSET);
    LookupCursor cursor = new LookupCursor();
    assertThat(cursor.load(contents, contents.length, FILE, OFFSET)).isTrue();
    for (Entry e : entries) {
      byte[] k = InternalKey.encode(e.userKey(), e.trailer());
      assertThat(Integer.signum(cursor.compareFirstKey(k, 0, k.length)))
          .isEqualTo(Integer.signum(block.compareFirstKey(k, 0, k.length)));
      assertThat(Integer.signum(cursor.compareLastKey(k, 0, k.length)))
          .isEqualTo(Integer.signum(block.compareLastKey(k, 0, k.length)));
    }
    Entry last = entries.get(entries.size() - 1);
    byte[] lastKey = InternalKey.encode(last.userKey(), last.trailer());
    assertThat(cursor.compareLastKey(lastKey, 0, lastKey.length)).isZero();
    // The cursor still seeks after the comparisons.
    assertThat(throughCursor(cursor, last.userKey(), last.trailer()))
        .isEqualTo(throughBlock(block, last.userKey(), last.trailer()));
  }

  @Test
  void emptyBlock_loadsAsNoEntries() {
    byte[] contents = contents(List.of(), 16);
    assertThat(new LookupCursor().load(contents, contents.length, FILE, OFFSET)).isFalse();
  }

  @Test
  void everySingleBitFlip_raisesOnlyCorruptionNamingFileAndOffset() {
    Random rnd = new Random(TestSeed.forTest("lookupCursor flips"));
    List<Entry> entries = Entry.random(rnd, 40, 2, 12);
    byte[] original = contents(entries, 4);
    int raised = 0;
    for (int i = 0; i < original.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] damaged = original.clone();
        damaged[i] ^= (byte) (1 << bit);
        try {
          LookupCursor cursor = new LookupCursor();
          if (!cursor.load(damaged, damaged.length, FILE, OFFSET)) {
            continue;
          }
          byte[] k = InternalKey.encode(entries.get(0).userKey(), entries.get(0).trailer());
          cursor.compareLastKey(k, 0, k.length);
          cursor.compareFirstKey(k, 0, k.length);
          for (Entry e : entries) {
            if (cursor.seek(e.userKey(), e.trailer())) {
              cursor.value();
              cursor.trailer();
            }
          }
        } catch (CorruptionException e) {
          assertThat(e).hasMessageContaining(FILE).hasMessageContaining("offset " + OFFSET);
          raised++;
        } catch (RuntimeException | Error e) {
          fail("flip of byte " + i + " bit " + bit + " raised " + e, e);
        }
      }
    }
    // Flips in the restart array and entry headers are caught; flips in key bytes and values
    // mostly read as other keys and values, which only the block's checksum catches.
    assertThat(raised).isGreaterThan(original.length);
  }

  @Test
  void restartEntryWithSharedPrefix_raisesCorruption() {
    byte[] contents = contents(Entry.random(new Random(7), 8, 1, 4), 2);
    // The second restart point's entry claims one byte shared with its predecessor.
    int restarts = contents.length - 4 - 4 * Coding.getInt(contents, contents.length - 4);
    int second = Coding.getInt(contents, restarts + 4);
    assertThat(contents[second]).isZero();
    contents[second] = 1;
    LookupCursor cursor = new LookupCursor();
    assertThat(cursor.load(contents, contents.length, FILE, OFFSET)).isTrue();
    assertThatThrownBy(() -> cursor.seek(new byte[] {(byte) 0xFF}, 0))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("bad entry header: length 1 exceeds 0");
  }

  @Test
  void restartOffsetsOutOfOrder_raiseCorruption() {
    byte[] contents = contents(Entry.random(new Random(8), 12, 1, 4), 2);
    int count = Coding.getInt(contents, contents.length - 4);
    assertThat(count).isGreaterThan(2);
    int restarts = contents.length - 4 - 4 * count;
    Coding.putInt(contents, restarts + 8, Coding.getInt(contents, restarts + 4));
    assertThatThrownBy(() -> new LookupCursor().load(contents, contents.length, FILE, OFFSET))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("restart point 2 has bad offset");
  }

  /** A block of one entry, key {@code {1, 2, 3}} at sequence 5 and a 3-byte value. */
  private static byte[] oneEntry() {
    BlockBuilder b = new BlockBuilder(16);
    byte[] key = InternalKey.encode(new byte[] {1, 2, 3}, Trailer.pack(5, ValueKind.VALUE));
    b.add(key, key.length, new byte[] {7, 8, 9}, 3);
    b.finish();
    byte[] contents = Arrays.copyOf(b.buffer(), b.finishedSize());
    // The header: shared 0, unshared 11, value length 3.
    assertThat(Arrays.copyOf(contents, 3)).containsExactly(0, 11, 3);
    return contents;
  }

  @Test
  void valueRunningIntoTheRestartArray_raisesCorruption() {
    byte[] contents = oneEntry();
    contents[2] = 5; // two bytes past the entries, into the restart array
    LookupCursor cursor = new LookupCursor();
    assertThat(cursor.load(contents, contents.length, FILE, OFFSET)).isTrue();
    assertThatThrownBy(() -> cursor.seek(new byte[] {1, 2, 3}, Trailer.seekTrailer(10)))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("entry at block byte 0 overruns the block");
  }

  @Test
  void keyShorterThanItsTrailer_raisesCorruption() {
    byte[] contents = oneEntry();
    contents[1] = 7;
    contents[2] = 7; // the same entry bytes, read as a 7-byte key and a 7-byte value
    LookupCursor cursor = new LookupCursor();
    assertThat(cursor.load(contents, contents.length, FILE, OFFSET)).isTrue();
    assertThatThrownBy(() -> cursor.seek(new byte[] {1, 2, 3}, Trailer.seekTrailer(10)))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("key at block byte 0 is too short");
  }

  @Test
  void tombstoneWithValue_raisesCorruptionWhenFound() {
    byte[] user = {1, 2, 3};
    long trailer = Trailer.pack(5, ValueKind.DELETE);
    BlockBuilder b = new BlockBuilder(16);
    byte[] key = InternalKey.encode(user, trailer);
    b.add(key, key.length, new byte[] {9}, 1);
    b.finish();
    byte[] contents = Arrays.copyOf(b.buffer(), b.finishedSize());
    LookupCursor cursor = new LookupCursor();
    assertThat(cursor.load(contents, contents.length, FILE, OFFSET)).isTrue();
    assertThatThrownBy(() -> cursor.seek(user, Trailer.seekTrailer(10)))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("tombstone with a value");
  }
}
