package dev.strata;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrataDBTest {
  @TempDir Path dir;

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static String s(byte[] b) {
    return b == null ? null : new String(b, UTF_8);
  }

  @Test
  void get_afterPut_seesValue() {
    try (StrataDB db = StrataDB.open(dir)) {
      db.put(b("k1"), b("v1"));
      assertThat(s(db.get(b("k1")))).isEqualTo("v1");
      assertThat(db.get(b("k2"))).isNull();
    }
  }

  @Test
  void get_afterDelete_isNull() {
    try (StrataDB db = StrataDB.open(dir)) {
      db.put(b("k1"), b("v1"));
      db.delete(b("k1"));
      assertThat(db.get(b("k1"))).isNull();
    }
  }

  @Test
  void get_afterReopen_seesUnflushedWrites() {
    try (StrataDB db = StrataDB.open(dir)) {
      for (int i = 0; i < 1000; i++) {
        db.put(b("key" + i), b("value" + i));
      }
      db.delete(b("key7"));
    }
    try (StrataDB db = StrataDB.open(dir)) {
      assertThat(s(db.get(b("key999")))).isEqualTo("value999");
      assertThat(db.get(b("key7"))).isNull();
    }
  }

  @Test
  void get_afterFlushAndReopen_seesValues() {
    Options o = Options.builder().memtableSizeBytes(16 * 1024).build();
    try (StrataDB db = StrataDB.open(dir, o)) {
      for (int i = 0; i < 5000; i++) {
        db.put(b(String.format("key%05d", i)), b("value" + i));
      }
      db.flush();
      assertThat(Integer.parseInt(db.getProperty("strata.num-files-at-level0")))
          .isGreaterThanOrEqualTo(0);
      assertThat(s(db.get(b("key00042")))).isEqualTo("value42");
    }
    try (StrataDB db = StrataDB.open(dir, o)) {
      for (int i = 0; i < 5000; i += 7) {
        assertThat(s(db.get(b(String.format("key%05d", i))))).isEqualTo("value" + i);
      }
      db.compactRange(null, null);
      for (int i = 0; i < 5000; i += 3) {
        assertThat(s(db.get(b(String.format("key%05d", i))))).isEqualTo("value" + i);
      }
      assertThat(db.getProperty("strata.num-files-at-level6")).isNotEqualTo("0");
    }
  }

  @Test
  void iterator_forwardAndBackward_inOrder() {
    try (StrataDB db = StrataDB.open(dir)) {
      for (String k : new String[] {"c", "a", "e", "b", "d"}) {
        db.put(b(k), b(k.toUpperCase()));
      }
      db.delete(b("d"));
      List<String> fwd = new ArrayList<>();
      try (DBIterator it = db.newIterator()) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          fwd.add(s(it.key()) + "=" + s(it.value()));
        }
        List<String> back = new ArrayList<>();
        for (it.seekToLast(); it.isValid(); it.prev()) {
          back.add(s(it.key()));
        }
        assertThat(back).containsExactly("e", "c", "b", "a");
        it.seek(b("bb"));
        assertThat(s(it.key())).isEqualTo("c");
        it.prev();
        assertThat(s(it.key())).isEqualTo("b");
        it.seekForPrev(b("d"));
        assertThat(s(it.key())).isEqualTo("c");
        it.next();
        assertThat(s(it.key())).isEqualTo("e");
      }
      assertThat(fwd).containsExactly("a=A", "b=B", "c=C", "e=E");
    }
  }

  @Test
  void snapshot_afterLaterWrites_seesOldState() {
    try (StrataDB db = StrataDB.open(dir)) {
      db.put(b("k"), b("old"));
      try (Snapshot snap = db.getSnapshot()) {
        db.put(b("k"), b("new"));
        db.put(b("k2"), b("x"));
        ReadOptions ro = ReadOptions.builder().snapshot(snap).build();
        assertThat(s(db.get(b("k"), ro))).isEqualTo("old");
        assertThat(db.get(b("k2"), ro)).isNull();
        assertThat(s(db.get(b("k")))).isEqualTo("new");
      }
    }
  }

  @Test
  void open_whileOpenElsewhere_fails() {
    try (StrataDB db = StrataDB.open(dir)) {
      assertThatThrownBy(() -> StrataDB.open(dir))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("lock");
    }
  }

  @Test
  void put_afterClose_fails() {
    StrataDB db = StrataDB.open(dir);
    db.close();
    db.close();
    assertThatThrownBy(() -> db.put(b("k"), b("v")))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("closed");
  }
}
