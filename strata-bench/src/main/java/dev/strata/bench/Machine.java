package dev.strata.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/** A description of the machine and JVM results were measured on. Stateless. */
public final class Machine {
  private Machine() {}

  /** Processors, CPU model, memory, OS and JVM, as printed at the head of a run. */
  public static Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
    m.put("cpu", cpuModel());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
    memoryBytes().ifPresent(b -> m.put("memory", (b >> 20) + " MiB"));
    return m;
  }

  /** The machine's memory ({@code MemTotal} of {@code /proc/meminfo}), if known. */
  public static OptionalLong memoryBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("MemTotal:")) {
          String kib = line.substring("MemTotal:".length()).replace("kB", "").trim();
          return OptionalLong.of(Long.parseLong(kib) * 1024);
        }
      }
    } catch (IOException | NumberFormatException ex) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException ex) {
      return "unknown";
    }
    return "unknown";
  }
}
