#!/usr/bin/env bash
# Per-thread CPU and syscall profile of one bench point: prof.sh NAME BENCH-ARGS...
set -u
name=$1; shift
cd /work/benchrun
out=/work/series/prof-$name
mkdir -p $out
rm -rf /work/series/pdir-$name
bin/pagestore bench --dir /work/series/pdir-$name --warmup 20 --duration 25 "$@" > $out/bench.txt 2>&1 &
bench=$!
# the bench fills the store first; wait for the measured window to start, then sample inside it
for i in $(seq 1 120); do grep -q "measuring" $out/bench.txt 2>/dev/null && break; sleep 1; done
sleep 5
mgr=$(pgrep -f 'PageStoreCli manager' | head -1)
python3 /work/series/threads.py 0 10 > $out/threads.txt &
perf stat -e context-switches,cpu-migrations,task-clock -p $mgr -- sleep 10 > $out/perf-stat-manager.txt 2>&1 &
perf trace -s -p $mgr -- sleep 5 > $out/perf-trace-manager.txt 2>&1
wrk=$(pgrep -f load.StoreWorker | head -1)
perf trace -s -p $wrk -- sleep 4 > $out/perf-trace-worker.txt 2>&1
wait %2 %3 2>/dev/null
wait $bench
grep -E "throughput|CPU us/op" $out/bench.txt
