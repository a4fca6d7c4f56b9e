package dev.strata.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The text form of keys and values that {@code dump} writes, {@code load} reads back, and {@code
 * get}, {@code scan} and the file dumps print: escaped UTF-8 that round-trips any bytes exactly.
 * The spec is {@code docs/format/dump.md}. Stateless.
 *
 * <p>Bytes that form printable UTF-8 text are written as themselves; a backslash is doubled; tab,
 * newline and carriage return are {@code \t}, {@code \n} and {@code \r}; every other byte (other
 * control characters, bytes that are not valid UTF-8, and the code points listed in {@link
 * #mustEscape(int)}) is {@code \xHH}. So a dump line never holds a raw tab, newline or carriage
 * return inside a key or value, never a replacement character, and every line is one entry.
 *
 * <p>Decoding is strict: an unknown escape, or a raw character that encoding would have escaped,
 * is an error (a CRLF line ending, for instance, or a replacement character from a decoder that
 * met damaged bytes), so that a damaged dump is refused rather than loaded as different data.
 */
final class DumpFormat {
  /** Separates the key from the value on a dump line. */
  static final char SEPARATOR = '\t';

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private DumpFormat() {}

  /** {@code key<TAB>value}, each escaped; the caller adds the newline. */
  static String line(byte[] key, byte[] value) {
    StringBuilder sb = new StringBuilder(key.length + value.length + 8);
    escape(key, sb);
    sb.append(SEPARATOR);
    escape(value, sb);
    return sb.toString();
  }

  /** The escaped text of {@code b}. */
  static String escape(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length + 8);
    escape(b, sb);
    return sb.toString();
  }

  private static void escape(byte[] b, StringBuilder sb) {
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        switch (c) {
          case '\\' -> sb.append("\\\\");
          case '\t' -> sb.append("\\t");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          default -> {
            if (mustEscape(c)) {
              hexEscape(c, sb);
            } else {
              sb.append((char) c);
            }
          }
        }
        i++;
        continue;
      }
      int n = utf8SequenceLength(b, i);
      int cp = n == 0 ? -1 : decodeCodePoint(b, i, n);
      if (n == 0 || mustEscape(cp)) {
        for (int j = 0; j < Math.max(n, 1); j++) {
          hexEscape(b[i + j] & 0xFF, sb);
        }
        i += Math.max(n, 1);
      } else {
        sb.appendCodePoint(cp);
        i += n;
      }
    }
  }

  /**
   * Code points written as {@code \xHH} escapes of their UTF-8 bytes although they are valid
   * text: C0 and C1 controls and DEL (invisible, and some tools treat them as line breaks), the
   * Unicode line and paragraph separators, the byte-order mark (a reader may strip it at the start
   * of a file) and the replacement character (so that one in a dump always means damage done
   * outside Strata).
   */
  static boolean mustEscape(int cp) {
    return cp < 0x20
        || (cp >= 0x7F && cp <= 0x9F)
        || cp == 0x2028
        || cp == 0x2029
        || cp == 0xFEFF
        || cp == 0xFFFD;
  }

  private static void hexEscape(int c, StringBuilder sb) {
    sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
  }

  /**
   * Length of the well-formed UTF-8 sequence at {@code i} (2 to 4; Unicode's table 3-7, which
   * excludes overlong forms, surrogates and code points above U+10FFFF), or 0 if there is none.
   * Requires: {@code b[i]} is not ASCII.
   */
  static int utf8SequenceLength(byte[] b, int i) {
    int c = b[i] & 0xFF;
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
      return 0;
    }
    if (i + n > b.length) {
      return 0;
    }
    int second = b[i + 1] & 0xFF;
    if (second < lo || second > hi) {
      return 0;
    }
    for (int j = 2; j < n; j++) {
      int cont = b[i + j] & 0xFF;
      if (cont < 0x80 || cont > 0xBF) {
        return 0;
      }
    }
    return n;
  }

  private static int decodeCodePoint(byte[] b, int i, int n) {
    int cp = b[i] & (0xFF >> (n + 1));
    for (int j = 1; j < n; j++) {
      cp = (cp << 6) | (b[i + j] & 0x3F);
    }
    return cp;
  }

  /**
   * The bytes that {@code text[from, to)} escapes.
   *
   * @throws IllegalArgumentException naming the 1-based column of an unknown or cut escape, or of
   *     a raw character that must be escaped
   */
  static byte[] unescape(String text, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
    int i = from;
    int column = text.codePointCount(0, from) + 1;
    while (i < to) {
      int cp = text.codePointAt(i);
      if (cp == '\\') {
        int next = unescapeOne(text, i, to, column, out);
        column += next - i;
        i = next;
        continue;
      }
      if (mustEscape(cp)) {
        throw new IllegalArgumentException(
            String.format(
                "raw character U+%04X at column %d must be escaped%s",
                cp, column, cp == '\r' ? " (\\r; a CRLF line ending?)" : ""));
      }
      if (cp < 0x80) {
        out.write(cp);
        i++;
        column++;
        continue;
      }
      if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
        throw new IllegalArgumentException("unpaired surrogate at column " + column);
      }
      int n = Character.charCount(cp);
      byte[] utf8 = text.substring(i, i + n).getBytes(StandardCharsets.UTF_8);
      out.write(utf8, 0, utf8.length);
      i += n;
      column++;
    }
    return out.toByteArray();
  }

  private static int unescapeOne(String text, int i, int to, int column, ByteArrayOutputStream out) {
    if (i + 1 >= to) {
      throw new IllegalArgumentException("backslash at column " + column + " ends the field");
    }
    char e = text.charAt(i + 1);
    switch (e) {
      case '\\' -> out.write('\\');
      case 't' -> out.write('\t');
      case 'n' -> out.write('\n');
      case 'r' -> out.write('\r');
      case 'x' -> {
        int hi = i + 2 < to ? ByteText.hexDigit(text.charAt(i + 2)) : -1;
        int lo = i + 3 < to ? ByteText.hexDigit(text.charAt(i + 3)) : -1;
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException(
              "\\x at column " + column + " needs two hex digits");
        }
        out.write((hi << 4) | lo);
        return i + 4;
      }
      default -> throw new IllegalArgumentException(
          "unknown escape \\" + e + " at column " + column
              + " (known: \\\\ \\t \\n \\r \\xHH)");
    }
    return i + 2;
  }
}
