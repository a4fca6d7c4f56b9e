package dev.strata.observe;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database's MXBean registered with the platform MBean server under {@code
 * dev.strata:type=StrataDB,name=<name>}, or, when that name is taken, {@code name-2}, {@code
 * name-3}, ... so that two databases of one name in a JVM both show. {@link #close} unregisters
 * it. A failure to register is logged and leaves the database without JMX ({@link #NONE}).
 *
 * <p>A database dropped without {@code close} must not be kept alive by the MBean server: its
 * {@link DbMXBean} holds it weakly, and a weak reference of this class to it is enqueued once it
 * is collected; each registration first unregisters the beans of the references enqueued since
 * the one before. A registration so costs the same whether a process holds ten databases or ten
 * thousand (a sweep over every registered bean at each open made opens quadratic in a process
 * that opens thousands of databases). Thread-safe: the registry of live beans and the suffix
 * counters are concurrent maps; the reference queue is the JDK's.
 */
public final class JmxRegistration implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JmxRegistration.class);

  /** Nothing registered. */
  public static final JmxRegistration NONE = new JmxRegistration(null);

  /** Beans this class registered and not yet unregistered, by name, with their watch. */
  private static final Map<ObjectName, Watch> LIVE = new ConcurrentHashMap<>();

  /** Where the watches of collected databases arrive. */
  private static final ReferenceQueue<Object> COLLECTED = new ReferenceQueue<>();

  /**
   * Per base name, the last suffix handed out: a name taken again tries the next suffix at once
   * instead of every earlier one (a process that opens many databases of one name without closing
   * them would otherwise pay for each of them at every open).
   */
  private static final Map<String, AtomicInteger> SUFFIXES = new ConcurrentHashMap<>();

  /** Entries the sweeps examined, over the process's life; read by tests. */
  static final LongAdder SWEEP_VISITS = new LongAdder();

  /** A registered database, held weakly, with the name its bean is registered under. */
  private static final class Watch extends WeakReference<Object> {
    final ObjectName name;

    Watch(Object owner, ObjectName name) {
      super(owner, COLLECTED);
      this.name = name;
    }
  }

  private final ObjectName name;

  private JmxRegistration(ObjectName name) {
    this.name = name;
  }

  /**
   * Registers {@code bean} under the first free name for {@code dbName}; {@code owner}, the
   * database, is held weakly so that its bean is unregistered if it is collected unclosed.
   */
  public static JmxRegistration register(String dbName, Object owner, DbMXBean bean) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      sweepCollected(server);
      ObjectName candidate = objectName(dbName);
      while (true) {
        try {
          server.registerMBean(bean, candidate);
          LIVE.put(candidate, new Watch(owner, candidate));
          return new JmxRegistration(candidate);
        } catch (InstanceAlreadyExistsException taken) {
          int n = SUFFIXES.computeIfAbsent(dbName, k -> new AtomicInteger(1)).incrementAndGet();
          candidate = objectName(dbName + "-" + n);
        }
      }
    } catch (JMException | RuntimeException e) {
      LOG.warn("cannot register the MXBean of {}; JMX stays off for it", dbName, e);
      return NONE;
    }
  }

  /**
   * Unregisters the beans whose database was garbage-collected without a close and whose watch
   * the JVM has enqueued (its reference handler does so shortly after the collection).
   */
  private static void sweepCollected(MBeanServer server) {
    for (Reference<?> r; (r = COLLECTED.poll()) != null; ) {
      unregisterCollected(server, (Watch) r);
    }
  }

  private static void unregisterCollected(MBeanServer server, Watch w) {
    SWEEP_VISITS.increment();
    // A closed database's watch is out of LIVE already, and its name may be taken again.
    if (LIVE.remove(w.name, w)) {
      unregister(server, w.name);
    }
  }

  /**
   * Waits up to {@code timeoutMillis} for the watch of a collected database to be enqueued, then
   * unregisters the beans of every watch enqueued: for tests, which cannot otherwise tell when the
   * JVM's reference handler has enqueued a cleared reference.
   */
  static void awaitCollectedForTesting(long timeoutMillis) throws InterruptedException {
    Reference<?> r = COLLECTED.remove(timeoutMillis);
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    if (r != null) {
      unregisterCollected(server, (Watch) r);
    }
    sweepCollected(server);
  }

  /** {@code dev.strata:type=StrataDB,name=<name>}, the name quoted if it needs to be. */
  public static ObjectName objectName(String dbName) throws MalformedObjectNameException {
    boolean plain = dbName.chars().noneMatch(c -> ",=:\"*?\n".indexOf(c) >= 0);
    return new ObjectName(
        "dev.strata:type=StrataDB,name=" + (plain ? dbName : ObjectName.quote(dbName)));
  }

  /** The registered name, or null. */
  public ObjectName name() {
    return name;
  }

  @Override
  public void close() {
    if (name != null) {
      LIVE.remove(name);
      unregister(ManagementFactory.getPlatformMBeanServer(), name);
    }
  }

  private static void unregister(MBeanServer server, ObjectName name) {
    try {
      server.unregisterMBean(name);
    } catch (InstanceNotFoundException e) {
      // Unregistered by someone else already.
    } catch (JMException e) {
      LOG.warn("cannot unregister {}", name, e);
    }
  }
}
