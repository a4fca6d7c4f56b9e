package dev.strata.observe;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 * {@link DbMXBean} holds it weakly, and each registration first unregisters the beans whose
 * database was collected. Thread-safe: the registry of live beans and the suffix counters are
 * concurrent maps.
 */
public final class JmxRegistration implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JmxRegistration.class);

  /** Nothing registered. */
  public static final JmxRegistration NONE = new JmxRegistration(null);

  /** Beans this class registered and not yet unregistered. */
  private static final Map<ObjectName, DbMXBean> LIVE = new ConcurrentHashMap<>();

  /**
   * Per base name, the last suffix handed out: a name taken again tries the next suffix at once
   * instead of every earlier one (a process that opens many databases of one name without closing
   * them would otherwise pay for each of them at every open).
   */
  private static final Map<String, AtomicInteger> SUFFIXES = new ConcurrentHashMap<>();

  private final ObjectName name;

  private JmxRegistration(ObjectName name) {
    this.name = name;
  }

  /** Registers {@code bean} under the first free name for {@code dbName}. */
  public static JmxRegistration register(String dbName, DbMXBean bean) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      sweepCollected(server);
      ObjectName candidate = objectName(dbName);
      while (true) {
        try {
          server.registerMBean(bean, candidate);
          LIVE.put(candidate, bean);
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

  /** Unregisters the beans whose database was garbage-collected without a close. */
  private static void sweepCollected(MBeanServer server) {
    for (Map.Entry<ObjectName, DbMXBean> e : LIVE.entrySet()) {
      if (e.getValue().collected() && LIVE.remove(e.getKey(), e.getValue())) {
        unregister(server, e.getKey());
      }
    }
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
