package dev.strata.bench.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The table {@link MemtableScaling} prints (one row per benchmark, parameter set and thread
 * count), read back and drawn: one PNG per benchmark and parameter set other than the memtable,
 * with throughput against threads and one line per memtable. Usage: {@code ScalingTable
 * sweep.out DIR} draws the table found at the end of a saved sweep's output.
 */
public final class ScalingTable {
  /** One score: {@code params} without the memtable, which is {@code memtable}. */
  public record Score(
      String benchmark, String memtable, String params, int threads, double opsPerSec,
      double error) {
    /** The chart this score belongs to, e.g. {@code put} or {@code mixed-readPercent=90}. */
    public String chart() {
      return params.isEmpty() ? benchmark : benchmark + "-" + params.replace(' ', '-');
    }
  }

  private static final Pattern ROW = Pattern.compile(
      "^(\\w+)\\s+(\\S+=\\S+(?: \\S+=\\S+)*)\\s+(\\d+)\\s+([\\d,.]+)\\s+([\\d,.]+|NaN)\\s*$");

  private ScalingTable() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: ScalingTable SWEEP_OUTPUT DIR");
      System.exit(2);
    }
    List<Score> scores = parse(Files.readAllLines(Path.of(args[0])));
    if (scores.isEmpty()) {
      System.err.println("no MemtableScaling table in " + args[0]);
      System.exit(1);
    }
    for (Path png : draw(scores, Path.of(args[1]))) {
      System.out.println(png);
    }
  }

  /**
   * The rows of the last table in {@code lines}: those after the last header line that starts
   * with {@code benchmark}, as {@link MemtableScaling} prints it.
   */
  public static List<Score> parse(List<String> lines) {
    int header = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("benchmark ")) {
        header = i;
      }
    }
    List<Score> scores = new ArrayList<>();
    if (header < 0) {
      return scores;
    }
    for (String line : lines.subList(header + 1, lines.size())) {
      Matcher m = ROW.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String memtable = "";
      List<String> rest = new ArrayList<>();
      for (String p : m.group(2).split(" ")) {
        if (p.startsWith("memtable=")) {
          memtable = p.substring("memtable=".length());
        } else {
          rest.add(p);
        }
      }
      scores.add(new Score(
          m.group(1), memtable, String.join(" ", rest), Integer.parseInt(m.group(3)),
          number(m.group(4)), number(m.group(5))));
    }
    return scores;
  }

  /** Writes one PNG per {@link Score#chart()} into {@code dir}; returns the files written. */
  public static List<Path> draw(List<Score> scores, Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Map<String, List<Score>>> charts = new LinkedHashMap<>();
    for (Score s : scores) {
      charts.computeIfAbsent(s.chart(), k -> new LinkedHashMap<>())
          .computeIfAbsent(s.memtable(), k -> new ArrayList<>()).add(s);
    }
    List<Path> files = new ArrayList<>();
    for (Map.Entry<String, Map<String, List<Score>>> chart : charts.entrySet()) {
      // Thread counts as categories, so that each one is labelled (a log axis labels decades
      // only), with JMH's 99.9% interval as each point's error bar.
      CategoryChart chartOut = new CategoryChartBuilder().width(960).height(480)
          .title("memtable " + chart.getKey() + ": throughput against threads")
          .xAxisTitle("threads").yAxisTitle("ops/s (bars: JMH's 99.9% interval)").build();
      chartOut.getStyler().setDefaultSeriesRenderStyle(CategorySeriesRenderStyle.Line);
      chartOut.getStyler().setYAxisMin(0.0);
      chartOut.getStyler().setYAxisDecimalPattern("#,###");
      chartOut.getStyler().setErrorBarsColor(java.awt.Color.DARK_GRAY);
      for (Map.Entry<String, List<Score>> line : chart.getValue().entrySet()) {
        List<String> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        List<Double> err = new ArrayList<>();
        line.getValue().stream().sorted((a, b) -> Integer.compare(a.threads(), b.threads()))
            .forEach(s -> {
              x.add(Integer.toString(s.threads()));
              y.add(s.opsPerSec());
              err.add(Double.isNaN(s.error()) ? 0.0 : s.error());
            });
        chartOut.addSeries(line.getKey(), x, y, err).setMarker(SeriesMarkers.CIRCLE);
      }
      Path file = dir.resolve(
          "memtable-" + chart.getKey().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "")
              + ".png");
      BitmapEncoder.saveBitmap(chartOut, file.toString(), BitmapEncoder.BitmapFormat.PNG);
      files.add(file);
    }
    return files;
  }

  private static double number(String s) {
    return s.equals("NaN") ? Double.NaN : Double.parseDouble(s.replace(",", ""));
  }
}
