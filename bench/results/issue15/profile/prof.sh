#!/usr/bin/env bash
# Per-thread CPU and system calls of one `pagestore bench` point, as recorded in bench/RESULTS.md ("What limits the
# store here"): prof.sh OUTDIR BENCH-ARGS..., e.g. prof.sh /tmp/prof-reads --workers 1 --depth 8 --read-percent 100.
# Needs perf (linux-perf) and python3; run as root, alone on the machine. The tracer slows the store while it runs.
set -u
out=$1; shift
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../../.." && pwd)
threads=$root/bench/results/issue14/long-warmup/threads.py
mkdir -p "$out"
"$root/bin/pagestore" bench --dir "$out/scratch" --warmup 20 --duration 25 "$@" > "$out/bench.txt" 2>&1 &
bench=$!
# the bench fills the store first; wait for the measured window to start, then sample inside it
for _ in $(seq 1 120); do grep -q "measuring" "$out/bench.txt" 2>/dev/null && break; sleep 1; done
sleep 5
mgr=$(pgrep -f 'PageStoreCli manager' | head -1)
python3 "$threads" 0 10 load.StoreWorker > "$out/threads.txt" &
perf stat -e context-switches,cpu-migrations,task-clock -p "$mgr" -- sleep 10 > "$out/perf-stat-manager.txt" 2>&1 &
perf trace -s -p "$mgr" -- sleep 5 > "$out/perf-trace-manager.txt" 2>&1
wrk=$(pgrep -f load.StoreWorker | head -1)
perf trace -s -p "$wrk" -- sleep 4 > "$out/perf-trace-worker.txt" 2>&1
wait %2 %3 2>/dev/null
wait $bench
grep -E "throughput|CPU us/op" "$out/bench.txt"
