package dev.strata.bench.report;

import dev.strata.bench.BenchResult;
import dev.strata.bench.CacheState;
import dev.strata.bench.Machine;
import dev.strata.bench.ResultMath;
import dev.strata.bench.ResultTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes {@code index.html} and its PNG charts (drawn with XChart, headless) into a directory:
 * throughput per workload and engine under each condition (thread count, and value size and
 * page-cache state when several ran), throughput against threads when several counts ran, and
 * latency percentiles per workload. Chart files are named by thread count ({@code
 * throughput-t2.png}), with {@code -v1024} and {@code -dropped} added only when several value
 * sizes or page-cache states ran. Stateless.
 */
public final class HtmlReport {
  private static final int WIDTH = 960;
  private static final int HEIGHT = 480;

  private HtmlReport() {}

  /** The conditions one chart compares engines under. */
  private record Condition(int threads, int valueSize, CacheState cache) {
    boolean holds(BenchResult r) {
      return r.threads() == threads && r.valueSize() == valueSize && r.cache() == cache;
    }

    /** File-name suffix: the parts that vary in this report. */
    String suffix(boolean sizesVary, boolean cachesVary) {
      return "-t" + threads + (sizesVary ? "-v" + valueSize : "")
          + (cachesVary ? "-" + fileName(cache.label()) : "");
    }

    String title(boolean sizesVary, boolean cachesVary) {
      return threads + " threads" + (sizesVary ? ", " + valueSize + " B values" : "")
          + (cachesVary ? ", page cache " + cache.label() : "");
    }
  }

