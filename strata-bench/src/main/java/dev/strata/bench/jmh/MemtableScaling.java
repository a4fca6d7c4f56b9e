package dev.strata.bench.jmh;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs JMH benchmarks once per thread count and prints one table of every score, since JMH's
 * thread count is not a {@code @Param}. Usage: {@code MemtableScaling --threads 1,2,4,8,32
 * [--chart DIR] [JMH options and benchmark regexps]}; without a regexp it runs {@link
 * MemtableBenchmark}. With {@code --chart} it also draws the table ({@link ScalingTable}).
 */
public final class MemtableScaling {
  private MemtableScaling() {}

  public static void main(String[] args)
      throws RunnerException, CommandLineOptionException, IOException {
    List<Integer> threads = List.of(1, 2, 4, 8, 32);
    Path chartDir = null;
    List<String> jmhArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--threads") && i + 1 < args.length) {
        threads = Arrays.stream(args[++i].split(",")).map(String::trim).map(Integer::valueOf)
            .toList();
      } else if (args[i].equals("--chart") && i + 1 < args.length) {
        chartDir = Path.of(args[++i]);
      } else {
        jmhArgs.add(args[i]);
      }
    }
    CommandLineOptions parsed = new CommandLineOptions(jmhArgs.toArray(new String[0]));
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"benchmark", "params", "threads", "ops/s", "error"});
    for (int t : threads) {
      OptionsBuilder b = new OptionsBuilder();
      b.parent(parsed).threads(t);
      if (parsed.getIncludes().isEmpty()) {
        b.include(MemtableBenchmark.class.getSimpleName());
      }
      Options opts = b.build();
      Collection<RunResult> results = new Runner(opts).run();
      for (RunResult r : results) {
        rows.add(row(r, t));
      }
    }
    String table = align(rows);
    System.out.println();
    System.out.print(table);
    if (chartDir != null) {
      for (Path png : ScalingTable.draw(ScalingTable.parse(table.lines().toList()), chartDir)) {
        System.out.println("chart: " + png);
      }
    }
  }

  private static String[] row(RunResult r, int threads) {
    StringBuilder params = new StringBuilder();
    for (String key : r.getParams().getParamsKeys()) {
      params.append(params.length() == 0 ? "" : " ").append(key).append('=')
          .append(r.getParams().getParam(key));
    }
    String name = r.getParams().getBenchmark();
    return new String[] {
      name.substring(name.lastIndexOf('.') + 1), params.toString(), Integer.toString(threads),
      String.format(Locale.ROOT, "%,.0f", r.getPrimaryResult().getScore()),
      String.format(Locale.ROOT, "%,.0f", r.getPrimaryResult().getScoreError())
    };
  }

  static String align(List<String[]> rows) {
    int[] w = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        w[c] = Math.max(w[c], row[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        String pad = " ".repeat(w[c] - row[c].length());
        sb.append(c < 2 ? row[c] + pad : pad + row[c]).append(c + 1 < row.length ? "  " : "\n");
      }
    }
    return sb.toString();
  }
}
