package dev.strata.observe;

import java.lang.management.ManagementFactory;
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
 * dev.strata:type=StrataDB,name=<name>}: the first free of {@code name}, {@code name-2}, {@code
 * name-3}, ... so that two databases of one name in a JVM both show. {@link #close} unregisters it.
 * A failure to register is logged and leaves the database without JMX ({@link #NONE}).
 */
public final class JmxRegistration implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JmxRegistration.class);

  /** Nothing registered. */
  public static final JmxRegistration NONE = new JmxRegistration(null);

  private final ObjectName name;

  private JmxRegistration(ObjectName name) {
    this.name = name;
  }

  /** Registers {@code bean} under the first free name for {@code dbName}. */
  public static JmxRegistration register(String dbName, Object bean) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      for (int n = 1; ; n++) {
        ObjectName candidate = objectName(n == 1 ? dbName : dbName + "-" + n);
        try {
          server.registerMBean(bean, candidate);
          return new JmxRegistration(candidate);
        } catch (InstanceAlreadyExistsException taken) {
          // Another open database has this name: try the next suffix.
        }
      }
    } catch (JMException | RuntimeException e) {
      LOG.warn("cannot register the MXBean of {}; JMX stays off for it", dbName, e);
      return NONE;
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
    if (name == null) {
      return;
    }
    try {
      ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
    } catch (InstanceNotFoundException e) {
      // Unregistered by someone else already.
    } catch (JMException e) {
      LOG.warn("cannot unregister {}", name, e);
    }
  }
}
