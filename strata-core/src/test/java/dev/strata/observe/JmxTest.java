package dev.strata.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.testing.FaultInjectionFileSystem;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.Test;

/**
 * The MXBean through the platform MBean server, as a JMX client sees it: registered at open under
 * {@code dev.strata:type=StrataDB,name=<name>}, its attributes following the work done, its
 * operations working, unique names for two databases, and gone after close.
 */
class JmxTest {
  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
  private final String name = "jmx-" + UUID.randomUUID();

  /**
   * A database that times every get and write (not one in 8), so that counts are exact, returned
   * once its bean is registered.
   */
  private StrataDB open(String dir, String dbName) {
    StrataDB db = openWithoutWaiting(dir, dbName);
    ((dev.strata.engine.DbImpl) db).timeEveryCallForTesting();
    awaitBean(db);
    return db;
  }

  /** Waits for the bean's registration, which runs in the background after the open. */
  private static void awaitBean(StrataDB db) {
    try {
      assertThat(((dev.strata.engine.DbImpl) db).awaitJmxRegistrationForTesting())
          .as("registered")
          .isNotNull();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void attributesAndOperations_followTheWork() throws Exception {
    ObjectName on = new ObjectName("dev.strata:type=StrataDB,name=" + name);
    try (StrataDB db = open("/db", name)) {
      assertThat(server.isRegistered(on)).isTrue();
      assertThat(server.getAttribute(on, "Name")).isEqualTo(name);
      for (int i = 0; i < 50; i++) {
        db.put(key(i), new byte[100]);
      }
      for (int i = 0; i < 20; i++) {
        db.get(key(i));
      }
      assertThat(server.getAttribute(on, "KeysWritten")).isEqualTo(50L);
      assertThat(server.getAttribute(on, "KeysRead")).isEqualTo(20L);
      assertThat(server.getAttribute(on, "BytesRead")).isEqualTo(2000L);
      assertThat((long) server.getAttribute(on, "MemtableBytes")).isPositive();
      assertThat(server.getAttribute(on, "StallCondition")).isEqualTo("NORMAL");

      server.invoke(on, "flush", new Object[0], new String[0]);
      assertThat(((int[]) server.getAttribute(on, "LevelFileCounts"))[0]).isEqualTo(1);
      assertThat(server.getAttribute(on, "FlushCount")).isEqualTo(1L);
      long level0 = ((long[]) server.getAttribute(on, "LevelBytes"))[0];
      assertThat(level0).isEqualTo(Long.parseLong(db.getProperty("strata.level-bytes0")));
      assertThat(server.getAttribute(on, "TotalTableBytes")).isEqualTo(level0);

      server.invoke(on, "compactRange", new Object[0], new String[0]);
      int[] files = (int[]) server.getAttribute(on, "LevelFileCounts");
      assertThat(files[0]).isZero();
      assertThat(files[6]).isEqualTo(1);
      assertThat(server.getAttribute(on, "CompactionCount")).isEqualTo(1L);
      assertThat(server.getAttribute(on, "PendingCompactionBytes")).isEqualTo(0L);

      TabularData histograms = (TabularData) server.getAttribute(on, "Histograms");
      CompositeData gets = histograms.get(new Object[] {"strata.get.nanos.count"});
      assertThat(gets.get("value")).isEqualTo(20.0);
      double p50 = (double) histograms.get(new Object[] {"strata.get.nanos.p50"}).get("value");
      double max = (double) histograms.get(new Object[] {"strata.get.nanos.max"}).get("value");
      assertThat(p50).isPositive().isLessThanOrEqualTo(max);

      TabularData tickers = (TabularData) server.getAttribute(on, "Tickers");
      CompositeData written = tickers.get(new Object[] {"strata.keys.written"});
      assertThat(written.get("value")).isEqualTo(50L);
      assertThat((String) server.getAttribute(on, "StatsText")).contains("Level");
      assertThat(
              server.invoke(
                  on, "getProperty", new Object[] {"strata.last-sequence"}, new String[] {"java.lang.String"}))
          .isEqualTo("50");
    }
    assertThat(server.isRegistered(on)).isFalse();
  }

  /**
   * The bean describes the whole database: its level, table, memtable and compaction figures sum
   * every column family, and follow a flush and a drop of one; the default family's properties
   * stay its own.
   */
  @Test
  void figures_sumEveryColumnFamily() throws Exception {
    ObjectName on = new ObjectName("dev.strata:type=StrataDB,name=" + name);
    try (StrataDB db = open("/db", name)) {
      ColumnFamilyHandle users =
          db.createColumnFamily(
              "users", ColumnFamilyOptions.builder().level0CompactionTrigger(2).build());
      for (int i = 0; i < 50; i++) {
        db.put(key(i), new byte[100]);
        db.put(users, key(i), new byte[100]);
      }
      long defaultMemtable = Long.parseLong(db.getProperty("strata.memtable-bytes"));
      long usersMemtable = Long.parseLong(db.getProperty(users, "strata.memtable-bytes"));
      assertThat(defaultMemtable).isPositive();
      assertThat(usersMemtable).isPositive();
      assertThat(server.getAttribute(on, "MemtableBytes"))
          .isEqualTo(defaultMemtable + usersMemtable);

      db.flush(users);
      for (int i = 50; i < 60; i++) {
        db.put(users, key(i), new byte[100]);
      }
      db.flush(users);
      db.flush();
      long defaultTables = Long.parseLong(db.getProperty("strata.total-sst-bytes"));
      long usersTables = Long.parseLong(db.getProperty(users, "strata.total-sst-bytes"));
      assertThat(defaultTables).isPositive();
      assertThat(usersTables).isPositive();
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("1");
      assertThat(db.getProperty(users, "strata.num-files-at-level0")).isEqualTo("2");
      assertThat(((int[]) server.getAttribute(on, "LevelFileCounts"))[0]).isEqualTo(3);
      assertThat(((long[]) server.getAttribute(on, "LevelBytes"))[0])
          .isEqualTo(defaultTables + usersTables);
      assertThat(server.getAttribute(on, "TotalTableBytes")).isEqualTo(defaultTables + usersTables);
      assertThat(server.getAttribute(on, "MemtableBytes"))
          .isEqualTo(
              Long.parseLong(db.getProperty("strata.memtable-bytes"))
                  + Long.parseLong(db.getProperty(users, "strata.memtable-bytes")));
      // Only users reached its level-0 trigger.
      assertThat(db.getProperty("strata.compaction-pending")).isEqualTo("false");
      assertThat(server.getAttribute(on, "CompactionPending")).isEqualTo(true);
      assertThat(server.getAttribute(on, "PendingCompactionBytes")).isEqualTo(usersTables);
      assertThat(
              server.invoke(
                  on,
                  "getProperty",
                  new Object[] {"strata.num-files-at-level0"},
                  new String[] {"java.lang.String"}))
          .isEqualTo("1");

      db.dropColumnFamily(users);
      assertThat(((int[]) server.getAttribute(on, "LevelFileCounts"))[0]).isEqualTo(1);
      assertThat(server.getAttribute(on, "TotalTableBytes")).isEqualTo(defaultTables);
      assertThat(server.getAttribute(on, "MemtableBytes"))
          .isEqualTo(Long.parseLong(db.getProperty("strata.memtable-bytes")));
      assertThat(server.getAttribute(on, "CompactionPending")).isEqualTo(false);
    }
  }

  @Test
  void twoDatabasesOfOneName_getTwoNames_andEachLeavesAtItsClose() throws Exception {
    ObjectName first = new ObjectName("dev.strata:type=StrataDB,name=" + name);
    ObjectName second = new ObjectName("dev.strata:type=StrataDB,name=" + name + "-2");
    ObjectName other = new ObjectName("dev.strata:type=StrataDB,name=" + name + "-other");
    try (StrataDB a = open("/a", name);
        StrataDB b = open("/b", name);
        StrataDB c = open("/c", name + "-other")) {
      a.put(key(1), new byte[1]);
      b.put(key(1), new byte[1]);
      b.put(key(2), new byte[1]);
      assertThat(server.getAttribute(first, "KeysWritten")).isEqualTo(1L);
      assertThat(server.getAttribute(second, "KeysWritten")).isEqualTo(2L);
      assertThat(server.getAttribute(other, "KeysWritten")).isEqualTo(0L);
      assertThat(server.getAttribute(second, "Directory")).isEqualTo("/b");
      a.close();
      assertThat(server.isRegistered(first)).isFalse();
      assertThat(server.isRegistered(second)).isTrue();
    }
    assertThat(server.isRegistered(second)).isFalse();
    assertThat(server.isRegistered(other)).isFalse();
  }

  @Test
  void nameWithSpecialCharacters_isQuoted() throws Exception {
    String odd = name + ",kind=x:y";
    try (StrataDB db = open("/db", odd)) {
      ObjectName on = JmxRegistration.objectName(odd);
      assertThat(server.isRegistered(on)).isTrue();
      assertThat(server.getAttribute(on, "Name")).isEqualTo(odd);
    }
  }

  /**
   * A database dropped without close is not kept alive by its MXBean or its statistics dump, and
   * its name is unregistered once the JVM has enqueued its cleared reference (by the registrations
   * after that, or here by the test's wait on the queue, which runs the same unregistration; a
   * check right after the collection failed once in CI, the reference not yet enqueued). Then a
   * new database takes the name itself, not a suffixed one. On the first version of the MXBean, 4,500
   * unclosed databases of Lincheck's stress test stayed reachable and every open scanned their
   * names.
   */
  @Test
  void droppedWithoutClose_isCollected_andItsNameUnregistered() throws Exception {
    ObjectName on = new ObjectName("dev.strata:type=StrataDB,name=" + name);
    java.lang.ref.WeakReference<StrataDB> ref = openAndDrop(name);
    assertThat(server.isRegistered(on)).isTrue();
    for (int i = 0; i < 100 && ref.get() != null; i++) {
      System.gc();
    }
    assertThat(ref.get()).as("the dropped database was collected").isNull();
    // The JVM enqueues the cleared reference shortly after the collection; the registrations
    // after that unregister the name. Wait for the queue, not for a time.
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (server.isRegistered(on) && System.nanoTime() < deadline) {
      JmxRegistration.awaitCollectedForTesting(100);
    }
    assertThat(server.isRegistered(on)).as("the dropped database's name").isFalse();
    try (StrataDB other = open("/other", name)) {
      assertThat(server.isRegistered(on)).as("the name, free again, taken by a new database").isTrue();
    }
  }

  /**
   * A registration looks only at the databases collected since the one before, not at every
   * database registered: Lincheck's stress tests and the metamorphic test open thousands of
   * databases, dropped or not yet closed, and a sweep over all of them at each open made those
   * opens quadratic (most of the core suite's time once the JVM held a few thousand).
   */
  @Test
  void registration_withManyDatabasesRegistered_examinesOnlyTheCollected() throws Exception {
    List<StrataDB> open = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        open.add(open("/many" + i, name + "-many"));
      }
      long before = JmxRegistration.SWEEP_VISITS.sum();
      try (StrataDB one = open("/one", name + "-one")) {
        assertThat(server.isRegistered(new ObjectName("dev.strata:type=StrataDB,name=" + name + "-one")))
            .isTrue();
      }
      assertThat(JmxRegistration.SWEEP_VISITS.sum() - before)
          .as("registrations examined by one open with 300 databases registered")
          .isLessThan(300);
    } finally {
      for (StrataDB db : open) {
        db.close();
      }
    }
  }

