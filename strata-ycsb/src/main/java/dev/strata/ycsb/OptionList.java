package dev.strata.ycsb;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@code key=value,key=value} list of engine settings, the value of the YCSB properties {@code
 * strata.options} and {@code rocksdb.options}. Immutable and thread-safe.
 */
final class OptionList {
  private final Map<String, String> values;

  private OptionList(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /**
   * Parses {@code text} (null or blank: no settings), accepting only {@code knownKeys}.
   *
   * @throws IllegalArgumentException naming the item and the known keys if an item is not {@code
   *     key=value} with a known key, or a key is given twice
   */
  static OptionList parse(String text, Set<String> knownKeys) {
    Map<String, String> values = new LinkedHashMap<>();
    if (text != null && !text.isBlank()) {
      for (String item : text.split(",", -1)) {
        int eq = item.indexOf('=');
        String key = eq < 0 ? item.trim() : item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        if (eq < 0 || !knownKeys.contains(key)) {
          throw new IllegalArgumentException("bad option '" + item.trim() + "': expected KEY=VALUE"
              + " with KEY one of " + new TreeSet<>(knownKeys));
        }
        if (values.put(key, item.substring(eq + 1).trim()) != null) {
          throw new IllegalArgumentException("option '" + key + "' given twice");
        }
      }
    }
    return new OptionList(values);
  }

  String get(String key, String defaultValue) {
    return values.getOrDefault(key, defaultValue);
  }

  /** {@code key}'s value as an int, or {@code defaultValue} if absent. */
  int intValue(String key, int defaultValue) {
    String v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException("option '" + key + "' needs a whole number, not '" + v
          + "'", ex);
    }
  }

  /**
   * {@code key}'s value, {@code true} or {@code false} in any case, or {@code defaultValue} if
   * absent; anything else is refused rather than read as false.
   */
  boolean booleanValue(String key, boolean defaultValue) {
    String v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new IllegalArgumentException("option '" + key + "' needs true or false, not '" + v + "'");
  }

  /** {@code key}'s value in MiB as bytes, or {@code defaultBytes} if absent. */
  long mibValue(String key, long defaultBytes) {
    return values.containsKey(key) ? (long) intValue(key, 0) << 20 : defaultBytes;
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
