package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the shaded {@code strata.jar} in a fresh JVM as a user would ({@code java -jar strata.jar
 * ...}), with chosen environment, stdin and stdout, and returns its exit code, stdout and stderr.
 *
 * <p>Why the jar and not {@code StrataCli.run} in the test JVM: what users run is the shaded jar,
 * and several defects lived only there (the SLF4J binding it ships, stdout never flushed before
 * {@code System.exit}, the launcher decoding arguments with the locale). So these tests are
 * {@code *IT} classes run by Failsafe in {@code verify}, after {@code package} built the jar; the
 * pom passes its path as {@code strata.jar}. The child JVM gets {@code -XX:TieredStopAtLevel=1}
 * and serial GC only to start faster; they change nothing the command does.
 */
final class CliProcess {
  /** One run's outcome; stdout as bytes (dumps are binary-exact), stderr as text. */
  @SuppressWarnings("ArrayRecordComponent") // read by the test that ran it, never compared
  record Result(int code, byte[] stdoutBytes, String err) {
    String out() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    /** Fails with everything the process said unless it exited with {@code expected}. */
    Result expect(int expected) {
      assertThat(code).as("exit code; stdout:%n%s%nstderr:%n%s", out(), err).isEqualTo(expected);
      return this;
    }
  }

  private final List<String> command = new ArrayList<>();
  private final Map<String, String> env = new HashMap<>();
  private byte[] stdin = new byte[0];
  private File stdoutFile;

  private CliProcess(List<String> prefix, String... args) {
    command.addAll(prefix);
    command.addAll(Arrays.asList(args));
  }

  /** {@code java -jar strata.jar args...}. */
  static CliProcess strata(String... args) {
    return new CliProcess(javaJar(), args);
  }

  /** A command line run by {@code /bin/sh -c}, with {@code $STRATA} set to the java -jar line. */
  static CliProcess shell(String script) {
    CliProcess p = new CliProcess(List.of("/bin/sh", "-c", script));
    p.env.put("STRATA", String.join(" ", javaJar()));
    return p;
  }

  static Result run(String... args) {
    return strata(args).run();
  }

  CliProcess env(String name, String value) {
    env.put(name, value);
    return this;
  }

  CliProcess stdin(byte[] input) {
    stdin = input;
    return this;
  }

  CliProcess stdin(String input) {
    return stdin(input.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends stdout to {@code file} (on a full disk, say) instead of a pipe. */
  CliProcess stdoutTo(Path file) {
    stdoutFile = file.toFile();
    return this;
  }

  Result run() {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    if (stdoutFile != null) {
      pb.redirectOutput(stdoutFile);
    }
    try {
      Process p = pb.start();
      CompletableFuture<byte[]> out = drain(stdoutFile == null ? p.getInputStream() : null);
      CompletableFuture<byte[]> err = drain(p.getErrorStream());
      try (var in = p.getOutputStream()) {
        in.write(stdin);
      } catch (IOException e) {
        // The command exited without reading all of stdin: its exit code says why.
      }
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("strata did not exit in 120 s: " + command);
      }
      return new Result(
          p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Reads {@code in} to its end on a thread of its own (the common pool may have one thread). */
  private static CompletableFuture<byte[]> drain(InputStream in) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    if (in == null) {
      f.complete(new byte[0]);
      return f;
    }
    Thread t =
        new Thread(
            () -> {
              try (in) {
                f.complete(in.readAllBytes());
              } catch (IOException e) {
                f.completeExceptionally(new UncheckedIOException(e));
              }
            },
            "strata-child-output");
    t.setDaemon(true);
    t.start();
    return f;
  }

  private static List<String> javaJar() {
    String jar = System.getProperty("strata.jar", "target/strata.jar");
    Path path = Path.of(jar).toAbsolutePath();
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(
          path + " is missing: these tests run the shaded jar, built by mvn package");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(
        java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-jar", path.toString());
  }
}
