package dev.strata.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Reads a running database's figures from its MXBean ({@code
 * dev.strata:type=StrataDB,name=<name>}) through a JMX connection: a remote one from a {@code
 * service:jmx:...} URL, or {@code local}, this JVM's platform server (the shell, tests). Closing
 * closes the connection.
 */
final class JmxStatsSource implements Callable<StatsSample>, AutoCloseable {
  private final JMXConnector connector;
  private final MBeanServerConnection server;
  private final ObjectName name;

  // The URL is the operator's own --jmx argument: connecting to the JMX agent they name (an RMI
  // connector looks it up through JNDI) is what the option is for, as with jconsole.
  @SuppressWarnings("BanJNDI")
  JmxStatsSource(String url, String dbName) throws IOException, JMException {
    if (url.equals("local")) {
      connector = null;
      server = ManagementFactory.getPlatformMBeanServer();
    } else {
      connector = JMXConnectorFactory.connect(new JMXServiceURL(url));
      server = connector.getMBeanServerConnection();
    }
    boolean plain = dbName.chars().noneMatch(c -> ",=:\"*?\n".indexOf(c) >= 0);
    name =
        new ObjectName(
            "dev.strata:type=StrataDB,name=" + (plain ? dbName : ObjectName.quote(dbName)));
    if (!server.isRegistered(name)) {
      close();
      throw new IOException("no database registers " + name + " at " + url);
    }
  }

  /** The MXBean's tickers, by name. */
  Map<String, Long> tickers() throws IOException, JMException {
    Map<String, Long> m = new HashMap<>();
    TabularData t = (TabularData) server.getAttribute(name, "Tickers");
    for (Object row : t.values()) {
      CompositeData c = (CompositeData) row;
      m.put((String) c.get("key"), (Long) c.get("value"));
    }
    return m;
  }

  @Override
  public StatsSample call() throws IOException, JMException {
    long now = System.nanoTime();
    return new StatsSample(
        now,
        tickers(),
        (Long) server.getAttribute(name, "PendingCompactionBytes"),
        (String) server.getAttribute(name, "StallCondition"));
  }

  @Override
  public void close() throws IOException {
    if (connector != null) {
      connector.close();
    }
  }
}
