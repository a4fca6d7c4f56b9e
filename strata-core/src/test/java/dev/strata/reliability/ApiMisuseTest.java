package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.util.Coding;
import dev.strata.util.Crc32c;
import dev.strata.wal.LogWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table of API misuse cases, each answered by its documented exception with a clear message, and
 * none of which damages the database: after each case a fresh write and read still work (or, for
 * open errors, the database opens once the misuse is gone). Complements {@code BadInputTest}.
 */
class ApiMisuseTest {
  private static final Path DIR = Path.of("/db");
  private static final byte[] K = {'k'};
  private static final byte[] V = {'v'};
  private static final byte[] BIG_KEY = new byte[StrataDB.MAX_KEY_BYTES + 1];
  private static final byte[] BIG_VALUE = new byte[StrataDB.MAX_VALUE_BYTES + 1];

  /** The state a case may use: an open database, its file system, a second database. */
  record Env(FaultInjectionFileSystem fs, StrataDB db) {}

  interface Case {
    void run(Env env) throws Exception;
  }

  private static Arguments c(String name, Class<? extends Throwable> type, String text, Case call) {
    return Arguments.of(name, type, text, call);
  }

  private static Options opts(FaultInjectionFileSystem fs) {
    return Options.builder().fileSystem(fs).build();
  }

