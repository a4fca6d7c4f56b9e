package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.Seeds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 10,000 fuzzed inputs per decoder (WAL reader and batch codec, batch codec alone, table reader,
 * version edit) in a child JVM with a 64 MiB heap and a time limit: no exception outside the
 * declared ones, no {@link OutOfMemoryError}, no hang. Soak: 200,000 per decoder.
 */
class DecoderFuzzTest {
  @org.junit.jupiter.api.io.TempDir Path tmp;

  @Test
  void fuzzedInputs_raiseOnlyDeclaredExceptions() throws Exception {
    Path log = tmp.resolve("fuzz.log");
    long seed = Seeds.seed("DecoderFuzzTest");
    int n = Boolean.getBoolean("strata.soak") ? 200_000 : 10_000;
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-ea",
                "-cp",
                System.getProperty("java.class.path"),
                DecoderFuzz.class.getName(),
                Long.toString(seed),
                Integer.toString(n))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean done;
    try {
      done = p.waitFor(Boolean.getBoolean("strata.soak") ? 3600 : 120, TimeUnit.SECONDS);
    } finally {
      p.destroyForcibly();
    }
    p.waitFor(30, TimeUnit.SECONDS);
    String text = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(text);
    assertThat(done).as("fuzzer hung (seed %d): %s", seed, text).isTrue();
    assertThat(p.exitValue()).as("seed %d: %s", seed, text).isZero();
    assertThat(text).contains("FUZZ " + n);
  }
}
