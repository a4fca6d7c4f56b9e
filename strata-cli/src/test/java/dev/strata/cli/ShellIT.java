package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defect 7: the shell, fed a script on stdin (no terminal), as a user would pipe one in. */
class ShellIT {
  @TempDir Path tmp;

  /**
   * Before the fix, the shell split lines with String.split: "put K V W" stored V and dropped W,
   * "put --hex zz 00" stored the key "--hex", and quotes were part of the words (exit 0 for all).
   */
  @Test
  void script_quotesLikeAPosixShell_andRefusesWrongArguments() {
    String db = tmp.resolve("db").toString();
    String script = """
        put K V W
        put --hex zz 00
        put "a b" 'c "d" e'
        put ab"c d"ef ''
        put --hex 6869 7468657265
        put -- --hex dashes
        put 'unclosed v
        get "a b"
        get abc\\ def
        get K
        scan
        bogus
        quit
        put never run
        """;
    dev.strata.StrataDB.open(tmp.resolve("db")).close();
    CliProcess.Result r = CliProcess.strata("shell", "--db", db).stdin(script).run();
    assertThat(r.out().split("\n"))
        .containsExactly(
            "error: Unmatched argument at index 3: 'W'; 'help' lists commands",
            "error: key is not hex: 'z' at position 1",
            "ok",
            "ok",
            "ok",
            "ok",
            "error: unclosed single quote at column 5",
            "c \"d\" e",
            "",
            "(not found)",
            "--hex\tdashes",
            "a b\tc \"d\" e",
            "abc def\t",
            "hi\tthere",
            "error: unknown command 'bogus'; 'help' lists commands");
    assertThat(r.code()).as(r.err()).isEqualTo(1);
  }
}
