#!/bin/bash
# usage: load.sh label jar [jvm opts...]: YCSB load, default heap; prints label, ops/s, maxrss, heap max
label=$1; jar=$2; shift 2
rm -rf /var/tmp/s32/yl
/usr/bin/time -f "%M" -o /var/tmp/s32/t.txt java "$@" -Xlog:gc:file=/var/tmp/s32/gc-$label.log -cp $jar site.ycsb.Client -load -db dev.strata.ycsb.StrataClient -P /work/main/strata-ycsb/workloads/workloada -p strata.dir=/var/tmp/s32/yl -p recordcount=1000000 -threads 2 > /var/tmp/s32/out.txt 2>&1
thr=$(grep "OVERALL\], Throughput" /var/tmp/s32/out.txt | awk -F', ' '{printf "%.0f",$3}')
heap=$(grep -oE '\(([0-9]+)M\)' /var/tmp/s32/gc-$label.log | tr -d '()M' | sort -n | tail -1)
cs=$(grep -c "Concurrent Start" /var/tmp/s32/gc-$label.log)
echo "$label ops/s $thr maxrss_MiB $(( $(cat /var/tmp/s32/t.txt) / 1024 )) heapmax_MiB $heap concstarts $cs"
