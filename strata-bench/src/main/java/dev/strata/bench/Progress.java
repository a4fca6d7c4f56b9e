package dev.strata.bench;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of one long phase. A terminal gets a progress bar; anything else gets nothing. Safe
 * for use by many threads at once ({@code ProgressBar} synchronises its state); the coordinating
 * thread closes it.
 */
interface Progress extends AutoCloseable {
  /** Operations between two {@link #step} calls of one thread. */
  int STEP = 1024;

  Progress NONE =
      new Progress() {
        @Override
        public void step(long n) {}

        @Override
        public void close() {}
      };

  void step(long n);

  @Override
  void close();

  /** Whether this process's stdout is a terminal. */
  static boolean onTerminal() {
    return System.console() != null;
  }

  /**
   * Makes progress displays: bars (drawn on stderr) when {@code enabled}, else nothing. The
   * caller checks {@link #onTerminal()}: a forked child's stdout is a pipe to its parent, so there
   * the parent decides.
   */
  interface Factory {
    Progress start(String task, long total);

    static Factory of(boolean enabled) {
      if (!enabled) {
        return (task, total) -> NONE;
      }
      return (task, total) -> {
        ProgressBar bar =
            new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .clearDisplayOnFinish()
                .build();
        return new Progress() {
          @Override
          public void step(long n) {
            bar.stepBy(n);
          }

          @Override
          public void close() {
            bar.close();
          }
        };
      };
    }
  }
}
