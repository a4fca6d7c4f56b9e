package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link ShellWords} splits as a POSIX shell does (what `printf '[%s]' WORDS` would show). */
class ShellWordsTest {
  @Test
  void split_followsPosixQuoting() {
    assertThat(ShellWords.split("  put  a   b ")).containsExactly("put", "a", "b");
    assertThat(ShellWords.split("put 'a b' \"c\\\"d\"")).containsExactly("put", "a b", "c\"d");
    assertThat(ShellWords.split("a\\ b c")).containsExactly("a b", "c");
    assertThat(ShellWords.split("'a\\b'")).containsExactly("a\\b");
    assertThat(ShellWords.split("\"a\\b\"")).containsExactly("a\\b");
    assertThat(ShellWords.split("\"a\\\\b\"")).containsExactly("a\\b");
    assertThat(ShellWords.split("ab\"cd\"ef")).containsExactly("abcdef");
    assertThat(ShellWords.split("put '' x")).containsExactly("put", "", "x");
    assertThat(ShellWords.split("a\\'b")).containsExactly("a'b");
    assertThat(ShellWords.split("\"$HOME\" 'it''s'")).containsExactly("$HOME", "its");
    assertThat(ShellWords.split("get k # a comment")).containsExactly("get", "k");
    assertThat(ShellWords.split("get a#b")).containsExactly("get", "a#b");
    assertThat(ShellWords.split("é '✓ 😀'")).containsExactly("é", "✓ 😀");
    assertThat(ShellWords.split("")).isEmpty();
  }

  @Test
  void split_refusesWhatIsNotClosed() {
    assertThatThrownBy(() -> ShellWords.split("put 'a b"))
        .hasMessage("unclosed single quote at column 5");
    assertThatThrownBy(() -> ShellWords.split("put \"a b"))
        .hasMessage("unclosed double quote at column 5");
    assertThatThrownBy(() -> ShellWords.split("put a\\")).hasMessage("the line ends in a backslash");
  }
}
