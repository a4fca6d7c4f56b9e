package dev.strata.engine;

import dev.strata.DBIterator;
import dev.strata.HistogramType;
import dev.strata.Ticker;
import dev.strata.stats.StatsRecorder;

/**
 * A {@link DBIterator} that counts its seeks and steps into the database's statistics: every seek
 * is timed, and one step in {@link #STEP_SAMPLE} (a step costs about as much as two clock reads,
 * so timing each would double it), recorded for {@link #STEP_SAMPLE} steps. Steps reach {@link
 * Ticker#ITER_NEXTS} {@link #STEP_SAMPLE} at a time and the rest at close, so a shared counter is
 * not touched per step. Confined to the iterator's thread, like the iterator it wraps; closing
 * closes that iterator.
 */
final class StatsIterator implements DBIterator {
  /** Steps per timed step; a power of two. */
  static final int STEP_SAMPLE = 64;

  private final StatsRecorder recorder;
  private final DBIterator it;
  private final boolean timed;

  /** Steps taken; confined to the iterator's thread. */
  private int steps;

  private boolean closed;

  StatsIterator(StatsRecorder recorder, DBIterator it) {
    this.recorder = recorder;
    this.it = it;
    this.timed = recorder.timed();
  }

  @Override
  public void seekToFirst() {
    long start = recorder.startTimer();
    it.seekToFirst();
    seeked(start);
  }

  @Override
  public void seekToLast() {
    long start = recorder.startTimer();
    it.seekToLast();
    seeked(start);
  }

  @Override
  public void seek(byte[] target) {
    long start = recorder.startTimer();
    it.seek(target);
    seeked(start);
  }

  @Override
  public void seekForPrev(byte[] target) {
    long start = recorder.startTimer();
    it.seekForPrev(target);
    seeked(start);
  }

  private void seeked(long start) {
    recorder.increment(Ticker.ITER_SEEKS);
    if (timed) {
      recorder.stopTimer(HistogramType.SEEK_NANOS, start);
    }
  }

  @Override
  public boolean isValid() {
    return it.isValid();
  }

  @Override
  public byte[] key() {
    return it.key();
  }

  @Override
  public byte[] value() {
    return it.value();
  }

  @Override
  public void next() {
    if ((++steps & (STEP_SAMPLE - 1)) != 0) {
      it.next();
    } else {
      sampledStep(true);
    }
  }

  @Override
  public void prev() {
    if ((++steps & (STEP_SAMPLE - 1)) != 0) {
      it.prev();
    } else {
      sampledStep(false);
    }
  }

  /**
   * Every {@link #STEP_SAMPLE}th step: adds the steps since the last to the ticker (one shared
   * update per sample instead of per step) and times this one.
   */
  private void sampledStep(boolean forward) {
    recorder.add(Ticker.ITER_NEXTS, STEP_SAMPLE);
    long start = timed ? System.nanoTime() : 0;
    if (forward) {
      it.next();
    } else {
      it.prev();
    }
    if (timed) {
      recorder.stopTimer(HistogramType.NEXT_NANOS, start, STEP_SAMPLE);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      recorder.add(Ticker.ITER_NEXTS, steps & (STEP_SAMPLE - 1));
    }
    it.close();
  }
}
