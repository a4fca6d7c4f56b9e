package dev.strata.bench.engine;

/**
 * Time writers spent blocked by an engine's flow control, as counted by the engine itself, since
 * it opened.
 *
 * @param stallMicros microseconds writers waited for flushes or compactions
 * @param stalls how many stalls the engine counted, or -1 if it counts only time
 */
public record WriteStalls(long stallMicros, long stalls) {
  /** The stalls accumulated since {@code earlier}; the count stays -1 if either lacks it. */
  public WriteStalls minus(WriteStalls earlier) {
    long count = stalls < 0 || earlier.stalls < 0 ? -1 : stalls - earlier.stalls;
    return new WriteStalls(stallMicros - earlier.stallMicros, count);
  }
}
