package dev.strata.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A progress bar on stderr, drawn only when stderr is a terminal ({@link Terminals}). The
 * progressbar library draws whatever its output is: its console consumer starts every update with
 * a carriage return and its default style colours the bar with ANSI escapes, and its terminal
 * check (JLine's) only decides whether it may move the cursor, so redirected to a log file or a
 * pipe it fills it with escape codes. Confined to the command's thread; the caller closes it.
 */
final class Progress implements AutoCloseable {
  /** The bar, or null when stderr is not a terminal. */
  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  /**
   * A bar for {@code task} counting up to {@code max} ({@code -1} if unknown) in {@code unit}s of
   * {@code unitSize}; a no-op when stderr is not a terminal.
   */
  static Progress start(String task, long max, String unit, long unitSize) {
    if (!Terminals.stderrIsTerminal()) {
      return new Progress(null);
    }
    ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max);
    if (unit != null) {
      b.setUnit(unit, unitSize).showSpeed();
    }
    if (max < 0) {
      b.continuousUpdate();
    }
    return new Progress(b.build());
  }

  void stepTo(long n) {
    if (bar != null) {
      bar.stepTo(n);
    }
  }

  void step() {
    if (bar != null) {
      bar.step();
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
