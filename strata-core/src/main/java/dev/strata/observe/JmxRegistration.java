package dev.strata.observe;

import dev.strata.util.Futures;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
 *
 * <p>A database registers in the background ({@link #registerInBackground}), on a thread of its
 * own that ends once the bean is registered: the first use of the platform MBean server in a JVM
 * builds it and registers the JVM's own beans, about 150 ms in a fresh process, which an open
 * would otherwise wait for (YCSB's phases each open in a fresh JVM; {@code docs/benchmarks.md}
 * item 29). {@link #close} waits for that thread before it unregisters, so a bean never outlives
 * its database's close and no thread of it stays behind. Each registration waits for the one
 * started before it, so that names go in open order; a registration stuck in the MBean server
 * would hold the later ones back (never their closes, which interrupt that wait).
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

  /**
   * The registered name, or null: set by the constructor for {@link #register}'s result; for a
   * registration in the background, set once by its thread, and read by others after {@link
   * #registered} is done (the future's completion orders the write before the read).
   */
  private volatile ObjectName name;

  /** The registration in the background, or null for one made in the calling thread. */
  private final FutureTask<ObjectName> registered;

  /** The thread that runs {@link #registered}; joined by {@link #close}. */
  private Thread registrar;

  /**
   * The registration in the background started before this one, which this one's thread waits
   * for first, so that databases of one name get their names in the order they were opened (the
   * second {@code name-2}); null once waited for. Written before the thread starts, then by it.
   */
  private FutureTask<?> previous;

  /** The newest registration in the background: the next one waits for it. */
  private static final AtomicReference<FutureTask<?>> NEWEST = new AtomicReference<>();

  /**
   * Set by {@link #close}: a background registration that has not begun yet skips its work.
   * Guarded by {@code this}, as is {@link #waitingForPrevious}.
   */
  private boolean closed;

  /**
   * Whether the registrar waits for {@link #previous}: only then does {@link #close} interrupt it
   * (a close does not wait behind other databases' registrations), and never once it registers.
   */
  private boolean waitingForPrevious;

  private JmxRegistration(ObjectName name) {
    this.name = name;
    this.registered = null;
  }

  private JmxRegistration(String dbName, Object owner, DbMXBean bean) {
    this.registered = new FutureTask<>(() -> registerAfterPrevious(dbName, owner, bean));
  }

  /** The registrar's work: waits for the registration before this one, then registers. */
  private ObjectName registerAfterPrevious(String dbName, Object owner, DbMXBean bean) {
    FutureTask<?> before = previous;
    previous = null;
    synchronized (this) {
      if (closed) {
        return null;
      }
      waitingForPrevious = before != null;
    }
    if (before != null) {
      try {
        before.get();
      } catch (InterruptedException e) {
        // From close: checked below.
      } catch (java.util.concurrent.ExecutionException
          | java.util.concurrent.CancellationException e) {
        // That registration's failure is its own close's to log.
      }
      synchronized (this) {
        waitingForPrevious = false;
        // An interrupt of close's arrives only while waiting; clear it before registering.
        Thread.interrupted();
      }
    }
    synchronized (this) {
      if (closed) {
        return null;
      }
    }
    ObjectName n = register(dbName, owner, bean).name;
    name = n;
    return n;
  }

  /**
   * Registers {@code bean} as {@link #register} does, on a daemon thread of its own that ends when
   * it has: the caller does not wait for the platform MBean server. Registrations in the
   * background take their names in the order of these calls. {@link #close} waits for the thread.
   */
  public static JmxRegistration registerInBackground(String dbName, Object owner, DbMXBean bean) {
    JmxRegistration r = new JmxRegistration(dbName, owner, bean);
    r.previous = NEWEST.getAndSet(r.registered);
    r.registrar = new Thread(r.registered, "strata-jmx-" + dbName);
    r.registrar.setDaemon(true);
    r.registrar.start();
    return r;
  }

  /**
   * Makes the registrations in the background started after this call wait for {@code gate}, as
   * for a registration still running: for tests of an open that does not wait for JMX.
   */
  static void holdRegistrationsForTesting(FutureTask<?> gate) {
    NEWEST.set(gate);
  }

  /**
   * Waits for a registration in the background and returns the registered name (null if it
   * failed or was closed first); for tests and tools that query the bean right after an open.
   */
  public ObjectName awaitRegistered() throws InterruptedException {
    if (registered != null) {
      try {
        registered.get();
      } catch (java.util.concurrent.ExecutionException e) {
        logFailure(e);
      }
    }
    return name;
  }

  private static void logFailure(java.util.concurrent.ExecutionException e) {
    LOG.warn("registration of a database's MXBean failed", e.getCause());
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
    if (registered != null) {
      synchronized (this) {
        closed = true;
        if (waitingForPrevious) {
          registrar.interrupt();
        }
      }
      Futures.joinUninterruptibly(registrar);
      try {
        Futures.getUninterruptibly(registered);
      } catch (java.util.concurrent.ExecutionException e) {
        logFailure(e);
      }
    }
    ObjectName name = this.name;
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
