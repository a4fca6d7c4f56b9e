package dev.strata.ycsb;

import java.io.IOException;
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
   * Runs the phase to its end, or until {@code timeoutSeconds} (0: none) pass, when the child is
   * killed. Requires: the caller's thread may block for the whole phase.
   *
   * @return the child's exit status, or -1 if it was killed for the timeout
   */
  int run(Path stdout, Path stderr, long timeoutSeconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command())
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
    try {
      p.getOutputStream().close();
      if (timeoutSeconds > 0) {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          return -1;
        }
        return p.exitValue();
      }
      return p.waitFor();
    } finally {
      // An interrupted suite must not leave a benchmark running beside the next one.
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
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
