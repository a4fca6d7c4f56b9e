#!/bin/bash
set -x
for round in 3 4 5; do
  for v in 161ccc5 new; do
    java -Xmx1g -jar /tmp/jars/bench-$v.jar --engine strata --benchmarks readrandom,readwhilewriting --num 1000000 --threads 2 --repeat 3 --warmup 10s --json /tmp/ab/$v-r$round.jsonl --no-progress > /tmp/ab/$v-r$round.txt 2>&1
  done
done
echo ALLDONE
