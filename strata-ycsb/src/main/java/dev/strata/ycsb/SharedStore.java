package dev.strata.ycsb;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import site.ycsb.DBException;

/**
 * The one open database of an engine in this JVM, shared by all of YCSB's per-thread client
 * instances and reference counted: the first {@link #acquire} opens it, the {@link #release}
 * matching the last acquire closes it, and an acquire after that opens it again. Also owns the
 * {@link KeyStripes} that make an update's read-merge-write atomic among the instances.
 * Thread-safe.
 *
 * <p>The database is opened and closed while holding the monitor: an instance that acquires
 * while another opens must wait for that open anyway, and these calls are one per client thread
 * at its start and end, never on the measured path.
 */
final class SharedStore {
  /** Opens an engine's store; the engine's own exceptions pass through. */
  interface Opener {
    RecordStore open(Path dir, OptionList settings);
  }

  /** Starts the stderr line that describes the engine's settings after an open. */
  static final String CONFIGURATION_PREFIX = "configuration: ";

  private final String dirProperty;
  private final String optionsProperty;
  private final Set<String> optionKeys;
  private final Opener opener;
  private final KeyStripes stripes = new KeyStripes();

  // guarded by this
  @GuardedBy("this")
  private RecordStore store;

  @GuardedBy("this")
  private String openedWith;

  @GuardedBy("this")
  private int references;

  @GuardedBy("this")
  private int opens;

  /**
   * @param dirProperty the YCSB property naming the database directory (required)
   * @param optionsProperty the YCSB property holding an {@link OptionList} (optional)
   */
  SharedStore(String dirProperty, String optionsProperty, Set<String> optionKeys, Opener opener) {
    this.dirProperty = dirProperty;
    this.optionsProperty = optionsProperty;
    this.optionKeys = optionKeys;
    this.opener = opener;
  }

  /**
   * Counts one more user and returns the store, opening it first if nobody uses it. Requires: a
   * matching {@link #release} when the caller is done. May block on the open.
   *
   * @throws DBException if the directory property is missing, the options are invalid, the open
   *     fails, or the store is already open with another directory or options; the count is then
   *     unchanged
   */
  synchronized RecordStore acquire(Properties properties) throws DBException {
    String dir = properties.getProperty(dirProperty);
    if (dir == null || dir.isBlank()) {
      throw new DBException("the property " + dirProperty + " (the database directory) is not set");
    }
    String options = properties.getProperty(optionsProperty, "");
    Path path = Path.of(dir).toAbsolutePath().normalize();
    String configuration = path + " " + options;
    if (store == null) {
      try {
        store = opener.open(path, OptionList.parse(options, optionKeys));
      } catch (RuntimeException ex) {
        throw new DBException("cannot open " + path + ": " + ex.getMessage(), ex);
      }
      openedWith = configuration;
      opens++;
      System.err.println("opened " + path);
      System.err.println(CONFIGURATION_PREFIX + store.describe());
    } else if (!openedWith.equals(configuration)) {
      throw new DBException("already open as " + openedWith + ", not " + configuration);
    }
    references++;
    return store;
  }

  /**
   * Counts one user less and closes the store if it was the last. Requires: the caller acquired
   * the store and releases it once.
   *
   * @throws DBException if closing fails (the store counts as closed all the same)
   */
  synchronized void release() throws DBException {
    if (references == 0) {
      throw new IllegalStateException("release without acquire");
    }
    if (--references > 0) {
      return;
    }
    RecordStore closing = store;
    store = null;
    openedWith = null;
    try {
      closing.close();
    } catch (RuntimeException ex) {
      throw new DBException("cannot close the database: " + ex.getMessage(), ex);
    }
  }

  KeyStripes stripes() {
    return stripes;
  }

  synchronized int referencesForTesting() {
    return references;
  }

  synchronized int opensForTesting() {
    return opens;
  }

  synchronized boolean isOpenForTesting() {
    return store != null;
  }
}
