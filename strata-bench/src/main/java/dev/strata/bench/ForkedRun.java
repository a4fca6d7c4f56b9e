package dev.strata.bench;

import dev.strata.bench.engine.EngineAdapter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs one engine in a fresh child JVM, so that its resident memory, garbage and JIT state are
 * its own: the child is this JVM's java binary with its class path and JVM flags (less agents),
 * running {@link BenchRunner} with {@code --no-fork} for that engine. The child's stdout (its
 * result lines, implicit fills, {@code --stats}) is copied line by line to this runner's output,
 * which need not be this process's stdout; it draws progress bars on the inherited stderr and
 * hands its results back as JSON lines in a temporary file. Stateless; {@link #run} waits for the
 * child.
 */
final class ForkedRun {
  private ForkedRun() {}

  /**
   * What a child reported: the results it completed, and a failure if it exited with an error (it
   * still writes the results of the workloads that succeeded).
   */
  record Outcome(List<BenchResult> results, Optional<String> failure) {}

  /**
   * Runs an engine in a child JVM and waits for it.
   *
   * @param probe an unopened adapter of the engine, for its name, options and JVM flags
   */
  static Outcome run(BenchConfig config, EngineAdapter probe, Path root, PrintWriter out)
      throws IOException, InterruptedException {
    String engine = probe.name();
    Path resultFile = Files.createTempFile("strata-bench-" + engine + "-", ".jsonl");
    try {
      List<String> cmd = command(config.forChild(probe, root, resultFile), probe.jvmOptions());
      Process p =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      // Read to the end before waiting: a child blocked on a full pipe would never exit.
      try (BufferedReader lines = p.inputReader()) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          out.println(line);
          out.flush();
        }
      }
      int code = p.waitFor();
      List<BenchResult> results =
          Files.size(resultFile) > 0 ? JsonLines.read(resultFile) : List.of();
      Optional<String> failure =
          code == 0
              ? Optional.empty()
              : Optional.of("engine " + engine + " failed in its own JVM (exit code " + code + ")");
      failure.ifPresent(f -> out.println("error: " + f));
      return new Outcome(results, failure);
    } finally {
      Files.deleteIfExists(resultFile);
    }
  }

  /**
   * The child's command line: this JVM's flags less agents, then the engine's own flags that are
   * not among them (a manifest's {@code Add-Opens} does not reach a child started with {@code
   * -cp}), then the runner.
   */
  static List<String> command(BenchConfig child, List<String> engineJvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!(arg.startsWith("-agentlib") || arg.startsWith("-javaagent")
          || arg.startsWith("-Xrunjdwp") || arg.startsWith("-Djava.class.path"))) {
        cmd.add(arg);
      }
    }
    for (String option : engineJvmOptions) {
      if (!cmd.contains(option)) {
        cmd.add(option);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(BenchRunner.class.getName());
    cmd.addAll(child.toArguments());
    return cmd;
  }
}
