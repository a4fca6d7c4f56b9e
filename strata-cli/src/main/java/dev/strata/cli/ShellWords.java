package dev.strata.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a shell line into words as a POSIX shell does (IEEE 1003.1, "Quoting" and "Token
 * Recognition"), without expansions: blanks separate words; a backslash outside quotes keeps the
 * next character; single quotes keep everything up to the next single quote; inside double quotes
 * a backslash escapes only {@code $ ` " \} and newline; quoted parts join the word around them
 * ({@code ab"c d"e} is one word, {@code ''} an empty one); {@code #} at the start of a word begins
 * a comment. An unclosed quote or a trailing backslash is an error, not a guess.
 *
 * <p>JLine's {@code DefaultParser} was tried first and differs where it matters: it drops {@code
 * ''}, keeps the quotes of {@code ab"cd"ef}, removes the backslash inside single quotes and accepts
 * an unclosed quote. Stateless.
 */
final class ShellWords {
  private ShellWords() {}

  /**
   * The words of {@code line}.
   *
   * @throws IllegalArgumentException for an unclosed quote or a trailing backslash
   */
  static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n') {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        i++;
      } else if (c == '#' && !inWord) {
        break;
      } else if (c == '\\') {
        if (i + 1 >= n) {
          throw new IllegalArgumentException("the line ends in a backslash");
        }
        if (line.charAt(i + 1) != '\n') {
          word.append(line.charAt(i + 1));
          inWord = true;
        }
        i += 2;
      } else if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed single quote at column " + (i + 1));
        }
        word.append(line, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (c == '"') {
        i = doubleQuoted(line, i, word);
        inWord = true;
      } else {
        word.append(c);
        inWord = true;
        i++;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  /** Appends the double-quoted part starting at {@code open}; returns the index after it. */
  private static int doubleQuoted(String line, int open, StringBuilder word) {
    int i = open + 1;
    while (i < line.length()) {
      char c = line.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\' && i + 1 < line.length() && "$`\"\\\n".indexOf(line.charAt(i + 1)) >= 0) {
        if (line.charAt(i + 1) != '\n') {
          word.append(line.charAt(i + 1));
        }
        i += 2;
      } else {
        word.append(c);
        i++;
      }
    }
    throw new IllegalArgumentException("unclosed double quote at column " + (open + 1));
  }
}
