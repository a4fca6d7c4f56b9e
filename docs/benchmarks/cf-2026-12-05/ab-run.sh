#!/bin/bash
# A/B: the runner on the jar before column families (old) and after (new), alternated.
cd /tmp/ab
for round in 1 2 3; do
  for v in old new; do
    echo "=== $v round $round $(date -u +%H:%M:%S)"
    java -jar $v.jar --engine strata --benchmarks fillrandom,readrandom,overwrite --num 1000000 --threads 2 --warmup 0 --no-progress 2>&1 | grep -E "fillrandom|readrandom|overwrite" | grep -v "^#" | head -6
  done
done
