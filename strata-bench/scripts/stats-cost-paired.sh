#!/usr/bin/env bash
# Statistics cost measured in pairs: PAIRS times, one JMH fork with statistics OFF and one with ALL,
# back to back (the order alternating), so that the machine's drift over minutes falls on both
# sides of each pair; prints each fork's score and each pair's ALL / OFF ratio.
# Usage: strata-bench/scripts/stats-cost-paired.sh BENCHMARK [PAIRS] [OUT_DIR]
#   BENCHMARK: readrandom or fillrandom (methods of StatisticsCostBenchmark)
set -euo pipefail
BENCH=$1
PAIRS=${2:-8}
OUT=${3:-/tmp/stats-cost-paired}
JAR="$(dirname "$0")/../target/strata-bench.jar"
mkdir -p "$OUT"
run() {  # level pair
  java -cp "$JAR" org.openjdk.jmh.Main "StatisticsCostBenchmark.$BENCH" -p statistics="$1" \
    -t 2 -f 1 -wi 2 -w 2s -i 3 -r 2s -rf json -rff "$OUT/$BENCH-$2-$1.json" > "$OUT/$BENCH-$2-$1.txt" 2>&1
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['primaryMetric']['score'])" \
    "$OUT/$BENCH-$2-$1.json"
}
for p in $(seq 1 "$PAIRS"); do
  if (( p % 2 )); then off=$(run OFF "$p"); all=$(run ALL "$p"); else all=$(run ALL "$p"); off=$(run OFF "$p"); fi
  echo "$BENCH pair $p OFF $off ALL $all ratio $(python3 -c "print(round($all/$off, 4))")"
done
