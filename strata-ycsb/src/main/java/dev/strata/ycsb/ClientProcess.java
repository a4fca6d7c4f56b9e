package dev.strata.ycsb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One phase of one engine as a child JVM running YCSB's own {@code site.ycsb.Client}, with stdout
 * and stderr written to files. Immutable; {@link #run} may be called once per output pair.
 *
 * @param java the java binary
 * @param jvmOptions JVM flags ({@code -Xmx2g} and any extra)
 * @param classPath the class path holding YCSB, the bindings and the engines
 * @param ycsbProperties {@code -p} properties after the suite's own (a later one wins in YCSB)
 */
record ClientProcess(Path java, List<String> jvmOptions, String classPath, Engine engine,
    Phase phase, Path workloadFile, Path dbDir, long records, long operations, int threads,
    String engineOptions, Map<String, String> ycsbProperties) {

  /** The command line, ready for {@link ProcessBuilder}. */
  List<String> command() {
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add("site.ycsb.Client");
    cmd.add(phase.isLoad() ? "-load" : "-t");
    cmd.add("-db");
    cmd.add(engine.clientClass);
    cmd.add("-P");
    cmd.add(workloadFile.toString());
    cmd.add("-threads");
    cmd.add(Integer.toString(threads));
    property(cmd, "recordcount", Long.toString(records));
    property(cmd, "operationcount", Long.toString(operations));
    property(cmd, engine.dirProperty, dbDir.toString());
    if (engineOptions != null && !engineOptions.isBlank()) {
      property(cmd, engine.optionsProperty, engineOptions);
    }
    for (Map.Entry<String, String> e : ycsbProperties.entrySet()) {
      property(cmd, e.getKey(), e.getValue());
    }
    return cmd;
  }

  private static void property(List<String> cmd, String key, String value) {
    cmd.add("-p");
    cmd.add(key + "=" + value);
  }

  /**
   * How a child ended.
   *
   * @param exitCode its exit status, -1 if it was killed for the timeout
   * @param peakRssBytes the largest resident set it reached (Linux's {@code VmHWM}, read every 50
   *     ms while it ran), or -1 where {@code /proc} does not tell
   */
  record Outcome(int exitCode, long peakRssBytes) {}

  /** How often the child's peak resident set is read while it runs. */
  private static final long RSS_POLL_MILLIS = 50;

  /**
   * Runs the phase to its end, or until {@code timeoutSeconds} (0: none) pass, when the child is
   * killed. Requires: the caller's thread may block for the whole phase.
   */
  Outcome run(Path stdout, Path stderr, long timeoutSeconds)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command())
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
    long peakRss = -1;
    try {
      p.getOutputStream().close();
      long deadline = timeoutSeconds > 0
          ? System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds) : Long.MAX_VALUE;
      while (!p.waitFor(RSS_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        // The high-water mark only grows, so the last read before the exit is the peak but for
        // what the last 50 ms added.
        peakRss = Math.max(peakRss, peakRssBytes(p.pid()));
        if (System.nanoTime() - deadline > 0) {
          p.destroyForcibly().waitFor();
          return new Outcome(-1, peakRss);
        }
      }
      return new Outcome(p.exitValue(), peakRss);
    } finally {
      // An interrupted suite must not leave a benchmark running beside the next one.
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  /** A live process's peak resident set ({@code VmHWM} of {@code /proc/PID/status}), or -1. */
  static long peakRssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or the process just ended: unknown.
    }
    return -1;
  }

  /** The command as one shell line, each argument quoted where needed. */
  String shellLine() {
    StringBuilder sb = new StringBuilder();
    for (String arg : command()) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(arg.matches("[A-Za-z0-9_./:=@%+,-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
    }
    return sb.toString();
  }
}