  /** Writes the report for {@code results}; {@code command} is shown as run. */
  public static void write(Path dir, List<BenchResult> results, String command) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Files.createDirectories(dir);
    Set<String> engines = new LinkedHashSet<>();
    Set<String> workloads = new LinkedHashSet<>();
    Set<Integer> threads = new TreeSet<>();
    Set<Integer> sizes = new TreeSet<>();
    Set<CacheState> caches = new TreeSet<>();
    for (BenchResult r : results) {
      engines.add(r.engine());
      workloads.add(r.workload());
      threads.add(r.threads());
      sizes.add(r.valueSize());
      caches.add(r.cache());
    }
    boolean sizesVary = sizes.size() > 1;
    boolean cachesVary = caches.size() > 1;
    List<Condition> conditions = new ArrayList<>();
    for (int v : sizes) {
      for (CacheState c : caches) {
        for (int t : threads) {
          Condition k = new Condition(t, v, c);
          if (results.stream().anyMatch(k::holds)) {
            conditions.add(k);
          }
        }
      }
    }
    StringBuilder html = new StringBuilder();
    head(html, command);
    html.append("<h2>Throughput</h2>\n");
    for (Condition k : conditions) {
      String png = "throughput" + k.suffix(sizesVary, cachesVary);
      throughputChart(dir.resolve(png), results, engines, workloads, k,
          k.title(sizesVary, cachesVary));
      html.append(img(png, "throughput at " + k.title(sizesVary, cachesVary)));
    }
    if (threads.size() > 1) {
      html.append("<h2>Throughput against threads</h2>\n");
      for (int v : sizes) {
        for (CacheState c : caches) {
          for (String w : workloads) {
            String png = "scaling-" + fileName(w) + (sizesVary ? "-v" + v : "")
                + (cachesVary ? "-" + fileName(c.label()) : "");
            String title = w + (sizesVary ? ", " + v + " B values" : "")
                + (cachesVary ? ", page cache " + c.label() : "");
            if (scalingChart(dir.resolve(png), results, engines, w, v, c, title)) {
              html.append(img(png, title + " against threads"));
            }
          }
        }
      }
    }
    html.append("<h2>Latency percentiles</h2>\n");
    for (Condition k : conditions) {
      for (String w : workloads) {
        String png = "latency-" + fileName(w) + k.suffix(sizesVary, cachesVary);
        String title = w + " latency, " + k.title(sizesVary, cachesVary);
        if (latencyChart(dir.resolve(png), results, engines, w, k, title)) {
          html.append(img(png, title));
        }
      }
    }
    table(html, results);
    configurations(html, results);
    html.append("</body></html>\n");
    Files.writeString(dir.resolve("index.html"), html.toString(), StandardCharsets.UTF_8);
  }

  private static void head(StringBuilder html, String command) {
    html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Strata benchmark</title>")
        .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}")
        .append("td:nth-child(-n+2),td:nth-child(5){text-align:left}")
        .append("img{display:block;margin:1em 0}</style>")
        .append("</head><body>\n<h1>Strata benchmark</h1>\n<p>")
        .append(escape(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.RFC_1123_DATE_TIME)))
        .append("</p>\n<pre>").append(escape(command)).append("</pre>\n<ul>\n");
    Machine.describe().forEach((k, v) ->
        html.append("<li>").append(escape(k)).append(": ").append(escape(v)).append("</li>\n"));
    html.append("</ul>\n");
  }

  private static void throughputChart(
      Path file, List<BenchResult> results, Set<String> engines, Set<String> workloads,
      Condition k, String title) throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Throughput, " + title).xAxisTitle("workload").yAxisTitle("ops/s (log)")
        .build();
    chart.getStyler().setXAxisLabelRotation(30);
    // Scans run orders of magnitude faster than writes: a logarithmic axis keeps both legible.
    chart.getStyler().setYAxisLogarithmic(true);
    List<String> x = new ArrayList<>(workloads);
    double min = Double.MAX_VALUE;
    for (BenchResult r : results) {
      if (k.holds(r) && r.opsPerSec() > 0) {
        min = Math.min(min, r.opsPerSec());
      }
    }
    double floor = Math.pow(10, Math.floor(Math.log10(min == Double.MAX_VALUE ? 1 : min)));
    for (String e : engines) {
      List<Double> y = new ArrayList<>();
      for (String w : x) {
        // A workload the engine did not run gets an empty bar.
        y.add(Math.max(floor, find(results, e, w, k).map(BenchResult::opsPerSec).orElse(0.0)));
      }
      chart.addSeries(e, x, y);
    }
    chart.getStyler().setYAxisMin(floor);
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Draws one workload's throughput against threads; false (and no file) if it never ran. */
  private static boolean scalingChart(
      Path file, List<BenchResult> results, Set<String> engines, String workload, int valueSize,
      CacheState cache, String title) throws IOException {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title(title + ": throughput against threads").xAxisTitle("threads")
        .yAxisTitle("ops/s").build();
    boolean any = false;
    for (String e : engines) {
      List<Integer> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (BenchResult r : results) {
        if (r.engine().equals(e) && r.workload().equals(workload) && r.valueSize() == valueSize
            && r.cache() == cache) {
          x.add(r.threads());
          y.add(r.opsPerSec());
        }
      }
      if (!x.isEmpty()) {
        chart.addSeries(e, x, y).setMarker(SeriesMarkers.CIRCLE);
        any = true;
      }
    }
    if (any) {
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
    return any;
  }

  private static boolean latencyChart(
      Path file, List<BenchResult> results, Set<String> engines, String workload, Condition k,
      String title) throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title(title).xAxisTitle("percentile")
        .yAxisTitle("microseconds (log)").build();
    chart.getStyler().setYAxisLogarithmic(true);
    List<String> x = List.of("p50", "p99", "p99.9", "max");
    boolean any = false;
    double min = Double.MAX_VALUE;
    for (String e : engines) {
      var r = find(results, e, workload, k);
      if (r.isPresent()) {
        BenchResult b = r.get();
        List<Double> y = List.of(positive(b.p50Micros()), positive(b.p99Micros()),
            positive(b.p999Micros()), positive(b.maxMicros()));
        chart.addSeries(e, x, y);
        min = Math.min(min, y.stream().mapToDouble(Double::doubleValue).min().orElse(1));
        any = true;
      }
    }
    if (any) {
      // Bars start at the axis minimum, which a logarithmic axis cannot put at zero.
      chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
    return any;
  }

  private static void table(StringBuilder html, List<BenchResult> results) {
    html.append("<h2>Results</h2>\n<table><tr>");
    for (String h : List.of("engine", "workload", "threads", "value B", "cache", "ops/s", "spread",
        "MiB/s", "p50 us",
        "p99 us", "p99.9 us", "max us", "found", "disk MiB", "w-amp", "max L0", "stall ms",
        "RSS MiB", "heap MiB",
        "ops/s vs rocksdb")) {
      html.append("<th>").append(h).append("</th>");
    }
    html.append("</tr>\n");
    for (BenchResult r : results) {
      String ratio = ResultTable.baseline(results, r)
          .map(b -> String.format(Locale.ROOT, "%.2fx", ResultMath.ratio(r.opsPerSec(),
              b.opsPerSec())))
          .orElse("");
      cells(html, r.engine(), r.workload(), Integer.toString(r.threads()),
          Integer.toString(r.valueSize()), r.cache().label(),
          String.format(Locale.ROOT, "%,.0f", r.opsPerSec()),
          r.repeats() > 1 ? String.format(Locale.ROOT, "%.1f%%", r.spreadPercent()) : "-",
          String.format(Locale.ROOT, "%.1f", r.mibPerSec()), num(r.p50Micros()),
          num(r.p99Micros()), num(r.p999Micros()), num(r.maxMicros()),
          r.expectedFound() >= 0 ? r.found() + "/" + r.expectedFound() : Long.toString(r.found()),
          num(r.diskBytes() / 1048576.0),
          Double.isNaN(r.writeAmplification()) ? "n/a"
              : String.format(Locale.ROOT, "%.2f", r.writeAmplification()),
          ResultTable.maxLevel0(r), ResultTable.stallMillis(r), num(r.peakRssBytes() / 1048576.0),
          num(r.peakHeapBytes() / 1048576.0), ratio);
    }
    html.append("</table>\n");
  }

  private static void configurations(StringBuilder html, List<BenchResult> results) {
    Map<String, Map<String, String>> configs = new LinkedHashMap<>();
    for (BenchResult r : results) {
      configs.putIfAbsent(r.engine(), r.configuration());
    }
    html.append("<h2>Configuration</h2>\n");
    configs.forEach((engine, config) -> {
      html.append("<h3>").append(escape(engine)).append("</h3>\n<ul>\n");
      config.forEach((k, v) -> html.append("<li>").append(escape(k)).append(" = ")
          .append(escape(v)).append("</li>\n"));
      html.append("</ul>\n");
    });
  }

  private static void cells(StringBuilder html, String... cells) {
    html.append("<tr>");
    for (String c : cells) {
      html.append("<td>").append(escape(c)).append("</td>");
    }
    html.append("</tr>\n");
  }

  private static java.util.Optional<BenchResult> find(
      List<BenchResult> results, String engine, String workload, Condition k) {
    return results.stream().filter(r -> r.engine().equals(engine)
        && r.workload().equals(workload) && k.holds(r)).findFirst();
  }

  private static String img(String png, String alt) {
    return "<img src=\"" + png + ".png\" alt=\"" + escape(alt) + "\">\n";
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%.1f", v);
  }

  private static double positive(double v) {
    return Double.isNaN(v) ? 0.01 : Math.max(v, 0.01);
  }

  private static String fileName(String workload) {
    return workload.replaceAll("[^A-Za-z0-9-]", "-");
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
