package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeDebugTest {
  @TempDir Path dir;

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String s(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void variants() {
    Options o = Options.builder().mergeOperator(MergeOperators.stringAppend((byte) ',')).backgroundCompaction(false).build();
    String[][] scripts = {
      {"put OLD", "del", "merge X"},
      {"put OLD", "flush", "del", "merge X"},
      {"put OLD", "flush", "del", "flush", "merge X"},
      {"put OLD", "flush", "del", "merge X", "flush"},
      {"put OLD", "del", "merge X", "flush"},
      {"put OLD", "del", "merge X", "flush", "compact"},
      {"put OLD", "compact", "del", "merge X", "flush"},
      {"put OLD", "compact", "del", "flush", "merge X", "flush"},
      {"put OLD", "compact", "del", "flush", "merge X", "flush", "compact"},
      {"put OLD", "snap", "del", "merge X", "flush"},
      {"put OLD", "snap", "del", "merge X", "flush", "compact"},
      {"put OLD", "flush", "snap", "del", "merge X", "flush", "compact"},
      {"put OLD", "rdel", "merge X"},
      {"put OLD", "flush", "rdel", "merge X"},
      {"put OLD", "flush", "rdel", "flush", "merge X"},
      {"put OLD", "rdel", "merge X", "flush"},
      {"put OLD", "rdel", "merge X", "flush", "compact"},
      {"put OLD", "compact", "rdel", "merge X", "flush"},
      {"put OLD", "compact", "rdel", "flush", "merge X", "flush", "compact"},
      {"put OLD", "snap", "rdel", "merge X", "flush", "compact"},
      {"put OLD", "flush", "snap", "rdel", "merge X", "flush", "compact"},
      {"put OLD", "merge Y", "rdel", "merge X"},
      {"put OLD", "merge Y", "flush", "rdel", "merge X", "flush", "compact"},
    };
    int n = 0;
    for (String[] script : scripts) {
      Path d = dir.resolve("db" + n++);
      try (StrataDB db = StrataDB.open(d, o)) {
        Snapshot snap = null;
        for (String step : script) {
          String[] p = step.split(" ");
          switch (p[0]) {
            case "put" -> db.put(b("k"), b(p[1]));
            case "del" -> db.delete(b("k"));
            case "rdel" -> db.deleteRange(b("a"), b("z"));
            case "merge" -> db.merge(b("k"), b(p[1]));
            case "flush" -> db.flush();
            case "compact" -> db.compactRange(null, null);
            case "snap" -> snap = db.getSnapshot();
            default -> throw new IllegalArgumentException(step);
          }
        }
        assertThat(s(db.get(b("k")))).as(String.join(";", script)).isEqualTo("X");
        if (snap != null) {
          snap.close();
        }
      }
    }
  }
}
