package dev.strata.bench.engine;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parsed {@code --engine-options}: {@code key=value} pairs, where a key may be prefixed with
 * an engine name ({@code rocksdb.compression=none}) to reach that engine only. An unprefixed key
 * reaches every selected engine that accepts it. Immutable.
 *
 * @param raw the pairs as given
 */
public record EngineOptions(Map<String, String> raw) {
  public EngineOptions {
    raw = Map.copyOf(raw);
  }

  public static EngineOptions none() {
    return new EngineOptions(Map.of());
  }

  /**
   * An engine option's boolean value: {@code true} or {@code false}, any case, surrounding spaces
   * ignored. Anything else ({@code yes}, {@code on}, {@code 1}, empty) is refused rather than read
   * as false, so that a typo never silently measures the other configuration.
   *
   * @throws IllegalArgumentException naming {@code key} and the value
   */
  public static boolean booleanValue(String key, String value) {
    String v = value.trim();
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(
        "engine option '" + key + "' needs true or false, not '" + value + "'");
  }

  /**
   * Checks every key against the selected engines.
   *
   * @throws IllegalArgumentException naming the first key no selected engine accepts
   */
  public void validate(List<String> selected, Engines engines) {
    Set<String> anyAccepts = new HashSet<>(EngineSettings.COMMON_KEYS);
    for (String name : selected) {
      anyAccepts.addAll(engines.create(name).optionKeys());
    }
    for (String key : raw.keySet()) {
      int dot = key.indexOf('.');
      String engine = dot < 0 ? null : key.substring(0, dot);
      if (engine != null && engines.contains(engine)) {
        if (!selected.contains(engine)) {
          throw new IllegalArgumentException(
              "engine option '" + key + "' names engine '" + engine + "', which is not selected");
        }
        Set<String> accepted = accepted(engines.create(engine));
        String bare = key.substring(dot + 1);
        if (!accepted.contains(bare)) {
          throw new IllegalArgumentException(
              "engine " + engine + " has no option '" + bare + "'; it accepts "
                  + String.join(", ", new TreeSet<>(accepted)));
        }
      } else if (!anyAccepts.contains(key)) {
        throw new IllegalArgumentException(
            "no selected engine accepts option '" + key + "'; accepted: "
                + String.join(", ", new TreeSet<>(anyAccepts)));
      }
    }
  }

  /** The options for one engine, prefixes removed; prefixed entries win over unprefixed ones. */
  public Map<String, String> forEngine(EngineAdapter adapter) {
    Set<String> accepted = accepted(adapter);
    Map<String, String> out = new LinkedHashMap<>();
    String prefix = adapter.name() + ".";
    for (Map.Entry<String, String> e : raw.entrySet()) {
      if (!e.getKey().contains(".") && accepted.contains(e.getKey())) {
        out.put(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<String, String> e : raw.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        out.put(e.getKey().substring(prefix.length()), e.getValue());
      }
    }
    return out;
  }

  /**
   * The options that reach {@code adapter}, prefixes removed: all that a run of that engine alone
   * needs, and all that such a run accepts (a forked child runs one engine and checks its options
   * against that engine only).
   */
  public EngineOptions only(EngineAdapter adapter) {
    return new EngineOptions(forEngine(adapter));
  }

  /** {@code k=v,k=v} form, as given on the command line. */
  public String toArgument() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString();
  }

  private static Set<String> accepted(EngineAdapter adapter) {
    Set<String> s = new HashSet<>(EngineSettings.COMMON_KEYS);
    s.addAll(adapter.optionKeys());
    return s;
  }
}
