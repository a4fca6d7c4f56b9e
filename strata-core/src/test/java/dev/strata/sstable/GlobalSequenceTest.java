package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import dev.strata.Options;
import dev.strata.SstFileWriter;
import dev.strata.fs.FileSystem;
import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ingested table read at its global sequence: every seek and step of its iterator lands where
 * it would in a table whose entries were stored at that sequence (checked against a sorted list of
 * the effective internal keys), point lookups honour the read's sequence, and its range tombstones
 * read one below its entries.
 */
class GlobalSequenceTest {
  private static final long GLOBAL = 1_000;

  @TempDir Path dir;

  private static byte[] key(int i) {
    return String.format("key%05d", i).getBytes(StandardCharsets.UTF_8);
  }

  /** Writes keys 0, 3, 6, ... with a mix of kinds; returns their effective internal keys. */
  private List<InternalKey> write(Path path, int count) {
    List<InternalKey> effective = new ArrayList<>();
    Options options = Options.builder().blockSizeBytes(256).build();
    try (SstFileWriter w = new SstFileWriter(options)) {
      w.open(path);
      w.deleteRange(key(30), key(60));
      for (int i = 0; i < count; i++) {
        byte[] k = key(3 * i);
        ValueKind kind = i % 7 == 0 ? ValueKind.DELETE : i % 5 == 0 ? ValueKind.MERGE : ValueKind.VALUE;
        switch (kind) {
          case DELETE -> w.delete(k);
          case MERGE -> w.merge(k, ("m" + i).getBytes(StandardCharsets.UTF_8));
          default -> w.put(k, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        effective.add(new InternalKey(k, GLOBAL, kind));
      }
      w.finish();
    }
    return effective;
  }

  private TableReader open(Path path, long globalSequence) throws IOException {
    FileSystem fs = FileSystem.nio();
    return TableReader.open(
        fs.openRead(path),
        path.toString(),
        Files.size(path),
        BlockCache.create(1 << 20),
        TableReadStats.NONE,
        globalSequence);
  }

  @Test
  void seeksAndSteps_landWhereTheyWouldOverEffectiveKeys() throws IOException {
    Path path = dir.resolve("t.sst");
    List<InternalKey> keys = write(path, 400);
    Random rnd = new Random(42);
    try (TableReader reader = open(path, GLOBAL);
        InternalIterator it = reader.newIterator(true, true)) {
      List<InternalKey> forward = new ArrayList<>();
      for (it.seekToFirst(); it.isValid(); it.next()) {
        forward.add(new InternalKey(it.userKey(), it.trailer()));
      }
      assertThat(forward).isEqualTo(keys);
      for (int round = 0; round < 3000; round++) {
        byte[] k = key(rnd.nextInt(3 * 400 + 3));
        long seq = GLOBAL + rnd.nextInt(5) - 2;
        long trailer =
            rnd.nextInt(4) == 0
                ? Trailer.seekTrailer(seq)
                : Trailer.pack(seq, ValueKind.values()[rnd.nextInt(ValueKind.values().length)]);
        InternalKey target = new InternalKey(k, trailer);
        int ceiling = 0;
        while (ceiling < keys.size() && keys.get(ceiling).compareTo(target) < 0) {
          ceiling++;
        }
        it.seek(k, trailer);
        assertPosition(it, ceiling < keys.size() ? keys.get(ceiling) : null, "seek " + target);
        int floor = keys.size() - 1;
        while (floor >= 0 && keys.get(floor).compareTo(target) > 0) {
          floor--;
        }
        it.seekForPrev(k, trailer);
        assertPosition(it, floor >= 0 ? keys.get(floor) : null, "seekForPrev " + target);
        if (it.isValid()) {
          it.prev();
          assertPosition(it, floor >= 1 ? keys.get(floor - 1) : null, "prev after " + target);
        }
      }
    }
  }

  private static void assertPosition(InternalIterator it, InternalKey expected, String what) {
    assertThat(it.isValid()).as(what).isEqualTo(expected != null);
    if (expected != null) {
      assertThat(new InternalKey(it.userKey(), it.trailer())).as(what).isEqualTo(expected);
    }
  }

  @Test
  void pointLookups_seeTheTableOnlyAtOrAboveItsSequence() throws IOException {
    Path path = dir.resolve("t.sst");
    write(path, 100);
    try (TableReader reader = open(path, GLOBAL)) {
      byte[] k = key(3);
      assertThat(reader.get(k, GLOBAL, true, true, false)).isEqualTo("v1".getBytes());
      assertThat(reader.get(k, GLOBAL - 1, true, true, false)).isNull();
      assertThat(reader.get(k, GLOBAL - 1, true, true, true)).isSameAs(Lookup.NEWER_ONLY);
      assertThat(reader.get(key(0), GLOBAL, true, true, false)).isSameAs(Lookup.DELETED);
      assertThat(reader.get(key(15), GLOBAL, true, true, false)).isSameAs(Lookup.MERGE);
      // Key 33 is a put inside the file's own range deletion [30, 60): the entry wins.
      assertThat(reader.get(key(33), GLOBAL, true, true, false)).isEqualTo("v11".getBytes());
      // Key 31 is not in the file: the range deletion answers, from one sequence below.
      assertThat(reader.get(key(31), GLOBAL, true, true, false)).isSameAs(Lookup.DELETED);
      assertThat(reader.get(key(31), GLOBAL - 1, true, true, false)).isSameAs(Lookup.DELETED);
      assertThat(reader.get(key(31), GLOBAL - 2, true, true, false)).isNull();
      assertThat(reader.rangeTombstones().largestSequence()).isEqualTo(GLOBAL - 1);
      TableReader.BlockReuse reuse = new TableReader.BlockReuse();
      assertThat(reader.get(k, TableReader.keyHash(k), GLOBAL, true, true, reuse))
          .isEqualTo("v1".getBytes());
      assertThat(reader.get(k, TableReader.keyHash(k), GLOBAL - 1, true, true, reuse)).isNull();
    }
  }

  @Test
  void aTableTheEngineWrote_cannotBeReadAtAGlobalSequence() throws IOException {
    Path path = dir.resolve("own.sst");
    List<Entry> entries = List.of(Entry.put("key1", 5, "x"));
    Tables.write(FileSystem.nio(), path, entries, TableOptions.defaults());
    assertThatThrownBy(() -> open(path, GLOBAL))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("not written for ingestion");
    try (TableReader plain = open(path, 0)) {
      assertThat(plain.properties().isExternal()).isFalse();
    }
  }
}
