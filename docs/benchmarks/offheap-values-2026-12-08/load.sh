#!/bin/bash
# usage: load.sh label jar strata.options [jvm opts...]: YCSB load, default heap; prints label, ops/s, maxrss, heap max
label=$1; jar=$2; sopts=$3; shift 3; db=${DB:-dev.strata.ycsb.StrataClient}
d=/var/tmp/s34
rm -rf $d/yl
/usr/bin/time -f "%M" -o $d/t.txt java "$@" -Xlog:gc:file=$d/gc-$label.log -cp $jar site.ycsb.Client -load -db $db -p rocksdb.dir=$d/yl -P /work/main/strata-ycsb/workloads/workloada -p strata.dir=$d/yl -p "strata.options=$sopts" -p recordcount=1000000 -threads 2 > $d/out-$label.txt 2>&1
thr=$(grep "OVERALL\], Throughput" $d/out-$label.txt | awk -F', ' '{printf "%.0f",$3}')
heap=$(grep -oE '\(([0-9]+)M\)' $d/gc-$label.log | tr -d '()M' | sort -n | tail -1)
cs=$(grep -c "Concurrent Start" $d/gc-$label.log)
echo "$label ops/s $thr maxrss_MiB $(( $(cat $d/t.txt) / 1024 )) heapmax_MiB $heap concstarts $cs"
