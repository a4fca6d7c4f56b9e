package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API misuse is answered by the documented exception and loses nothing. */
class BadInputTest {
  @TempDir Path dir;

  private static final byte[] K = {1};
  private static final byte[] V = {2};

  @Test
  void nullsAndOversizedInputs_areRejectedWithClearErrors() {
    try (StrataDB db = StrataDB.open(dir)) {
      expect(() -> db.put(null, V), NullPointerException.class, "key");
      expect(() -> db.put(K, null), NullPointerException.class, "value");
      expect(() -> db.get(null), NullPointerException.class, "key");
      expect(() -> db.delete(null), NullPointerException.class, "key");
      expect(() -> db.put(K, V, null), NullPointerException.class, "write options");
      expect(() -> db.write(null, WriteOptions.DEFAULT), NullPointerException.class, "batch");
      expect(() -> db.get(K, null), NullPointerException.class, "read options");
      expect(() -> db.newIterator((ReadOptions) null), NullPointerException.class, "read options");
      expect(() -> db.put(new byte[StrataDB.MAX_KEY_BYTES + 1], V), IllegalArgumentException.class, "exceeds");
      expect(() -> db.delete(new byte[StrataDB.MAX_KEY_BYTES + 1]), IllegalArgumentException.class, "exceeds");
      expect(() -> db.put(K, new byte[StrataDB.MAX_VALUE_BYTES + 1]), IllegalArgumentException.class, "exceeds");
      expect(() -> new WriteBatch().put(null, V), NullPointerException.class, "key");
      expect(() -> new WriteBatch().put(K, null), NullPointerException.class, "value");
      expect(() -> new WriteBatch().delete(new byte[StrataDB.MAX_KEY_BYTES + 1]), IllegalArgumentException.class, "exceeds");
      expect(() -> db.getProperty(null), NullPointerException.class, "name");
      // Nothing was lost or half-applied by the rejected calls; edge sizes work.
      db.put(new byte[0], new byte[0]);
      db.put(new byte[StrataDB.MAX_KEY_BYTES], V);
      assertThat(db.get(new byte[0])).isEmpty();
      assertThat(db.get(new byte[StrataDB.MAX_KEY_BYTES])).isEqualTo(V);
      assertThat(db.get(K)).isNull();
      assertThat(db.getProperty("no.such.property")).isNull();
    }
  }

  @Test
  void everyCallAfterClose_throwsStrataException() {
    StrataDB db = StrataDB.open(dir);
    DBIterator it = db.newIterator();
    db.close();
    for (ThrowingCallable call :
        new ThrowingCallable[] {
          () -> db.put(K, V),
          () -> db.get(K),
          () -> db.delete(K),
          () -> db.write(new WriteBatch().put(K, V), WriteOptions.SYNC),
          db::getSnapshot,
          db::newIterator,
          db::flush,
          () -> db.compactRange(null, null),
          () -> db.getProperty("strata.stats"),
          it::seekToFirst
        }) {
      expect(call, StrataException.class, "closed");
    }
    it.close();
  }

  @Test
  void releasedSnapshotAndClosedIterator_areRejected() {
    try (StrataDB db = StrataDB.open(dir); StrataDB other = StrataDB.open(dir.resolve("other"))) {
      db.put(K, V);
      Snapshot s = db.getSnapshot();
      s.close();
      s.close();
      expect(() -> db.get(K, ReadOptions.builder().snapshot(s).build()), StrataException.class, "released");
      try (Snapshot foreign = other.getSnapshot()) {
        expect(() -> db.get(K, ReadOptions.builder().snapshot(foreign).build()), IllegalArgumentException.class, "another database");
      }
      DBIterator it = db.newIterator();
      it.seekToFirst();
      it.close();
      it.close();
      expect(it::next, StrataException.class, "closed");
      try (DBIterator fresh = db.newIterator()) {
        fresh.seek(new byte[] {9});
        assertThat(fresh.isValid()).isFalse();
        expect(fresh::key, IllegalStateException.class, "not positioned");
      }
    }
  }

  @Test
  void openErrors_areClear() throws Exception {
    Path missing = dir.resolve("missing");
    expect(
        () -> StrataDB.open(missing, Options.builder().createIfMissing(false).build()),
        StrataException.class,
        "does not exist");
    Path empty = Files.createDirectory(dir.resolve("empty"));
    expect(
        () -> StrataDB.open(empty, Options.builder().createIfMissing(false).build()),
        StrataException.class,
        "does not hold a database");
    Path db = dir.resolve("db");
    StrataDB.open(db).close();
    expect(
        () -> StrataDB.open(db, Options.builder().errorIfExists(true).build()),
        StrataException.class,
        "already exists");
    try (StrataDB held = StrataDB.open(db)) {
      expect(() -> StrataDB.open(db), StrataException.class, "lock");
    }
    expect(() -> StrataDB.open(null, Options.defaults()), NullPointerException.class, "dir");
  }

  @Test
  void missingTableAndDamagedCurrent_raiseCorruptionNamingTheFile() throws Exception {
    Path db = dir.resolve("db");
    try (StrataDB s = StrataDB.open(db)) {
      s.put(K, V);
      s.flush();
    }
    Path table;
    try (Stream<Path> files = Files.list(db)) {
      table = files.filter(p -> p.toString().endsWith(".sst")).findFirst().orElseThrow();
    }
    byte[] saved = Files.readAllBytes(table);
    Files.delete(table);
    assertThatThrownBy(() -> StrataDB.open(db))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining(table.getFileName().toString());
    Files.write(table, saved);
    Files.writeString(db.resolve("CURRENT"), "garbage");
    assertThatThrownBy(() -> StrataDB.open(db))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("CURRENT");
  }

  private static void expect(ThrowingCallable call, Class<? extends Throwable> type, String text) {
    assertThatThrownBy(call).isInstanceOf(type).hasMessageContaining(text);
  }
}
