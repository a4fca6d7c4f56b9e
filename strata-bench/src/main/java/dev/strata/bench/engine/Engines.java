package dev.strata.bench.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * The engines the runner knows: every {@link EngineAdapter} listed in {@code
 * META-INF/services/dev.strata.bench.engine.EngineAdapter}, by name. Immutable after construction
 * and thread-safe.
 */
public final class Engines {
  private static final Engines INSTALLED = new Engines();

  private final Map<String, Supplier<EngineAdapter>> byName = new LinkedHashMap<>();

  private Engines() {
    for (ServiceLoader.Provider<EngineAdapter> p :
        ServiceLoader.load(EngineAdapter.class).stream().toList()) {
      byName.put(p.get().name(), p);
    }
  }

  private Engines(Map<String, Supplier<EngineAdapter>> engines) {
    byName.putAll(engines);
  }

  public static Engines installed() {
    return INSTALLED;
  }

  /** Exactly the given engines, by name, in the map's order: for tests and embedding. */
  public static Engines of(Map<String, Supplier<EngineAdapter>> engines) {
    return new Engines(engines);
  }

  /** Engine names, in service-file order. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /**
   * A fresh, unopened adapter.
   *
   * @throws IllegalArgumentException if no engine has that name
   */
  public EngineAdapter create(String name) {
    Supplier<EngineAdapter> s = byName.get(name);
    if (s == null) {
      throw new IllegalArgumentException(
          "unknown engine '" + name + "'; known engines: " + String.join(", ", names()));
    }
    return s.get();
  }
}
