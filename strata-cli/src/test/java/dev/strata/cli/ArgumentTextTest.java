package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ArgumentText} with argv given, as the launcher would have decoded it. */
class ArgumentTextTest {
  private static final Charset ASCII = StandardCharsets.US_ASCII;

  /** The JVM's own arguments, then the program's: what /proc/self/cmdline holds. */
  private static List<byte[]> argv(byte[]... programArgs) {
    List<byte[]> out = new ArrayList<>();
    out.add("java".getBytes(ASCII));
    out.add("-jar".getBytes(ASCII));
    out.add("strata.jar".getBytes(ASCII));
    out.addAll(List.of(programArgs));
    return out;
  }

  private static String[] asLauncher(Charset cs, byte[]... raw) {
    String[] out = new String[raw.length];
    for (int i = 0; i < raw.length; i++) {
      out[i] = new String(raw[i], cs);
    }
    return out;
  }

  @Test
  void recover_cLocale_givesBackTheUtf8() throws Exception {
    byte[] key = "ключ".getBytes(StandardCharsets.UTF_8);
    byte[] put = "put".getBytes(ASCII);
    String[] seen = asLauncher(ASCII, put, key);
    assertThat(seen[1]).contains("\uFFFD");
    assertThat(ArgumentText.recover(seen, argv(put, key), ASCII)).containsExactly("put", "ключ");
  }

  @Test
  void recover_invalidUtf8_isRefusedPointingToHex() {
    byte[] bad = {'k', (byte) 0xFF};
    String[] seen = asLauncher(StandardCharsets.UTF_8, bad);
    assertThatThrownBy(() -> ArgumentText.recover(seen, argv(bad), StandardCharsets.UTF_8))
        .hasMessageContaining("argument 1 is not valid UTF-8 (bytes 6bff)")
        .hasMessageContaining("--hex");
  }

  @Test
  void recover_withoutMatchingArgv_refusesReplacementCharacters() throws Exception {
    String[] seen = {"put", "k\uFFFD"};
    assertThatThrownBy(() -> ArgumentText.recover(seen, null, ASCII))
        .hasMessageContaining("argument 2 holds U+FFFD");
    List<byte[]> other = argv("something".getBytes(ASCII), "else".getBytes(ASCII));
    assertThatThrownBy(() -> ArgumentText.recover(seen, other, ASCII))
        .hasMessageContaining("argument 2 holds U+FFFD");
    String[] fine = {"put", "é"};
    assertThat(ArgumentText.recover(fine, null, StandardCharsets.UTF_8)).containsExactly(fine);
  }
}