  static Stream<Arguments> cases() {
    List<Arguments> t = new ArrayList<>();
    // Nulls.
    t.add(c("put null key", NullPointerException.class, "key", e -> e.db().put(null, V)));
    t.add(c("put null value", NullPointerException.class, "value", e -> e.db().put(K, null)));
    t.add(c("put null options", NullPointerException.class, "write options", e -> e.db().put(K, V, null)));
    t.add(c("get null key", NullPointerException.class, "key", e -> e.db().get(null)));
    t.add(c("get null options", NullPointerException.class, "read options", e -> e.db().get(K, null)));
    t.add(c("delete null key", NullPointerException.class, "key", e -> e.db().delete(null)));
    t.add(c("delete null options", NullPointerException.class, "write options", e -> e.db().delete(K, null)));
    t.add(c("write null batch", NullPointerException.class, "batch", e -> e.db().write(null, WriteOptions.DEFAULT)));
    t.add(c("write null options", NullPointerException.class, "write options", e -> e.db().write(new WriteBatch(), null)));
    t.add(c("iterator null options", NullPointerException.class, "read options", e -> e.db().newIterator((ReadOptions) null)));
    t.add(c("property null name", NullPointerException.class, "name", e -> e.db().getProperty(null)));
    t.add(c("batch put null key", NullPointerException.class, "key", e -> new WriteBatch().put(null, V)));
    t.add(c("batch put null value", NullPointerException.class, "value", e -> new WriteBatch().put(K, null)));
    t.add(c("batch delete null key", NullPointerException.class, "key", e -> new WriteBatch().delete(null)));
    t.add(c("iterator seek null", NullPointerException.class, "target", e -> {
      try (DBIterator it = e.db().newIterator()) {
        it.seek(null);
      }
    }));
    t.add(c("iterator seekForPrev null", NullPointerException.class, "target", e -> {
      try (DBIterator it = e.db().newIterator()) {
        it.seekForPrev(null);
      }
    }));
    t.add(c("open null dir", NullPointerException.class, "dir", e -> StrataDB.open(null, opts(e.fs()))));
    t.add(c("open null options", NullPointerException.class, "options", e -> StrataDB.open(DIR, null)));
    // Oversized.
    t.add(c("put oversized key", IllegalArgumentException.class, "exceeds", e -> e.db().put(BIG_KEY, V)));
    t.add(c("put oversized value", IllegalArgumentException.class, "exceeds", e -> e.db().put(K, BIG_VALUE)));
    t.add(c("delete oversized key", IllegalArgumentException.class, "exceeds", e -> e.db().delete(BIG_KEY)));
    t.add(c("batch oversized key", IllegalArgumentException.class, "exceeds", e -> new WriteBatch().put(BIG_KEY, V)));
    t.add(c("batch oversized value", IllegalArgumentException.class, "exceeds", e -> new WriteBatch().put(K, BIG_VALUE)));
    // Closed database, released snapshot, closed iterator.
    t.add(c("put after close", StrataException.class, "closed", e -> closed(e).put(K, V)));
    t.add(c("get after close", StrataException.class, "closed", e -> closed(e).get(K)));
    t.add(c("snapshot after close", StrataException.class, "closed", e -> closed(e).getSnapshot()));
    t.add(c("flush after close", StrataException.class, "closed", e -> closed(e).flush()));
    t.add(c("iterator after db close", StrataException.class, "closed", e -> {
      StrataDB db = StrataDB.open(Path.of("/other"), opts(e.fs()));
      DBIterator it = db.newIterator();
      db.close();
      it.seekToFirst();
    }));
    t.add(c("released snapshot read", StrataException.class, "released", e -> {
      Snapshot s = e.db().getSnapshot();
      s.close();
      e.db().get(K, ReadOptions.builder().snapshot(s).build());
    }));
    t.add(c("released snapshot iterator", StrataException.class, "released", e -> {
      Snapshot s = e.db().getSnapshot();
      s.close();
      e.db().newIterator(ReadOptions.builder().snapshot(s).build());
    }));
    t.add(c("snapshot of another db", IllegalArgumentException.class, "another database", e -> {
      try (StrataDB other = StrataDB.open(Path.of("/other"), opts(e.fs()));
          Snapshot s = other.getSnapshot()) {
        e.db().get(K, ReadOptions.builder().snapshot(s).build());
      }
    }));
    t.add(c("iterator next after close", StrataException.class, "closed", e -> {
      DBIterator it = e.db().newIterator();
      it.close();
      it.next();
    }));
    t.add(c("iterator key unpositioned", IllegalStateException.class, "not positioned", e -> {
      try (DBIterator it = e.db().newIterator()) {
        it.seek(new byte[] {(byte) 0xFF});
        it.key();
      }
    }));
    // Invalid options.
    t.add(c("shards not a power of two", IllegalArgumentException.class, "memtableShards", e -> Options.builder().memtableShards(3)));
    t.add(c("memtable too small", IllegalArgumentException.class, "memtableSizeBytes", e -> Options.builder().memtableSizeBytes(10)));
    t.add(c("block size too small", IllegalArgumentException.class, "blockSizeBytes", e -> Options.builder().blockSizeBytes(1)));
    t.add(c("negative bloom bits", IllegalArgumentException.class, "bloomBitsPerKey", e -> Options.builder().bloomBitsPerKey(-1)));
    t.add(c("max open files", IllegalArgumentException.class, "maxOpenFiles", e -> Options.builder().maxOpenFiles(1)));
    t.add(c("immutables zero", IllegalArgumentException.class, "maxImmutableMemtables", e -> Options.builder().maxImmutableMemtables(0)));
    t.add(c("stall timeout zero", IllegalArgumentException.class, "writeStallTimeout", e -> Options.builder().writeStallTimeout(Duration.ZERO)));
    t.add(c("triggers out of order", IllegalArgumentException.class, "level-0 triggers", e -> Options.builder().level0CompactionTrigger(10).level0SlowdownTrigger(5).build()));
    t.add(c("level multiplier", IllegalArgumentException.class, "levelSizeMultiplier", e -> Options.builder().levelSizeMultiplier(1)));
    // Directories.
    t.add(c("locked directory", StrataException.class, "lock", e -> StrataDB.open(DIR, opts(e.fs()))));
    t.add(c("missing directory", StrataException.class, "does not exist", e -> StrataDB.open(Path.of("/missing"), Options.builder().fileSystem(e.fs()).createIfMissing(false).build())));
    t.add(c("not a database", StrataException.class, "does not hold a database", e -> {
      e.fs().createDirectories(Path.of("/empty"));
      StrataDB.open(Path.of("/empty"), Options.builder().fileSystem(e.fs()).createIfMissing(false).build());
    }));
    t.add(c("error if exists", StrataException.class, "already exists", e -> {
      StrataDB.open(Path.of("/other"), opts(e.fs())).close();
      StrataDB.open(Path.of("/other"), Options.builder().fileSystem(e.fs()).errorIfExists(true).build());
    }));
    t.add(c("newer table format version", CorruptionException.class, "version", e -> {
      Path other = Path.of("/other");
      try (StrataDB db = StrataDB.open(other, opts(e.fs()))) {
        db.put(K, V);
        db.flush();
      }
      Path table = e.fs().list(other).stream().filter(n -> n.endsWith(".sst")).map(other::resolve)
          .findFirst().orElseThrow();
      byte[] c = e.fs().read(table);
      int f = c.length - 64;
      Coding.putInt(c, f + 48, 3); // one past the newest table format version
      Coding.putInt(c, f + 52, Crc32c.compute(c, f, 52));
      e.fs().overwrite(table, c);
      try (StrataDB db = StrataDB.open(other, opts(e.fs()))) {
        db.get(K);
      }
    }));
    t.add(c("newer manifest tag", CorruptionException.class, "MANIFEST", e -> {
      Path other = Path.of("/other");
      StrataDB.open(other, opts(e.fs())).close();
      String manifest = e.fs().list(other).stream().filter(n -> n.startsWith("MANIFEST-"))
          .findFirst().orElseThrow();
      byte[] old = e.fs().read(other.resolve(manifest));
      try (LogWriter w = new LogWriter(e.fs().create(other.resolve(manifest)), manifest)) {
        w.addRecord(old, 13, old.length - 13);
        byte[] newer = {99, 1};
        w.addRecord(newer, 0, newer.length);
      }
      StrataDB.open(other, opts(e.fs()));
    }));
    return t.stream();
  }

  private static StrataDB closed(Env e) {
    StrataDB db = StrataDB.open(Path.of("/closed"), opts(e.fs()));
    db.close();
    return db;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void misuse_raisesDocumentedException(
      String name, Class<? extends Throwable> type, String text, Case call) throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, opts(fs))) {
      db.put(K, V);
      Env env = new Env(fs, db);
      assertThatThrownBy(() -> call.run(env))
          .as(name)
          .isInstanceOf(type)
          .hasMessageContaining(text);
      db.put(new byte[] {'x'}, V);
      assertThat(db.get(K)).isEqualTo(V);
      assertThat(db.get(new byte[] {'x'})).isEqualTo(V);
    }
  }
}
