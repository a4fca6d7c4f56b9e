#!/usr/bin/env bash
# Runs the Kafka Streams store comparison (dev.strata.kafka.StoreComparison): a KRaft broker on
# loopback, then the same application on RocksDB and on Strata stores, each in its own JVM. Every
# argument passes through, e.g.
#   strata-kafka/kafka-bench.sh --records 10000000 --keys 1000000 --out docs/benchmarks/kafka.md
# Compiles the module's test classes first (no install) and writes their class path to
# strata-kafka/target/bench.cp. See docs/design/kafka.md, "Benchmark".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -B -q -pl strata-kafka -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp
cp="strata-kafka/target/test-classes:strata-kafka/target/classes:$(cat strata-kafka/target/bench.cp)"
# The broker and the driver live in this JVM; each application JVM gets --heap (2g by default).
exec java -Xmx2g -cp "$cp" dev.strata.kafka.StoreComparison "$@"
