package dev.strata.kafka;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the test's class path, by default one {@link ClusterApp} instance, so that it can
 * be killed
 * as {@code kill -9} kills ({@link Process#destroyForcibly()}: SIGKILL on Unix, no shutdown hook
 * runs). Its standard output (the {@code STATE} lines) is collected; its standard error goes to a
 * log file beside its state directory. The child ends by itself when this JVM does (its standard
 * input closes). Confined to the test thread, except the collecting reader.
 */
final class ChildInstance implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  /** Where the child's standard error goes. */
  private final File log;

  /** Set by the reader when the child's output ends (it exited or was killed). */
  private volatile boolean outputEnded;

  private ChildInstance(Process process, File log) {
    this.process = process;
    this.log = log;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // The child was killed; what it printed is kept.
              }
              outputEnded = true;
            },
            "child-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  static ChildInstance start(String bootstrap, String appId, Path stateDir, int standbys)
      throws IOException {
    File log = new File(stateDir.toFile().getParentFile(), stateDir.getFileName() + ".log");
    return start(ClusterApp.class, log, bootstrap, appId, stateDir.toString(),
        String.valueOf(standbys));
  }

  /** Runs {@code main}'s {@code main(args)} in a child JVM, its standard error appended to log. */
  static ChildInstance start(Class<?> main, File log, String... args) throws IOException {
    return startWithHeap("256m", main, log, args);
  }

  /** As {@link #start(Class, File, String...)} with a heap of {@code heap} ({@code -Xmx}). */
  static ChildInstance startWithHeap(String heap, Class<?> main, File log, String... args)
      throws IOException {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    if (heap.equals("256m")) {
      // Small test children: start fast, stay small.
      command.add("-XX:+UseSerialGC");
      command.add("-XX:TieredStopAtLevel=1");
    }
    command.add("-cp");
    command.add(classPath);
    command.add(main.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log));
    return new ChildInstance(pb.start(), log);
  }

  /** The first line the child printed that starts with {@code prefix}, or null. */
  String lineStartingWith(String prefix) {
    for (String line : lines) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    return null;
  }

  /** Whether the child's output has ended: it exited or was killed, and all it printed is read. */
  boolean outputEnded() {
    return outputEnded;
  }

  /** Whether the child printed {@code line} since it started. */
  boolean printed(String line) {
    return lines.contains(line);
  }

  /** Whether the child printed {@code STATE state} since it started. */
  boolean reached(String state) {
    return lines.contains("STATE " + state);
  }

  /**
   * The state the child printed last, then the last {@code n} lines of its standard error: what a
   * failed wait for a state needs (the log lives in the test's temporary directory, which is gone
   * once the test ends).
   */
  String lastStateAndLog(int n) {
    List<String> err;
    try {
      err = java.nio.file.Files.readAllLines(log.toPath(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      err = List.of("(no log: " + e + ")");
    }
    return lastState() + "; output " + lines + "; last " + n + " lines of " + log + ":\n"
        + String.join("\n", err.subList(Math.max(0, err.size() - n), err.size()));
  }

  /** The state the child printed last, or "none". */
  String lastState() {
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("STATE ")) {
        return lines.get(i).substring(6);
      }
    }
    return "none";
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, and waits until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("child " + process.pid() + " survived SIGKILL");
    }
  }

  /** Closes its input, so that it closes its instance and exits; kills it if it does not. */
  @Override
  public void close() throws Exception {
    if (!process.isAlive()) {
      return;
    }
    process.getOutputStream().close();
    if (!process.waitFor(Duration.ofSeconds(40).toSeconds(), TimeUnit.SECONDS)) {
      kill();
    }
  }
}
