package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module exports the API and the file-system SPI only, and nothing public in them names a
 * type of an internal package: a user sees {@code dev.strata} and {@code dev.strata.fs}, never an
 * engine, table or memtable class.
 *
 * <p>Failed on 161ccc5 (no module descriptor; and {@code Cache.blocks()} returned {@code
 * dev.strata.sstable.BlockCache}).
 */
class ModuleApiTest {
  private static final Set<String> EXPORTED = Set.of("dev.strata", "dev.strata.fs");

  @Test
  void moduleDescriptor_exportsTheApiAndTheFileSystemSpiOnly() throws IOException {
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }

    assertThat(d.name()).isEqualTo("dev.strata");
    assertThat(d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
        .isEqualTo(EXPORTED);
    assertThat(d.exports()).allMatch(e -> !e.isQualified());
    assertThat(d.opens()).isEmpty();
  }

  @Test
  void publicSignaturesOfExportedPackages_nameNoInternalType() throws Exception {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : exportedPublicClasses()) {
      for (Method m : c.getDeclaredMethods()) {
        if (visible(m.getModifiers()) && !m.isSynthetic()) {
          check(leaks, c, m.getName() + " returns", m.getGenericReturnType());
          for (Type p : m.getGenericParameterTypes()) {
            check(leaks, c, m.getName() + " takes", p);
          }
          for (Type e : m.getGenericExceptionTypes()) {
            check(leaks, c, m.getName() + " throws", e);
          }
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (visible(k.getModifiers())) {
          for (Type p : k.getGenericParameterTypes()) {
            check(leaks, c, "constructor takes", p);
          }
        }
      }
      for (Field f : c.getDeclaredFields()) {
        if (visible(f.getModifiers())) {
          check(leaks, c, "field " + f.getName(), f.getGenericType());
        }
      }
      if (c.getSuperclass() != null) {
        check(leaks, c, "extends", c.getGenericSuperclass());
      }
      for (Type i : c.getGenericInterfaces()) {
        check(leaks, c, "implements", i);
      }
    }
    assertThat(leaks).isEmpty();
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static void check(List<String> leaks, Class<?> owner, String where, Type t) {
    if (t instanceof ParameterizedType p) {
      check(leaks, owner, where, p.getRawType());
      for (Type a : p.getActualTypeArguments()) {
        check(leaks, owner, where, a);
      }
      return;
    }
    if (!(t instanceof Class<?> c)) {
      return;
    }
    while (c.isArray()) {
      c = c.getComponentType();
    }
    String pkg = c.getPackageName();
    if (pkg.startsWith("dev.strata") && !EXPORTED.contains(pkg)) {
      leaks.add(owner.getName() + "." + where + " " + c.getName());
    }
  }

  /** Classes a user of the module can name: public, and nested only in public classes. */
  private static Set<Class<?>> exportedPublicClasses() throws Exception {
    Set<Class<?>> out = new java.util.HashSet<>();
    for (String pkg : EXPORTED) {
      Path dir = Path.of("target/classes", pkg.replace('.', '/'));
      Set<String> binaryNames = new TreeSet<>();
      try (Stream<Path> files = Files.list(dir)) {
        files
            .map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
            .forEach(n -> binaryNames.add(pkg + "." + n.substring(0, n.length() - ".class".length())));
      }
      for (String n : binaryNames) {
        Class<?> c = Class.forName(n, false, ModuleApiTest.class.getClassLoader());
        if (reachable(c)) {
          out.add(c);
        }
      }
    }
    assertThat(out).contains(StrataDB.class, Options.class, dev.strata.fs.FileSystem.class);
    return out;
  }

  private static boolean reachable(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
        return false;
      }
    }
    return true;
  }
}
