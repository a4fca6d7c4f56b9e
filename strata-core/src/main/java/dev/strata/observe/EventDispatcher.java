package dev.strata.observe;

import dev.strata.EventListener;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a database's {@link EventListener}s on a thread of its own ({@code strata-events-<name>}),
 * one event at a time and in the order raised. The engine {@link #raise}s an event from wherever
 * it happens, with or without a lock held: raising only appends to a queue, so no listener code
 * ever runs under an engine lock or on a reader's, writer's or worker's thread, and a slow
 * listener never holds up the engine.
 *
 * <p>Thread-safe. The queue is unbounded: events come a few per flush or compaction, never per
 * read or write. With no listener, {@link #NONE} raises nothing and owns no thread.
 *
 * <p>Lifecycle: the thread starts with the dispatcher and {@link #close} ends it after delivering
 * what was raised before, waiting at most the given time (a listener stuck in a callback is left
 * to finish on its own; the thread is a daemon). A listener that throws is logged at WARN on the
 * logger {@code dev.strata.EventListener}, and the next listener and event go on.
 */
public class EventDispatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventListener.class);

  /** No listeners: raising does nothing. */
  public static final EventDispatcher NONE = new EventDispatcher();

  /** End of the queue, raised by {@link #close}. */
  private static final Runnable END = () -> {};

  private final List<EventListener> listeners;
  private final LinkedBlockingQueue<Runnable> queue;
  private final Thread thread;

  private EventDispatcher() {
    listeners = List.of();
    queue = null;
    thread = null;
  }

  private EventDispatcher(String name, List<EventListener> listeners) {
    this.listeners = List.copyOf(listeners);
    this.queue = new LinkedBlockingQueue<>();
    this.thread = new Thread(this::loop, "strata-events-" + name);
    thread.setDaemon(true);
  }

  /** A dispatcher for {@code listeners}, started; {@link #NONE} if there are none. */
  public static EventDispatcher start(String name, List<EventListener> listeners) {
    if (listeners.isEmpty()) {
      return NONE;
    }
    EventDispatcher d = new EventDispatcher(name, listeners);
    d.thread.start();
    return d;
  }

  /** Whether any listener listens: callers may skip building an event's figures if not. */
  public boolean active() {
    return queue != null;
  }

  /**
   * Queues {@code callback} for each listener with {@code info}; returns at once. Safe under any
   * engine lock (it takes only the queue's own).
   */
  public <T> void raise(BiConsumer<EventListener, T> callback, T info) {
    if (queue == null) {
      return;
    }
    queue.add(() -> deliver(callback, info));
  }

  private <T> void deliver(BiConsumer<EventListener, T> callback, T info) {
    for (EventListener l : listeners) {
      try {
        callback.accept(l, info);
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError) {
          throw e;
        }
        LOG.warn("event listener {} failed on {}; ignored", l, info, e);
      }
    }
  }

  private void loop() {
    try {
      for (Runnable r = queue.take(); r != END; r = queue.take()) {
        r.run();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Delivers every event raised before, then ends the thread; waits up to {@code timeoutMillis}
   * for it. Not from a listener: a callback closing its database would wait for itself.
   */
  public void close(long timeoutMillis) {
    if (queue == null) {
      return;
    }
    queue.add(END);
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("{} still runs a listener {} ms after close", thread.getName(), timeoutMillis);
    }
  }

  @Override
  public void close() {
    close(TimeUnit.SECONDS.toMillis(5));
  }

  /** The event thread, or null; for tests that check no thread survives close. */
  public Thread threadForTesting() {
    return thread;
  }
}
