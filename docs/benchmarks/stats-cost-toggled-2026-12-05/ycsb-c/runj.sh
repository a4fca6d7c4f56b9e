#!/bin/bash
# usage: runj.sh label jar ops [jvm flags...]
label=$1; jar=$2; ops=$3; shift 3
${JAVA:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java} -Xmx2g "$@" -cp $jar site.ycsb.Client -t -db dev.strata.ycsb.StrataClient -P /work/prof/yc2/res/workloads/workloadc -threads 2 -p recordcount=1000000 -p operationcount=$ops -p strata.dir=/work/bench-data/yc/strata > /work/prof/yc2/$label.out 2>/work/prof/yc2/$label.err
echo "$label $(grep 'OVERALL\], Throughput' /work/prof/yc2/$label.out | cut -d, -f3) $(grep 'READ\], AverageLatency' /work/prof/yc2/$label.out | cut -d, -f3)"