  private java.lang.ref.WeakReference<StrataDB> openAndDrop(String dbName) {
    StrataDB db =
        StrataDB.open(
            Path.of("/dropped"),
            Options.builder()
                .fileSystem(new FaultInjectionFileSystem(1))
                .name(dbName)
                .backgroundExecutor(java.util.concurrent.ForkJoinPool.commonPool())
                .statsDumpPeriod(java.time.Duration.ofMinutes(1))
                .build());
    db.put(key(1), new byte[1]);
    awaitBean(db);
    return new java.lang.ref.WeakReference<>(db);
  }

  /**
   * An open does not wait for the platform MBean server (about 150 ms the first time in a JVM):
   * the bean registers on a thread of its own. Held here behind an unfinished registration, the
   * open returns with no bean registered yet; a close meanwhile, even from an interrupted thread,
   * neither waits for the held registration nor leaves a bean or a thread behind.
   */
  @Test
  void open_doesNotWaitForTheBean_andACloseBeforeItRegistersLeavesNothing() throws Exception {
    ObjectName on = new ObjectName("dev.strata:type=StrataDB,name=" + name);
    java.util.concurrent.FutureTask<Object> gate = new java.util.concurrent.FutureTask<>(() -> null);
    JmxRegistration.holdRegistrationsForTesting(gate);
    try {
      StrataDB db = openWithoutWaiting("/held", name);
      Thread registrar = registrarOf(name);
      assertThat(registrar).as("the registration's thread, waiting").isNotNull();
      assertThat(server.isRegistered(on)).as("registered during the open").isFalse();
      db.put(key(1), new byte[1]);
      assertThat(db.get(key(1))).hasSize(1);
      Thread.currentThread().interrupt();
      try {
        db.close();
        assertThat(Thread.currentThread().isInterrupted()).as("the interrupt kept").isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(registrar.isAlive()).as("the registration's thread after the close").isFalse();
      assertThat(server.isRegistered(on)).isFalse();
    } finally {
      gate.run();
    }
  }

  /** Held as above, the bean appears once the registration before it ends, and leaves at close. */
  @Test
  void aHeldRegistration_completesWhenTheOneBeforeEnds() throws Exception {
    ObjectName on = new ObjectName("dev.strata:type=StrataDB,name=" + name);
    java.util.concurrent.FutureTask<Object> gate = new java.util.concurrent.FutureTask<>(() -> null);
    JmxRegistration.holdRegistrationsForTesting(gate);
    try (StrataDB db = openWithoutWaiting("/later", name)) {
      assertThat(server.isRegistered(on)).isFalse();
      gate.run();
      assertThat(((dev.strata.engine.DbImpl) db).awaitJmxRegistrationForTesting()).isEqualTo(on);
      assertThat(server.isRegistered(on)).isTrue();
      assertThat(server.getAttribute(on, "Name")).isEqualTo(name);
    } finally {
      gate.run();
    }
    assertThat(server.isRegistered(on)).isFalse();
    assertThat(registrarOf(name)).isNull();
  }

  /** A database on a file system of its own, returned as soon as it opens (its bean may not be registered yet). */
  private static StrataDB openWithoutWaiting(String dir, String dbName) {
    return StrataDB.open(
        Path.of(dir),
        Options.builder()
            .fileSystem(new FaultInjectionFileSystem(1))
            .name(dbName)
            .backgroundCompaction(false)
            .build());
  }

  /** The live thread registering {@code dbName}'s bean, or null. */
  private static Thread registrarOf(String dbName) {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("strata-jmx-" + dbName) && t.isAlive()) {
        return t;
      }
    }
    return null;
  }

  @Test
  void jmxOff_registersNothing() throws Exception {
    try (StrataDB db =
        StrataDB.open(
            Path.of("/db"),
            Options.builder().fileSystem(new FaultInjectionFileSystem(1)).name(name).jmx(false).build())) {
      assertThat(server.queryNames(new ObjectName("dev.strata:type=StrataDB,name=" + name + "*"), null))
          .isEmpty();
    }
  }
}
