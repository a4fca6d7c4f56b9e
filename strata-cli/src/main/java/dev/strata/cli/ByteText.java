package dev.strata.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * How keys and values cross the command line: given as UTF-8 text or, with {@code --hex}, as hex;
 * shown in the escaped text of {@link DumpFormat} or as hex. Text is converted strictly: what is
 * not valid UTF-8 (or, from Java strings, not valid Unicode) is refused, never replaced. Stateless.
 */
final class ByteText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ByteText() {}

  /**
   * The bytes a key or value argument stands for.
   *
   * @param what names the argument in errors ("key", "value", ...)
   * @throws IllegalArgumentException if {@code hex} and the text is not hex, or if the text holds
   *     an unpaired surrogate (which no UTF-8 encodes)
   */
  static byte[] parse(String text, boolean hex, String what) {
    return hex ? fromHex(text, what) : utf8(text, what);
  }

  /** {@code b} as the user asked to see it: hex, or escaped text ({@link DumpFormat}). */
  static String show(byte[] b, boolean hex) {
    return hex ? toHex(b) : DumpFormat.escape(b);
  }

  /**
   * The UTF-8 encoding of {@code text}.
   *
   * @throws IllegalArgumentException if it holds an unpaired surrogate
   */
  static byte[] utf8(String text, String what) {
    try {
      ByteBuffer b =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(text));
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          what + " is not valid Unicode text (an unpaired surrogate); give it with --hex");
    }
  }

  /** Lower-case hex of every byte. */
  static String toHex(byte[] b) {
    char[] out = new char[b.length * 2];
    for (int i = 0; i < b.length; i++) {
      out[2 * i] = HEX[(b[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[b[i] & 0xF];
    }
    return new String(out);
  }

  /**
   * Parses hex of either case; only the ASCII digits and letters count (Java's {@code
   * Character.digit} would also take other scripts' digits).
   *
   * @throws IllegalArgumentException naming the first bad character
   */
  static byte[] fromHex(String hex, String what) {
    if (hex.length() % 2 != 0) {
      throw new IllegalArgumentException(
          what + " is not hex: odd number of digits (" + hex.length() + ")");
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < hex.length(); i++) {
      int d = hexDigit(hex.charAt(i));
      if (d < 0) {
        throw new IllegalArgumentException(
            what + " is not hex: '" + hex.charAt(i) + "' at position " + (i + 1));
      }
      out[i / 2] |= (byte) (i % 2 == 0 ? d << 4 : d);
    }
    return out;
  }

  /** The value of an ASCII hex digit, or -1. */
  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
