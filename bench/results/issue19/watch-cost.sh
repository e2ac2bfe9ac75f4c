#!/usr/bin/env bash
# What watching a manager costs it: alternating runs of one `pagestore bench` point in one clone, without and with a
# `pagestore stat --format json` reading the manager's status region all along (quiet first in odd passes, watched
# first in even ones): watch-cost.sh OUT PASSES BENCH-ARGS... Environment: CLONE (the build), INTERVAL (stat's
# interval, default 200ms), SCRATCH (the bench's --dir, removed before each run). stat starts at the run's warm-up
# (one run per bench: --runs 1) and watches to its end; its own CPU time is in OUT/watched-N.stat-cpu (user and
# system seconds).
set -u
out=$1 passes=$2; shift 2
: "${CLONE:?CLONE=clone of the build}"
interval=${INTERVAL:-200ms}
scratch=${SCRATCH:-/tmp/pagestore-watch-scratch}
mkdir -p "$out"
for p in $(seq 1 "$passes"); do
  order=(quiet watched)
  (( p % 2 == 0 )) && order=(watched quiet)
  for mode in "${order[@]}"; do
    rm -rf "$scratch"
    "$CLONE/bin/pagestore" bench --dir "$scratch" "$@" > "$out/$mode-$p.txt" 2>&1 &
    bench=$!
    if [[ $mode == watched ]]; then
      # From the warm-up of the run on: the manager that makes the store stops before the measured one starts.
      until grep -q ': warm-up' "$out/$mode-$p.txt" || ! kill -0 "$bench" 2>/dev/null; do sleep 0.1; done
      /usr/bin/time -f "%U %S" -o "$out/$mode-$p.stat-cpu" \
        "$CLONE/bin/pagestore" stat --dir "$scratch/store" --interval "$interval" --format json \
        > "$out/$mode-$p.jsonl" 2> "$out/$mode-$p.stat-err" &
      stat=$!
    fi
    wait "$bench"
    if [[ $mode == watched ]]; then
      # SIGTERM: an asynchronous command of a script starts with SIGINT ignored, and the JVM keeps it so
      pkill -TERM -f "PageStoreCli stat --dir $scratch/store" 2>/dev/null  # the JVM, not time(1)
      wait "$stat" 2>/dev/null
    fi
    echo "$mode pass $p: $(grep -E '^throughput|manager  ' "$out/$mode-$p.txt" | tr -s ' ' | tr '\n' ' ')"
  done
done
