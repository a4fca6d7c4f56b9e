package dev.strata;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A caller may reuse the arrays it passed to a write as soon as the write returns, as a client
 * that encodes every record into one buffer does: what is stored is what the arrays held during
 * the call, in the memtable, in the tables a flush writes and in what recovery replays from the
 * WAL, whichever memtable kind keeps or copies them.
 */
class CallerArraysTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static void scribble(byte[] a) {
    Arrays.fill(a, (byte) 'x');
  }

  private Options options(MemtableKind kind) {
    return Options.builder()
        .memtable(kind)
        .mergeOperator(MergeOperators.stringAppend((byte) ','))
        .backgroundCompaction(false)
        .build();
  }

  @ParameterizedTest
  @EnumSource(MemtableKind.class)
  void arraysReusedAfterEachWriteLeaveWhatWasWritten(MemtableKind kind) {
    Path path = dir.resolve("db");
    try (StrataDB db = StrataDB.open(path, options(kind))) {
      writeThenScribble(db);
      assertWritten(db);
    }
    // Recovery replays the WAL: the log holds the bytes of the call, not the reused arrays.
    try (StrataDB db = StrataDB.open(path, options(kind))) {
      assertWritten(db);
      db.flush();
      assertWritten(db);
    }
  }

  /** One buffer per role, reused for every write, as a client's encoder reuses its own. */
  private static void writeThenScribble(StrataDB db) {
    for (String name : new String[] {"a", "b", "c", "m", "r1", "r2", "r3"}) {
      byte[] k = bytes(name);
      byte[] v = bytes("value-of-" + name);
      db.put(k, v);
      scribble(k);
      scribble(v);
    }
    byte[] k = bytes("m");
    byte[] operand = bytes("more");
    db.merge(k, operand);
    scribble(k);
    scribble(operand);

    byte[] gone = bytes("c");
    db.delete(gone);
    scribble(gone);

    byte[] begin = bytes("r2");
    byte[] end = bytes("r3");
    db.deleteRange(begin, end);
    scribble(begin);
    scribble(end);

    WriteBatch batch = new WriteBatch();
    byte[] bk = bytes("d");
    byte[] bv = bytes("value-of-d");
    batch.put(bk, bv);
    scribble(bk);
    scribble(bv);
    db.write(batch);
  }

  private static void assertWritten(StrataDB db) {
    for (String name : new String[] {"a", "b", "d", "r1", "r3"}) {
      assertThat(db.get(bytes(name))).as(name).isEqualTo(bytes("value-of-" + name));
    }
    assertThat(db.get(bytes("m"))).isEqualTo(bytes("value-of-m,more"));
    assertThat(db.get(bytes("c"))).isNull();
    assertThat(db.get(bytes("r2"))).isNull();
    assertThat(db.get(bytes("x"))).isNull();
    assertThat(db.get(bytes("xx"))).isNull();
    int n = 0;
    try (DBIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        assertThat(it.key()[0]).isNotEqualTo((byte) 'x');
        n++;
      }
    }
    assertThat(n).isEqualTo(6);
  }
}
