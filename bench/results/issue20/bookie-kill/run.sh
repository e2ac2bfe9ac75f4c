#!/usr/bin/env bash
# Issue 20: "a bookie killed under load: writes go on (ack quorum), throughput recovers within 1 s of the bookie's
# return". Each run: a local cluster (ZooKeeper + 3 bookies), a manager replicating to it (3/3/2), 64 writers of one
# client writing 4 KiB pages durably; bookie 2 SIGKILLed at T=10 s, started again at T=20 s, writers stopped at T=32 s
# or 10 s after the bookie's return, whichever is later (BookieKillTimeline's Javadoc). Per run N, in OUT: run-N.csv
# (per 100 ms bucket: ms, writes, errors, and the manager's group commits and fdatasync ms), run-N.txt (the summary),
# run-N-manager.err.gz (the manager's stderr: the BookKeeper client's warnings), run-N-{zookeeper,bookie-I}.log.gz (the
# cluster's logs) and run-N-launcher.err (the launching JVM's stderr: the cluster's own log lines).
# Usage: run.sh OUT RUNS [WARMUP_SECONDS]   (uncounted writes before T=0; default 0)
# Build first: ./mvnw -o -q -pl bench -am install -Dmaven.test.skip=true
# SCRATCH (default /tmp/bookie-kill) is emptied before each run; it must be on a real file system.
set -euo pipefail
OUT=$1 RUNS=$2 WARMUP=${3:-0}
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
SCRATCH=${SCRATCH:-/tmp/bookie-kill}
mkdir -p "$OUT"
J="$("$ROOT/bin/find-jdk")/bin/java"
CP="$ROOT/bench/target/lib/*:$ROOT/bench/target/classes"
for run in $(seq 1 "$RUNS"); do
  rm -rf "$SCRATCH"
  rc=0
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  "$J" --enable-native-access=ALL-UNNAMED -cp "$CP" dev.pagestore.bench.replication.BookieKillTimeline \
      "$SCRATCH" "$OUT/run-$run.csv" "$WARMUP" > "$OUT/run-$run.txt" 2> "$OUT/run-$run-launcher.err" || rc=$?
  echo "load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)" \
      >> "$OUT/run-$run.txt"
  for log in "$SCRATCH/manager.err" "$SCRATCH"/cluster/logs/*.log; do
    if [[ -f $log ]]; then
      gzip -c "$log" > "$OUT/run-$run-$(basename "$log").gz"
    fi
  done
  if [[ $rc -ne 0 ]]; then
    echo "run $run: BookieKillTimeline exited $rc; see $OUT/run-$run-launcher.err" >&2
    continue
  fi
  echo "run $run: $(grep -E '^(writes/s, median of 100 ms buckets: pre|recovery|longest stall|errors)' \
      "$OUT/run-$run.txt" | tr '\n' ' ')"
done
