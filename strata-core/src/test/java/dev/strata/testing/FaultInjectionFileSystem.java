package dev.strata.testing;

import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileLockHandle;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.fs.WritableFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * An in-memory {@link FileSystem} that knows what a power loss would keep, injects I/O errors, and
 * records a trace of every call. Pass it with {@code Options.builder().fileSystem(fs)}.
 *
 * <p><b>Durability model.</b> Per file it keeps the bytes appended and how many of them were
 * forced ({@link WritableFile#sync()}); per directory it keeps the entries as of the last {@link
 * #syncDirectory} plus the creations, renames and deletions made since. {@link #crash(CrashMode,
 * Random)} freezes this instance (every later mutating call fails) and returns a new file system
 * holding what survived:
 *
 * <ul>
 *   <li>{@link CrashMode#DROP_UNSYNCED}: every unforced byte is lost; directory entries survive.
 *   <li>{@link CrashMode#TORN_PREFIX}: each file keeps a random prefix of its unforced bytes, cut
 *       at a 512-byte or 4 KiB boundary (or whole); directory entries survive.
 *   <li>{@link CrashMode#REVERT_DIRECTORIES}: as {@code TORN_PREFIX}, and the directory operations
 *       not yet forced are undone except for a random prefix of them (creations vanish, renames
 *       and deletions are reverted).
 * </ul>
 *
 * A process crash (kill -9) keeps everything: use {@link #crash} with {@link
 * CrashMode#KEEP_ALL}.
 *
 * <p><b>Faults.</b> {@link #failOneIn(Op, int)} makes a kind of call fail at random with the
 * given odds (from a seeded {@link Random}); {@link #failNext(Op, Predicate)} fails the next
 * matching call once; {@link #setDiskFull(boolean)} makes appends fail with "No space left on
 * device". A failed append writes nothing; a failed force forces nothing.
 *
 * <p><b>Crash points.</b> {@link #onCrashPoint(Consumer)} installs a handler the engine calls at
 * each {@link CrashPoint}; {@link #crashPointHits()} counts them.
 *
 * <p>Thread-safe: every operation runs under this object's monitor. Open handles are counted
 * ({@link #openHandles()}) so tests can check that nothing leaks.
 */
public final class FaultInjectionFileSystem implements FileSystem {
  /** What a simulated crash keeps. */
  public enum CrashMode {
    KEEP_ALL,
    DROP_UNSYNCED,
    TORN_PREFIX,
    REVERT_DIRECTORIES
  }

  /** Kinds of call, for fault odds and the trace. */
  public enum Op {
    CREATE,
    APPEND,
    SYNC,
    CLOSE,
    OPEN_READ,
    OPEN_APPEND,
    READ,
    RENAME,
    DELETE,
    SYNC_DIRECTORY,
    LIST,
    CREATE_DIRECTORIES,
    LOCK,
    LINK
  }

  /** One recorded call: its kind, path(s), byte range or size, data for appends, and outcome. */
  public record Event(
      long index, Op op, Path path, Path target, long offset, long length, byte[] data,
      boolean failed) {
    @Override
    public String toString() {
      return index + " " + op + " " + path + (target != null ? " -> " + target : "")
          + (length >= 0 ? " @" + offset + "+" + length : "") + (failed ? " FAILED" : "");
    }
  }

  /** Thrown by a crash-point handler (or by choice) to abandon the caller at a simulated crash. */
  public static final class SimulatedCrashException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SimulatedCrashException(String message) {
      super(message);
    }
  }

  /** The bytes of one file; shared by every name and handle of it (like an inode). */
  private static final class Node {
    byte[] data = new byte[256];
    int length;
    int synced;

    Node copyDurable(int keep) {
      Node n = new Node();
      n.data = Arrays.copyOf(data, Math.max(keep, 16));
      n.length = keep;
      n.synced = keep;
      return n;
    }
  }

  /** A directory operation not yet forced; replayed on the durable entries at a crash. */
  private record DirOp(Op op, Path path, Path target, Node node) {}

  // ---- all guarded by this ----
  private final Map<Path, Node> live = new HashMap<>();
  private final Map<Path, Node> durable = new HashMap<>();
  private final Set<Path> dirs = new HashSet<>();
  private final Map<Path, List<DirOp>> unforced = new HashMap<>();
  private final Set<Path> locks = new HashSet<>();
  private final EnumMap<Op, Integer> oneIn = new EnumMap<>(Op.class);
  private final List<Map.Entry<Op, Predicate<Path>>> failNext = new ArrayList<>();
  private final List<Event> trace = new ArrayList<>();
  private final Random random;
  private boolean tracing;
  private boolean diskFull;
  private boolean linksUnsupported;
  private boolean frozen;
  private int openHandles;
  private final Map<Object, Path> handles = new HashMap<>();

  private final AtomicLong injectedFaults = new AtomicLong();
  private final Map<CrashPoint, AtomicLong> hits = new ConcurrentHashMap<>();
  private volatile Consumer<CrashPoint> crashPointHandler = p -> {};

  /** An empty file system whose random faults draw from {@code seed}. */
  public FaultInjectionFileSystem(long seed) {
    this.random = new Random(seed);
  }

  // ---- configuration ----

  /** Makes each call of kind {@code op} fail with odds 1 in {@code n} (0 turns it off). */
  public synchronized FaultInjectionFileSystem failOneIn(Op op, int n) {
    if (n <= 0) {
      oneIn.remove(op);
    } else {
      oneIn.put(op, n);
    }
    return this;
  }

  /** Stops every random fault. */
  public synchronized void healthy() {
    oneIn.clear();
    failNext.clear();
    diskFull = false;
  }

  /** Fails the next call of kind {@code op} on a path matching {@code path}, once. */
  public synchronized void failNext(Op op, Predicate<Path> path) {
    failNext.add(Map.entry(op, path));
  }

  /**
   * Makes {@link #link} throw {@link UnsupportedOperationException}, as a file system without hard
   * links does.
   */
  public synchronized void setLinksUnsupported(boolean unsupported) {
    linksUnsupported = unsupported;
  }

  /** In full-disk mode every append fails with "No space left on device". */
  public synchronized void setDiskFull(boolean full) {
    diskFull = full;
  }

  /** Starts or stops recording the trace (appends keep a copy of their bytes). */
  public synchronized void setTracing(boolean on) {
    tracing = on;
  }

  public synchronized List<Event> trace() {
    return new ArrayList<>(trace);
  }

  /**
   * The file names, in call order, of the traced calls of kind {@code op} that succeeded on a file
   * whose name ends with {@code suffix}.
   */
  public synchronized List<String> tracedNames(Op op, String suffix) {
    return trace.stream()
        .filter(e -> e.op() == op && !e.failed())
        .map(e -> e.path().getFileName().toString())
        .filter(n -> n.endsWith(suffix))
        .toList();
  }

  public long injectedFaults() {
    return injectedFaults.get();
  }

  /** Installs the handler called at each crash point (after counting the hit). */
  public void onCrashPoint(Consumer<CrashPoint> handler) {
    crashPointHandler = handler;
  }

  public Map<CrashPoint, Long> crashPointHits() {
    Map<CrashPoint, Long> out = new EnumMap<>(CrashPoint.class);
    hits.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Readable and writable files open now. */
  public synchronized int openHandles() {
    return openHandles;
  }

  /** Paths of the files open now, for failure messages. */
  public synchronized List<Path> openPaths() {
    return new ArrayList<>(handles.values());
  }

  /** Makes every later mutating call fail, as after a power loss. */
  public synchronized void freeze() {
    frozen = true;
  }

  public synchronized boolean isFrozen() {
    return frozen;
  }

  /**
   * Freezes this file system and returns a new one holding what survives a crash in {@code mode}.
   * The new one has no faults configured and draws its random faults from {@code rnd}.
   */
  public synchronized FaultInjectionFileSystem crash(CrashMode mode, Random rnd) {
    frozen = true;
    FaultInjectionFileSystem out = new FaultInjectionFileSystem(rnd.nextLong());
    out.dirs.addAll(dirs);
    Map<Path, Node> names;
    if (mode == CrashMode.REVERT_DIRECTORIES) {
      names = new HashMap<>(durable);
      for (List<DirOp> ops : unforced.values()) {
        int keep = rnd.nextInt(ops.size() + 1);
        for (DirOp op : ops.subList(0, keep)) {
          applyDirOp(names, op);
        }
        // A directory rename undone: the directory is back under its old name.
        List<DirOp> undone = new ArrayList<>(ops.subList(keep, ops.size()));
        java.util.Collections.reverse(undone);
        for (DirOp op : undone) {
          if (op.op() == Op.RENAME && op.node() == null) {
            out.dirs.removeIf(d -> d.startsWith(op.target()));
            for (Path d : new ArrayList<>(dirs)) {
              if (d.startsWith(op.target())) {
                out.dirs.add(op.path().resolve(op.target().relativize(d)));
              }
            }
          }
        }
      }
    } else {
      names = new HashMap<>(live);
    }
    Map<Node, Node> copies = new HashMap<>();
    for (Map.Entry<Path, Node> e : names.entrySet()) {
      Node n = e.getValue();
      Node c = copies.computeIfAbsent(n, k -> k.copyDurable(survivingLength(k, mode, rnd)));
      out.live.put(e.getKey(), c);
      out.durable.put(e.getKey(), c);
    }
    return out;
  }

  private static int survivingLength(Node n, CrashMode mode, Random rnd) {
    switch (mode) {
      case KEEP_ALL:
        return n.length;
      case DROP_UNSYNCED:
        return n.synced;
      default:
        if (n.length == n.synced || rnd.nextInt(4) == 0) {
          return rnd.nextBoolean() ? n.length : n.synced;
        }
        int unit = rnd.nextBoolean() ? 512 : 4096;
        List<Integer> cuts = new ArrayList<>();
        cuts.add(n.synced);
        for (int c = (n.synced / unit + 1) * unit; c < n.length; c += unit) {
          cuts.add(c);
        }
        cuts.add(n.length);
        return cuts.get(rnd.nextInt(cuts.size()));
    }
  }

  private static void applyDirOp(Map<Path, Node> names, DirOp op) {
    switch (op.op()) {
      case CREATE -> names.put(op.path(), op.node());
      case DELETE -> names.remove(op.path());
      case RENAME -> {
        if (op.node() == null) {
          // A directory: every name under it moves.
          for (Path p : new ArrayList<>(names.keySet())) {
            if (p.startsWith(op.path())) {
              names.put(op.target().resolve(op.path().relativize(p)), names.remove(p));
            }
          }
        } else {
          names.remove(op.path());
          names.put(op.target(), op.node());
        }
      }
      default -> throw new AssertionError(op);
    }
  }

  // ---- fault machinery ----

  private void maybeFail(Op op, Path path) throws IOException {
    if (frozen && op != Op.READ && op != Op.OPEN_READ && op != Op.LIST && op != Op.CLOSE) {
      throw new IOException("simulated crash: file system frozen (" + op + " " + path + ")");
    }
    for (int i = 0; i < failNext.size(); i++) {
      Map.Entry<Op, Predicate<Path>> f = failNext.get(i);
      if (f.getKey() == op && f.getValue().test(path)) {
        failNext.remove(i);
        fail(op, path);
      }
    }
    if (op == Op.APPEND && diskFull) {
      record(op, path, null, -1, -1, null, true);
      injectedFaults.incrementAndGet();
      throw new IOException("No space left on device: " + path);
    }
    Integer n = oneIn.get(op);
    if (n != null && random.nextInt(n) == 0) {
      fail(op, path);
    }
  }

  private void fail(Op op, Path path) throws IOException {
    record(op, path, null, -1, -1, null, true);
    injectedFaults.incrementAndGet();
    throw new IOException("injected " + op + " failure on " + path);
  }

  private void record(
      Op op, Path path, Path target, long offset, long length, byte[] data, boolean failed) {
    if (tracing) {
      trace.add(new Event(trace.size(), op, path, target, offset, length, data, failed));
    }
  }

  private void addDirOp(DirOp op) {
    Path parent = (op.op() == Op.RENAME ? op.target() : op.path()).getParent();
    unforced.computeIfAbsent(parent, k -> new ArrayList<>()).add(op);
  }

  // ---- FileSystem ----

  @Override
  public void crashPoint(CrashPoint point) {
    hits.computeIfAbsent(point, k -> new AtomicLong()).incrementAndGet();
    crashPointHandler.accept(point);
  }

  @Override
  public synchronized WritableFile create(Path path) throws IOException {
    maybeFail(Op.CREATE, path);
    if (!dirs.contains(path.getParent())) {
      throw new NoSuchFileException(path.toString(), null, "no such directory");
    }
    Node node = new Node();
    live.put(path, node);
    addDirOp(new DirOp(Op.CREATE, path, null, node));
    record(Op.CREATE, path, null, -1, -1, null, false);
    return new Writer(path, node);
  }

  /** The node of an existing file; under this. */
  private Node existing(Path path) throws NoSuchFileException {
    Node node = live.get(path);
    if (node == null) {
      throw new NoSuchFileException(path.toString());
    }
    return node;
  }

  @Override
  public synchronized WritableFile openAppend(Path path) throws IOException {
    maybeFail(Op.OPEN_APPEND, path);
    Node node = existing(path);
    record(Op.OPEN_APPEND, path, null, -1, -1, null, false);
    return new Writer(path, node);
  }

  @Override
  public synchronized ReadableFile openRead(Path path) throws IOException {
    maybeFail(Op.OPEN_READ, path);
    Node node = existing(path);
    return new Reader(path, node);
  }

  @Override
  public synchronized boolean exists(Path path) {
    return live.containsKey(path) || dirs.contains(path);
  }

  @Override
  public synchronized long size(Path path) throws IOException {
    Node node = existing(path);
    return node.length;
  }

  @Override
  public synchronized List<String> list(Path dir) throws IOException {
    maybeFail(Op.LIST, dir);
    if (!dirs.contains(dir)) {
      throw new NoSuchFileException(dir.toString());
    }
    TreeSet<String> names = new TreeSet<>();
    for (Path p : live.keySet()) {
      if (dir.equals(p.getParent())) {
        names.add(p.getFileName().toString());
      }
    }
    // Subdirectories too, as a real file system lists them.
    for (Path p : dirs) {
      if (dir.equals(p.getParent())) {
        names.add(p.getFileName().toString());
      }
    }
    return new ArrayList<>(names);
  }

  @Override
  public synchronized void rename(Path from, Path to) throws IOException {
    maybeFail(Op.RENAME, from);
    if (dirs.contains(from)) {
      renameDirectory(from, to);
      return;
    }
    Node node = live.remove(from);
    if (node == null) {
      throw new NoSuchFileException(from.toString());
    }
    live.put(to, node);
    addDirOp(new DirOp(Op.RENAME, from, to, node));
    record(Op.RENAME, from, to, -1, -1, null, false);
  }

  /**
   * Renames a directory and everything under it; it may replace only an empty directory. Its
   * durability is its parent's, like a file's; the unforced entries under it move with it.
   */
  private void renameDirectory(Path from, Path to) throws IOException {
    if (live.containsKey(to)) {
      throw new java.nio.file.FileSystemException(to.toString(), null, "not a directory");
    }
    if (dirs.contains(to) && !isEmptyDirectory(to)) {
      throw new java.nio.file.DirectoryNotEmptyException(to.toString());
    }
    if (!dirs.contains(to.getParent())) {
      throw new NoSuchFileException(to.toString(), null, "no such directory");
    }
    dirs.remove(to);
    for (Path d : new ArrayList<>(dirs)) {
      if (d.startsWith(from)) {
        dirs.remove(d);
        dirs.add(to.resolve(from.relativize(d)));
      }
    }
    for (Path p : new ArrayList<>(live.keySet())) {
      if (p.startsWith(from)) {
        live.put(to.resolve(from.relativize(p)), live.remove(p));
      }
    }
    for (Path k : new ArrayList<>(unforced.keySet())) {
      if (k.startsWith(from)) {
        List<DirOp> moved = new ArrayList<>();
        for (DirOp op : unforced.remove(k)) {
          moved.add(new DirOp(op.op(), moved(op.path(), from, to), moved(op.target(), from, to),
              op.node()));
        }
        unforced.put(to.resolve(from.relativize(k)), moved);
      }
    }
    addDirOp(new DirOp(Op.RENAME, from, to, null));
    record(Op.RENAME, from, to, -1, -1, null, false);
  }

  private static Path moved(Path p, Path from, Path to) {
    return p != null && p.startsWith(from) ? to.resolve(from.relativize(p)) : p;
  }

  private boolean isEmptyDirectory(Path dir) {
    for (Path p : live.keySet()) {
      if (p.startsWith(dir)) {
        return false;
      }
    }
    for (Path d : dirs) {
      if (!d.equals(dir) && d.startsWith(dir)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A hard link: a second name of the same node (the same bytes and sync state), made durable by
   * a force of its parent like a created file.
   */
  @Override
  public synchronized void link(Path existing, Path link) throws IOException {
    if (linksUnsupported) {
      throw new UnsupportedOperationException("no hard links on this file system");
    }
    maybeFail(Op.LINK, link);
    Node node = live.get(existing);
    if (node == null) {
      throw new NoSuchFileException(existing.toString());
    }
    if (!dirs.contains(link.getParent())) {
      throw new NoSuchFileException(link.toString(), null, "no such directory");
    }
    if (live.containsKey(link) || dirs.contains(link)) {
      throw new java.nio.file.FileAlreadyExistsException(link.toString());
    }
    live.put(link, node);
    addDirOp(new DirOp(Op.CREATE, link, null, node));
    record(Op.LINK, existing, link, -1, -1, null, false);
  }

  @Override
  public synchronized void delete(Path path) throws IOException {
    maybeFail(Op.DELETE, path);
    if (dirs.contains(path)) {
      if (!isEmptyDirectory(path)) {
        throw new java.nio.file.DirectoryNotEmptyException(path.toString());
      }
      dirs.remove(path);
      record(Op.DELETE, path, null, -1, -1, null, false);
      return;
    }
    if (live.remove(path) != null) {
      addDirOp(new DirOp(Op.DELETE, path, null, null));
    }
    record(Op.DELETE, path, null, -1, -1, null, false);
  }

  @Override
  public synchronized void createDirectories(Path dir) throws IOException {
    maybeFail(Op.CREATE_DIRECTORIES, dir);
    for (Path p = dir; p != null; p = p.getParent()) {
      dirs.add(p);
    }
  }

  @Override
  public synchronized void syncDirectory(Path dir) throws IOException {
    maybeFail(Op.SYNC_DIRECTORY, dir);
    List<DirOp> ops = unforced.remove(dir);
    if (ops != null) {
      for (DirOp op : ops) {
        applyDirOp(durable, op);
      }
    }
    record(Op.SYNC_DIRECTORY, dir, null, -1, -1, null, false);
  }

  @Override
  public synchronized FileLockHandle lock(Path path) throws IOException {
    maybeFail(Op.LOCK, path);
    if (!locks.add(path)) {
      throw new IOException("lock " + path + " is already held");
    }
    if (!live.containsKey(path)) {
      Node node = new Node();
      live.put(path, node);
      durable.put(path, node);
    }
    return () -> {
      synchronized (FaultInjectionFileSystem.this) {
        locks.remove(path);
      }
    };
  }

  /** Tests that corrupt files on purpose replace a file's bytes (durably) with this. */
  public synchronized void overwrite(Path path, byte[] content) {
    Node node = new Node();
    node.data = Arrays.copyOf(content, Math.max(16, content.length));
    node.length = content.length;
    node.synced = content.length;
    live.put(path, node);
    durable.put(path, node);
  }

  /**
   * Cuts a log file (a WAL or the manifest, framed as in {@link dev.strata.wal.WalFormat}) after
   * its first {@code records} records, durably: a tail lost exactly at a record boundary.
   */
  public synchronized void keepRecords(Path log, int records) {
    byte[] c = read(log);
    int pos = 0;
    for (int i = 0; i < records; i++) {
      pos += dev.strata.wal.WalFormat.HEADER_SIZE + dev.strata.util.Coding.getInt(c, pos);
    }
    overwrite(log, Arrays.copyOf(c, pos));
  }

  /** The current bytes of a file, or null if it does not exist. */
  public synchronized byte[] read(Path path) {
    Node node = live.get(path);
    return node == null ? null : Arrays.copyOf(node.data, node.length);
  }

  /** Removes a file at once and durably (for corruption tests). */
  public synchronized void remove(Path path) {
    live.remove(path);
    durable.remove(path);
  }

  private void opened(Object handle, Path path) {
    openHandles++;
    handles.put(handle, path);
  }

  private void closed(Object handle) {
    if (handles.remove(handle) != null) {
      openHandles--;
    }
  }

  private final class Writer implements WritableFile {
    private final Path path;
    private final Node node;
    private boolean closed;

    Writer(Path path, Node node) {
      this.path = path;
      this.node = node;
      opened(this, path);
    }

    @Override
    public void append(byte[] data, int offset, int length) throws IOException {
      synchronized (FaultInjectionFileSystem.this) {
        if (closed) {
          throw new IOException("append to closed " + path);
        }
        maybeFail(Op.APPEND, path);
        if (node.length + length > node.data.length) {
          node.data = Arrays.copyOf(node.data, Math.max(node.data.length * 2, node.length + length));
        }
        System.arraycopy(data, offset, node.data, node.length, length);
        record(Op.APPEND, path, null, node.length, length,
            tracing ? Arrays.copyOfRange(data, offset, offset + length) : null, false);
        node.length += length;
      }
    }

    @Override
    public void sync() throws IOException {
      synchronized (FaultInjectionFileSystem.this) {
        if (closed) {
          throw new IOException("sync of closed " + path);
        }
        maybeFail(Op.SYNC, path);
        node.synced = node.length;
        record(Op.SYNC, path, null, 0, node.length, null, false);
      }
    }

    @Override
    public long size() {
      synchronized (FaultInjectionFileSystem.this) {
        return node.length;
      }
    }

    @Override
    public void close() {
      synchronized (FaultInjectionFileSystem.this) {
        if (!closed) {
          closed = true;
          closed(this);
          record(Op.CLOSE, path, null, -1, -1, null, false);
        }
      }
    }
  }

  private final class Reader implements ReadableFile {
    private final Path path;
    private final Node node;
    private boolean closed;

    Reader(Path path, Node node) {
      this.path = path;
      this.node = node;
      opened(this, path);
    }

    @Override
    public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
      synchronized (FaultInjectionFileSystem.this) {
        if (closed) {
          throw new IOException("read of closed " + path);
        }
        maybeFail(Op.READ, path);
        if (position < 0 || position + length > node.length) {
          throw new EOFException(
              "end of " + path + " (" + node.length + " bytes) reading " + length + " at "
                  + position);
        }
        System.arraycopy(node.data, (int) position, dst, offset, length);
      }
    }

    @Override
    public long size() {
      synchronized (FaultInjectionFileSystem.this) {
        return node.length;
      }
    }

    @Override
    public void close() {
      synchronized (FaultInjectionFileSystem.this) {
        if (!closed) {
          closed = true;
          closed(this);
        }
      }
    }
  }
}
