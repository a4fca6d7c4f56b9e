package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.version.FileNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Column families: separate keyspaces with their own settings, memtables and levels in one
 * database; creation and drop, reopening, handles, per-family flush and compaction, the WAL kept
 * only while a family still needs it, cross-family batches and reads at one snapshot. Crashes and
 * power losses with families are {@code reliability.ColumnFamilyPowerLossTest}.
 */
class ColumnFamilyTest {
  @TempDir Path tmp;

  private Path db() {
    return tmp.resolve("db");
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static Options.Builder options() {
    return Options.builder()
        .memtableSizeBytes(32 * 1024)
        .targetFileSizeBytes(16 * 1024)
        .blockSizeBytes(512)
        .level0CompactionTrigger(2)
        .compression(Compression.NONE);
  }

  private static List<String> scan(StrataDB db, ColumnFamilyHandle cf) {
    List<String> out = new ArrayList<>();
    try (DBIterator it = db.newIterator(cf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(s(it.key()) + "=" + s(it.value()));
      }
    }
    return out;
  }

  @Test
  void families_areSeparateKeyspaces_andSurviveReopen() {
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(db.listColumnFamilies()).containsExactly("default");
      ColumnFamilyHandle users = db.createColumnFamily("users", ColumnFamilyOptions.defaults());
      ColumnFamilyHandle index = db.createColumnFamily("index", ColumnFamilyOptions.defaults());
      assertThat(db.listColumnFamilies()).containsExactly("default", "users", "index");
      assertThat(db.columnFamily("users")).isSameAs(users);
      assertThat(db.columnFamily("nope")).isNull();
      assertThat(db.defaultColumnFamily().name()).isEqualTo("default");
      assertThat(db.defaultColumnFamily().id()).isZero();
      assertThat(users.id()).isNotZero().isNotEqualTo(index.id());

      db.put(b("k"), b("default"));
      db.put(users, b("k"), b("users"));
      db.put(index, b("k"), b("index"));
      db.put(db.defaultColumnFamily(), b("d"), b("via handle"));
      assertThat(s(db.get(b("k")))).isEqualTo("default");
      assertThat(s(db.get(users, b("k")))).isEqualTo("users");
      assertThat(s(db.get(index, b("k")))).isEqualTo("index");
      assertThat(db.get(users, b("d"))).isNull();
      db.delete(users, b("k"));
      assertThat(db.get(users, b("k"))).isNull();
      assertThat(s(db.get(b("k")))).isEqualTo("default");
      db.put(users, b("a"), b("1"));
      db.put(users, b("b"), b("2"));
      db.deleteRange(index, b("a"), b("z"));
      assertThat(db.get(index, b("k"))).isNull();
      assertThat(scan(db, users)).containsExactly("a=1", "b=2");
      assertThat(scan(db, null)).containsExactly("d=via handle", "k=default");
      // One family flushed to a table, the other left in its memtable (and so in the WAL).
      db.flush(users);
      assertThat(db.getProperty(users, "strata.num-files-at-level0")).isEqualTo("1");
      assertThat(db.getProperty(index, "strata.num-files-at-level0")).isEqualTo("0");
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
    }
    assertThat(StrataDB.listColumnFamilies(db(), Options.defaults()))
        .containsExactly("default", "users", "index");
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(db.listColumnFamilies()).containsExactly("default", "users", "index");
      ColumnFamilyHandle users = db.columnFamily("users");
      assertThat(scan(db, users)).containsExactly("a=1", "b=2");
      assertThat(scan(db, db.columnFamily("index"))).isEmpty();
      assertThat(scan(db, null)).containsExactly("d=via handle", "k=default");
    }
  }

  @Test
  void aBatchAcrossFamilies_isOneAtomicWrite_andMultiGetReadsEveryFamilyAtOnePoint() {
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      ColumnFamilyHandle c = db.createColumnFamily("c", ColumnFamilyOptions.defaults());
      WriteBatch batch = new WriteBatch().put(a, b("x"), b("1")).put(c, b("x"), b("2")).put(b("x"), b("3"));
      batch.delete(c, b("gone")).deleteRange(a, b("y"), b("z"));
      db.write(batch);
      Snapshot before = db.getSnapshot();
      db.write(new WriteBatch().put(a, b("x"), b("10")).put(c, b("x"), b("20")));
      List<byte[]> now =
          db.multiGet(Arrays.asList(a, c, null, c), List.of(b("x"), b("x"), b("x"), b("none")));
      assertThat(now.stream().map(ColumnFamilyTest::s)).containsExactly("10", "20", "3", null);
      List<byte[]> then =
          db.multiGet(
              Arrays.asList(a, c, null),
              List.of(b("x"), b("x"), b("x")),
              ReadOptions.builder().snapshot(before).build());
      assertThat(then.stream().map(ColumnFamilyTest::s)).containsExactly("1", "2", "3");
      // A snapshot spans every family.
      assertThat(s(db.get(c, b("x"), ReadOptions.builder().snapshot(before).build())))
          .isEqualTo("2");
      before.close();
      assertThatThrownBy(() -> db.multiGet(List.of(a), List.of(b("x"), b("y"))))
          .isInstanceOf(IllegalArgumentException.class);
    }
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(s(db.get(db.columnFamily("a"), b("x")))).isEqualTo("10");
      assertThat(s(db.get(db.columnFamily("c"), b("x")))).isEqualTo("20");
    }
  }

  /** An 8-byte little-endian counter, as {@code MergeOperators.uint64Add()} reads it. */
  private static byte[] counter(long v) {
    return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  private static long count(byte[] b) {
    return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
  }

  @Test
  void eachFamily_runsWithItsOwnSettings() {
    ColumnFamilyOptions counters =
        ColumnFamilyOptions.builder()
            .mergeOperator(MergeOperators.uint64Add())
            .memtableSizeBytes(4 * 1024)
            .compression(Compression.LZ4)
            .build();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle c = db.createColumnFamily("counters", counters);
      ColumnFamilyHandle plain = db.createColumnFamily("plain", ColumnFamilyOptions.defaults());
      byte[] one = counter(1);
      for (int i = 0; i < 500; i++) {
        db.merge(c, b("hits"), one);
      }
      assertThat(count(db.get(c, b("hits")))).isEqualTo(500);
      // The default family and "plain" have no merge operator.
      assertThatThrownBy(() -> db.merge(plain, b("hits"), one))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("plain");
      assertThatThrownBy(() -> db.merge(b("hits"), one)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> db.write(new WriteBatch().put(b("p"), b("q")).merge(plain, b("k"), one)))
          .isInstanceOf(IllegalStateException.class);
      assertThat(db.get(b("p"))).isNull();
      // The 4 KiB memtable of "counters" filled and flushed on its own; the others did not.
      db.flush(c);
      assertThat(Long.parseLong(db.getProperty(c, "strata.num-files-at-level0"))
              + Long.parseLong(db.getProperty(c, "strata.num-files-at-level1")))
          .isPositive();
      assertThat(db.getProperty(plain, "strata.num-files-at-level0")).isEqualTo("0");
    }
    // Reopened with the family's operator named in the options, its operands still read.
    Options reopen = options().columnFamilyOptions("counters", counters).build();
    try (StrataDB db = StrataDB.open(db(), reopen)) {
      ColumnFamilyHandle c = db.columnFamily("counters");
      assertThat(count(db.get(c, b("hits")))).isEqualTo(500);
      db.compactRange(c, null, null);
      assertThat(count(db.get(c, b("hits")))).isEqualTo(500);
    }
  }

  @Test
  void names_andHandles_areChecked() throws IOException {
    try (StrataDB db = StrataDB.open(db(), options().build());
        StrataDB other = StrataDB.open(tmp.resolve("other"), options().build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      ColumnFamilyHandle foreign = other.createColumnFamily("a", ColumnFamilyOptions.defaults());
      assertThatThrownBy(() -> db.createColumnFamily("a", ColumnFamilyOptions.defaults()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("exists");
      assertThatThrownBy(() -> db.createColumnFamily("default", ColumnFamilyOptions.defaults()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> db.createColumnFamily("", ColumnFamilyOptions.defaults()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(
              () -> db.createColumnFamily("x".repeat(256), ColumnFamilyOptions.defaults()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> db.createColumnFamily(null, ColumnFamilyOptions.defaults()))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> db.put(foreign, b("k"), b("v")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("another database");
      assertThatThrownBy(() -> db.write(new WriteBatch().put(foreign, b("k"), b("v"))))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> db.dropColumnFamily(db.defaultColumnFamily()))
          .isInstanceOf(IllegalArgumentException.class);
      db.dropColumnFamily(a);
      assertThat(a.isDropped()).isTrue();
      assertThatThrownBy(() -> db.get(a, b("k"))).isInstanceOf(StrataException.class)
          .hasMessageContaining("dropped");
      assertThatThrownBy(() -> db.put(a, b("k"), b("v"))).isInstanceOf(StrataException.class);
      assertThatThrownBy(() -> db.newIterator(a)).isInstanceOf(StrataException.class);
      assertThatThrownBy(() -> db.dropColumnFamily(a)).isInstanceOf(StrataException.class);
      // The name is free again, for a new, empty family with a new id.
      ColumnFamilyHandle again = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      assertThat(again.id()).isNotEqualTo(a.id());
      assertThat(db.get(again, b("k"))).isNull();
    }
    try (StrataDB ro = StrataDB.openReadOnly(db(), options().build())) {
      assertThat(ro.listColumnFamilies()).containsExactly("default", "a");
      assertThatThrownBy(() -> ro.createColumnFamily("b", ColumnFamilyOptions.defaults()))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("read-only");
    }
  }

  @Test
  void dropping_deletesTheFamilysFiles_onceNoIteratorReadsThem() throws IOException {
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      for (int i = 0; i < 2000; i++) {
        db.put(a, b(String.format("k%05d", i)), b("v" + i));
      }
      db.flush(a);
      db.put(a, b("in-memtable"), b("m"));
      Path dir = FileNames.familyDir(db(), a.id());
      assertThat(tables(dir)).isNotEmpty();
      DBIterator it = db.newIterator(a);
      db.dropColumnFamily(a);
      // The iterator opened before the drop reads the whole family still.
      int n = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
      }
      assertThat(n).isEqualTo(2001);
      assertThat(tables(dir)).isNotEmpty();
      it.close();
      db.flush();
      assertThat(Files.exists(dir)).isFalse();
    }
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(db.listColumnFamilies()).containsExactly("default");
    }
  }

  @Test
  void aFamilyDroppedWhileAnIteratorReadsIt_isDeletedAtTheNextOpen() throws IOException {
    Path dir;
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      db.put(a, b("k"), b("v"));
      db.flush(a);
      dir = FileNames.familyDir(db(), a.id());
      DBIterator it = db.newIterator(a);
      db.dropColumnFamily(a);
      db.close();
      it.close();
    }
    assertThat(Files.exists(dir)).isTrue();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(db.listColumnFamilies()).containsExactly("default");
    }
    assertThat(Files.exists(dir)).isFalse();
  }

  private static List<String> tables(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> FileNames.parse(n).kind() == FileNames.Kind.TABLE)
          .toList();
    }
  }

  private static List<String> wals(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> FileNames.parse(n).kind() == FileNames.Kind.LOG)
          .toList();
    }
  }

  @Test
  void anIdleFamily_doesNotKeepOldWals_butAFamilyWithUnflushedWritesDoes() throws IOException {
    // No bound on the WALs' bytes in reach here; WalBoundTest shows the bound sealing the family.
    Options o = options().memtableSizeBytes(8 * 1024).maxTotalWalBytes(Long.MAX_VALUE).build();
    try (StrataDB db = StrataDB.open(db(), o)) {
      ColumnFamilyHandle idle = db.createColumnFamily("idle", ColumnFamilyOptions.defaults());
      byte[] value = new byte[200];
      for (int i = 0; i < 3000; i++) {
        db.put(b("k" + i), value);
      }
      db.flush();
      // The default family switched its memtable dozens of times; the idle family never wrote.
      // A flush returns once the WALs it made obsolete are deleted: only the active one is left.
      assertThat(wals(db())).hasSize(1);
      // One write to the other family holds its log (and every later one) until it is flushed.
      db.put(idle, b("pinned"), b("x"));
      for (int i = 0; i < 3000; i++) {
        db.put(b("k" + i), value);
      }
      db.flush();
      assertThat(wals(db()).size()).isGreaterThan(5);
      db.flush(idle);
      assertThat(wals(db())).hasSize(1);
    }
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(s(db.get(db.columnFamily("idle"), b("pinned")))).isEqualTo("x");
    }
  }

  @Test
  void unflushedWritesOfEveryFamily_replayFromTheSharedWal() {
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      ColumnFamilyHandle c = db.createColumnFamily("c", ColumnFamilyOptions.defaults());
      db.put(a, b("1"), b("a1"));
      db.put(b("1"), b("d1"));
      db.flush(a);
      db.put(a, b("2"), b("a2"));
      db.put(c, b("1"), b("c1"));
      db.merge(c, b("m"), b("ignored"), WriteOptions.DEFAULT);
    } catch (IllegalStateException expected) {
      // "c" has no merge operator; the writes before stand.
    }
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(scan(db, db.columnFamily("a"))).containsExactly("1=a1", "2=a2");
      assertThat(scan(db, db.columnFamily("c"))).containsExactly("1=c1");
      assertThat(scan(db, null)).containsExactly("1=d1");
    }
  }

  @Test
  void aCrashBetweenTheFamilysDirectoryAndTheManifest_leavesNoFamily() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(7);
    Path dir = Path.of("/db");
    Options o = options().fileSystem(fs).build();
    StrataDB db = StrataDB.open(dir, o);
    db.put(b("k"), b("v"), WriteOptions.SYNC);
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.FAMILY_CREATED_DIRECTORY) {
            throw new FaultInjectionFileSystem.SimulatedCrashException("at " + p);
          }
        });
    assertThatThrownBy(() -> db.createColumnFamily("a", ColumnFamilyOptions.defaults()))
        .hasRootCauseInstanceOf(FaultInjectionFileSystem.SimulatedCrashException.class);
    FaultInjectionFileSystem after = fs.crash(FaultInjectionFileSystem.CrashMode.DROP_UNSYNCED, new java.util.Random(1));
    db.close();
    try (StrataDB reopened = StrataDB.open(dir, options().fileSystem(after).build())) {
      assertThat(reopened.listColumnFamilies()).containsExactly("default");
      assertThat(s(reopened.get(b("k")))).isEqualTo("v");
      assertThat(after.exists(FileNames.familyDir(dir, 1))).isFalse();
      // The id is not reused for a family that never existed either way.
      ColumnFamilyHandle a = reopened.createColumnFamily("a", ColumnFamilyOptions.defaults());
      reopened.put(a, b("k"), b("a"));
      assertThat(s(reopened.get(a, b("k")))).isEqualTo("a");
    }
  }

  @Test
  void concurrentWritersToSeveralFamilies_whileOneIsCreatedAndDropped() throws Exception {
    try (StrataDB db = StrataDB.open(db(), options().memtableSizeBytes(16 * 1024).build())) {
      ColumnFamilyHandle[] fams = {
        db.defaultColumnFamily(),
        db.createColumnFamily("one", ColumnFamilyOptions.defaults()),
        db.createColumnFamily("two", ColumnFamilyOptions.builder().memtableShards(1).build())
      };
      int threads = 4;
      int perThread = 3000;
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads + 1);
      List<Thread> ts = new ArrayList<>();
      java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors =
          new java.util.concurrent.ConcurrentLinkedQueue<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        Thread th =
            new Thread(
                () -> {
                  try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                      String k = "t" + id + "-" + i;
                      db.write(
                          new WriteBatch()
                              .put(fams[0], b(k), b("0"))
                              .put(fams[1], b(k), b("1"))
                              .put(fams[2], b(k), b("2")));
                    }
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                });
        th.start();
        ts.add(th);
      }
      start.await();
      for (int round = 0; round < 20; round++) {
        ColumnFamilyHandle temp = db.createColumnFamily("temp", ColumnFamilyOptions.defaults());
        db.put(temp, b("x"), b("y"));
        db.flush(temp);
        db.dropColumnFamily(temp);
      }
      for (Thread th : ts) {
        th.join();
      }
      assertThat(errors).isEmpty();
      for (int f = 0; f < 3; f++) {
        assertThat(scan(db, fams[f])).hasSize(threads * perThread);
      }
      // Every batch reached all three families or none, at any snapshot.
      try (Snapshot snap = db.getSnapshot()) {
        ReadOptions at = ReadOptions.builder().snapshot(snap).build();
        for (int t = 0; t < threads; t++) {
          for (int i = 0; i < perThread; i += 97) {
            byte[] k = b("t" + t + "-" + i);
            assertThat(s(db.get(fams[2], k, at))).isEqualTo("2");
          }
        }
      }
    }
  }

  @Test
  void aCheckpoint_holdsEveryFamily_inTablesAndInTheWal_andOpensBothWays() {
    Path cp = tmp.resolve("cp");
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      ColumnFamilyHandle c = db.createColumnFamily("c", ColumnFamilyOptions.defaults());
      for (int i = 0; i < 500; i++) {
        db.write(new WriteBatch().put(a, b("k" + i), b("a" + i)).put(c, b("k" + i), b("c" + i)));
      }
      db.flush(a);
      db.put(b("only-in-wal"), b("d"), WriteOptions.builder().build());
      db.put(c, b("late"), b("c"));
      db.createCheckpoint(cp);
      db.put(a, b("after"), b("x"));
      db.dropColumnFamily(c);
    }
    assertThat(StrataDB.listColumnFamilies(cp, Options.defaults())).containsExactly("default", "a", "c");
    try (StrataDB ro = StrataDB.openReadOnly(cp, options().build())) {
      assertThat(scan(ro, ro.columnFamily("a"))).hasSize(500);
      assertThat(scan(ro, ro.columnFamily("c"))).hasSize(501);
      assertThat(s(ro.get(b("only-in-wal")))).isEqualTo("d");
    }
    try (StrataDB copy = StrataDB.open(cp, options().build())) {
      ColumnFamilyHandle a = copy.columnFamily("a");
      ColumnFamilyHandle c = copy.columnFamily("c");
      assertThat(scan(copy, a)).hasSize(500).contains("k7=a7");
      assertThat(s(copy.get(c, b("late")))).isEqualTo("c");
      assertThat(copy.get(a, b("after"))).isNull();
      // The copy is a database of its own: it takes writes and families.
      copy.put(c, b("new"), b("n"));
      copy.createColumnFamily("e", ColumnFamilyOptions.defaults());
    }
    try (StrataDB copy = StrataDB.open(cp, options().build())) {
      assertThat(copy.listColumnFamilies()).containsExactly("default", "a", "c", "e");
      assertThat(s(copy.get(copy.columnFamily("c"), b("new")))).isEqualTo("n");
    }
  }

  @Test
  void aCheckpointTakenDuringCrossFamilyBatches_holdsEachBatchWhole() throws Exception {
    try (StrataDB db = StrataDB.open(db(), options().memtableSizeBytes(16 * 1024).build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      ColumnFamilyHandle c =
          db.createColumnFamily("c", ColumnFamilyOptions.builder().memtableSizeBytes(64 * 1024).build());
      int threads = 2;
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors =
          new java.util.concurrent.ConcurrentLinkedQueue<>();
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        Thread th =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; !stop.get(); i++) {
                      // Batch i of thread t: the counter in both families, and a row per batch.
                      byte[] n = b(Integer.toString(i));
                      db.write(
                          new WriteBatch()
                              .put(a, b("t" + id), n)
                              .put(c, b("t" + id), n)
                              .put(a, b(String.format("row-%d-%08d", id, i)), new byte[100]));
                    }
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                });
        th.start();
        ts.add(th);
      }
      for (int k = 0; k < 4; k++) {
        Path cp = tmp.resolve("cp" + k);
        db.createCheckpoint(cp);
        try (StrataDB copy = StrataDB.open(cp, options().build())) {
          for (int t = 0; t < threads; t++) {
            String inA = s(copy.get(copy.columnFamily("a"), b("t" + t)));
            String inC = s(copy.get(copy.columnFamily("c"), b("t" + t)));
            assertThat(inC).as("checkpoint %d thread %d", k, t).isEqualTo(inA);
            int rows = 0;
            try (DBIterator it =
                copy.newIterator(
                    copy.columnFamily("a"),
                    ReadOptions.builder()
                        .lowerBound(b("row-" + t + "-"))
                        .upperBound(b("row-" + t + ".")).build())) {
              for (it.seekToFirst(); it.isValid(); it.next()) {
                rows++;
              }
            }
            assertThat(rows).isEqualTo(inA == null ? 0 : Integer.parseInt(inA) + 1);
          }
        }
      }
      stop.set(true);
      for (Thread th : ts) {
        th.join();
      }
      assertThat(errors).isEmpty();
    }
  }

  @Test
  void repair_rebuildsEveryFamily_fromItsTablesAndTheSharedWal() throws IOException {
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      ColumnFamilyHandle gone = db.createColumnFamily("gone", ColumnFamilyOptions.defaults());
      for (int i = 0; i < 300; i++) {
        db.write(new WriteBatch().put(a, b("k" + i), b("a" + i)).put(b("k" + i), b("d" + i)));
      }
      db.put(gone, b("x"), b("y"));
      db.flush(a);
      db.put(a, b("wal-only"), b("w"));
      db.put(b("wal-only"), b("w0"));
      db.dropColumnFamily(gone);
    }
    // The database's CURRENT and manifests lost: repair knows no manifest to trust.
    try (Stream<Path> files = Files.list(db())) {
      for (Path f : files.toList()) {
        String n = f.getFileName().toString();
        if (n.equals(FileNames.CURRENT) || n.startsWith(FileNames.MANIFEST_PREFIX)) {
          Files.delete(f);
        }
      }
    }
    dev.strata.RepairReport report = StrataDB.repair(db(), options().build());
    assertThat(report.tablesUnreadable()).isEmpty();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      // With no manifest to name it, the family keeps its directory's name.
      assertThat(db.listColumnFamilies()).hasSize(2).startsWith("default");
      ColumnFamilyHandle a = db.columnFamily(db.listColumnFamilies().get(1));
      assertThat(scan(db, a)).hasSize(301).contains("k5=a5", "wal-only=w");
      assertThat(scan(db, null)).hasSize(301).contains("k5=d5", "wal-only=w0");
    }
    // With the manifest readable, the names and the drop stand.
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle a = db.columnFamily(db.listColumnFamilies().get(1));
      db.put(a, b("more"), b("m"));
    }
    StrataDB.repair(db(), options().build());
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(db.listColumnFamilies()).hasSize(2);
      assertThat(scan(db, db.columnFamily(db.listColumnFamilies().get(1)))).hasSize(302);
    }
  }

  @Test
  void repair_keepsTheFamilyNamesTheManifestRecords() {
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle a = db.createColumnFamily("alpha", ColumnFamilyOptions.defaults());
      db.put(a, b("k"), b("v"));
      db.flush(a);
      db.put(a, b("k2"), b("v2"));
    }
    StrataDB.repair(db(), options().build());
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(db.listColumnFamilies()).containsExactly("default", "alpha");
      assertThat(scan(db, db.columnFamily("alpha"))).containsExactly("k=v", "k2=v2");
    }
  }
}
