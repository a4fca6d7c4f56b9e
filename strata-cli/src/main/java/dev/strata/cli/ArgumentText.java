package dev.strata.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Recovers the command-line arguments as UTF-8, strictly.
 *
 * <p>The Java launcher turns argv's bytes into strings with the platform encoding ({@code
 * sun.jnu.encoding}, from the locale) before {@code main} runs, replacing what it cannot decode:
 * under {@code LC_ALL=C} that encoding is ASCII and every non-ASCII byte becomes U+FFFD, and under
 * a UTF-8 locale invalid UTF-8 does. The lost bytes cannot be rebuilt from the strings. Linux
 * keeps them in {@code /proc/self/cmdline}, whose last entries are the program's arguments (the
 * launcher expands no {@code @file} after the main class or jar); each of those is decoded as
 * UTF-8 and refused, pointing to {@code --hex}, if it is not valid. The raw entries are only used
 * after checking that decoding them as the launcher did gives exactly the arguments {@code main}
 * received, so that an embedding launcher with other arguments is never misread.
 *
 * <p>Without {@code /proc} (or when that check fails) an argument holding U+FFFD is refused: it
 * is what a failed decoding leaves, and the bytes it replaced are gone. Stateless.
 */
final class ArgumentText {
  private static final Path CMDLINE = Path.of("/proc/self/cmdline");

  private ArgumentText() {}

  /** An argument that is not valid UTF-8; exit code 2, as for any unusable argument. */
  static final class InvalidArgumentException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidArgumentException(String message) {
      super(message);
    }
  }

  /**
   * The arguments decoded as UTF-8.
   *
   * @throws InvalidArgumentException naming the first argument that is not valid UTF-8
   */
  static String[] recover(String[] args) throws InvalidArgumentException {
    return recover(args, readCmdline(), Charset.forName(jnuEncoding()));
  }

  /** As {@link #recover(String[])}, with the raw argv entries given (null if unknown). */
  static String[] recover(String[] args, List<byte[]> argv, Charset launcherCharset)
      throws InvalidArgumentException {
    if (Arrays.stream(args).allMatch(ArgumentText::isAscii)) {
      // ASCII decodes the same in every encoding a launcher uses: nothing was lost.
      return args;
    }
    List<byte[]> raw = argv == null ? null : tail(argv, args.length);
    if (raw != null && decodedAsLauncher(raw, args, launcherCharset)) {
      String[] out = new String[args.length];
      for (int i = 0; i < args.length; i++) {
        out[i] = strictUtf8(raw.get(i), i);
      }
      return out;
    }
    for (int i = 0; i < args.length; i++) {
      if (args[i].indexOf('\uFFFD') >= 0) {
        throw new InvalidArgumentException(
            "argument "
                + (i + 1)
                + " holds U+FFFD, which the Java launcher leaves for bytes it could not decode in"
                + " this locale's encoding ("
                + jnuEncoding()
                + "): the original bytes are lost. Give keys and values in hex with --hex, or"
                + " run under a UTF-8 locale");
      }
    }
    return args;
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static List<byte[]> tail(List<byte[]> argv, int n) {
    return argv.size() < n ? null : argv.subList(argv.size() - n, argv.size());
  }

  private static boolean decodedAsLauncher(List<byte[]> raw, String[] args, Charset charset) {
    for (int i = 0; i < args.length; i++) {
      if (!new String(raw.get(i), charset).equals(args[i])) {
        return false;
      }
    }
    return true;
  }

  private static String strictUtf8(byte[] raw, int index) throws InvalidArgumentException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidArgumentException(
          "argument "
              + (index + 1)
              + " is not valid UTF-8 (bytes "
              + ByteText.toHex(raw)
              + "): give keys and values in hex with --hex");
    }
  }

  private static String jnuEncoding() {
    String enc = System.getProperty("sun.jnu.encoding");
    return enc != null && Charset.isSupported(enc) ? enc : Charset.defaultCharset().name();
  }

  /** The NUL-separated entries of /proc/self/cmdline, or null where there is none. */
  private static List<byte[]> readCmdline() {
    byte[] all;
    try {
      all = Files.readAllBytes(CMDLINE);
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      return null;
    }
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == 0) {
        out.add(Arrays.copyOfRange(all, start, i));
        start = i + 1;
      }
    }
    if (start < all.length) {
      out.add(Arrays.copyOfRange(all, start, all.length));
    }
    return out;
  }
}
