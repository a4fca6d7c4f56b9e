#!/usr/bin/env bash
# Runs the YCSB suite (dev.strata.ycsb.YcsbSuite) on Strata and RocksDB; every argument passes
# through (--help lists them). Builds strata-ycsb/target/strata-ycsb.jar first if it is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/strata-ycsb/target/strata-ycsb.jar"
if [[ ! -f "$jar" ]]; then
  (cd "$root" && mvn -B -q package -pl strata-ycsb -am -DskipTests)
fi
# The suite itself only starts the phases' JVMs and reads their output: a small heap is enough.
exec java -Xmx256m -jar "$jar" "$@"
