#!/usr/bin/env bash
# Loads N keys into Strata and RocksDB through the write path and through external tables plus
# ingestion, one engine and mode per JVM, in one run; after each write-path load, times a
# checkpoint onto the same file system and onto another (OTHER_FS, default /dev/shm).
# Usage: strata-bench/scripts/ingest-compare.sh [N] [VALUE_BYTES] [WORK_DIR]
# Needs: mvn -B -q install -DskipTests (builds strata-bench/target/strata-bench.jar).
set -euo pipefail
N=${1:-10000000}
VALUE=${2:-100}
WORK=${3:-/tmp/strata-ingest-bench}
OTHER_FS=${OTHER_FS:-/dev/shm/strata-ingest-bench}
JAR="$(dirname "$0")/../target/strata-bench.jar"
JAVA_OPTS=${JAVA_OPTS:--Xmx4g}
for run in strata:write rocksdb:write strata:ingest rocksdb:ingest; do
  engine=${run%%:*}; mode=${run##*:}
  rm -rf "$WORK" "$OTHER_FS"; mkdir -p "$WORK" "$OTHER_FS"
  sync
  java $JAVA_OPTS -cp "$JAR" dev.strata.bench.IngestBench "$engine" "$mode" "$N" "$VALUE" \
    "$WORK/db" "$OTHER_FS"
done
rm -rf "$WORK" "$OTHER_FS"
