#!/usr/bin/env bash
# Scaling curves of the whole store against a peer (issue 15): for each workload asked for and each worker count,
# one `bin/pagestore bench ... --compare PEER --runs R --json OUTDIR/NAME-wW.json`, then bench/plot.py draws the
# results as SVG in OUTDIR (throughput, p99 latency and CPU per operation against workers; latency percentiles).
#
#   bench/scaling.sh OUTDIR WORKLOAD...
#
# WORKLOAD (one or more; NAME in the file names):
#   reads        --read-percent 100, asynchronous, depth DEPTH per worker
#   writes       --read-percent 0 (durable writes), asynchronous, depth DEPTH per worker
#   writes-sync  --read-percent 0 --sync: DEPTH threads per worker, each one synchronous call at a time
#   mix          --read-percent 70, asynchronous, depth DEPTH per worker
#   all          the four above
#
# Environment (defaults in brackets):
#   WORKERS    worker counts ["1 2 4 8 16 32"]; with writes-sync, WORKERS x DEPTH is at most 256
#   PEER       fio, rocksdb or none [fio]; fio must be installed (apt-get install fio)
#   RUNS       runs of the store and as many of the peer, alternating; a point is their median [3]
#   WARMUP     seconds of load before each run's window [15], raised to 2.5 s per worker: worker JVMs start cold
#              and compile on the same cores (docs/operations.md)
#   DURATION   seconds measured per run [10]
#   DEPTH      requests outstanding per worker, or threads per worker with writes-sync [8]
#   SCRATCH    parent of each point's scratch --dir, on the file system to measure [OUTDIR/scratch]
#   BENCH_ARGS more bench options for every point, e.g. "--pages 131072 --manager-opt=--reactors=2"
#   SHORT=1    a quick try of the whole chain: WORKERS "1 2 4", RUNS 1, WARMUP 3, DURATION 3 (each still
#              overridable); its figures are not worth quoting (the JIT compiler is still at work in the window)
#
# How long: each point takes about RUNS x T x (W + DURATION + 3 s of starting and stopping processes) + 10 s of
# filling the store and the peer's file, T = 2 tools (1 with PEER=none), W = WARMUP or 2.5 s per worker, whichever is
# longer; dozens of workers start slower (each is a JVM). Measured on the 2-vCPU VM: 1 worker, RUNS=2, 3 s + 3 s,
# fio: 34 s (the formula: 46 s); with RUNS=3 WARMUP=10 DURATION=8 a workload of 6 points took 22-25 min (32 workers
# alone about 10). With the defaults a workload is about 27 min, `all` about 1 h 50 min;
# SHORT=1 about 30 s a point, 1.5 min a workload. The script prints its own estimate before it starts.
#
# A point whose OUTDIR/NAME-wW.json exists is kept, not measured again (delete the file to redo it), so an
# interrupted series resumes where it stopped. Each point's text report goes to OUTDIR/NAME-wW.txt. A failed point
# (bench exit 1) is reported at the end, its logs kept in SCRATCH/NAME-wW/logs, and the others still run.
# Exit: 0, 1 when a point failed or fio is missing, 2 for a bad command line.
set -euo pipefail

usage() {
  echo "usage: bench/scaling.sh OUTDIR WORKLOAD... (reads, writes, writes-sync, mix, all; see the header)" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
out=$1
shift

workloads=()
for arg in "$@"; do
  case $arg in
    reads | writes | writes-sync | mix) workloads+=("$arg") ;;
    all) workloads+=(reads writes writes-sync mix) ;;
    *) echo "bench/scaling.sh: unknown workload '$arg' (reads, writes, writes-sync, mix, all)" >&2; exit 2 ;;
  esac
done
# shellcheck disable=SC2207 # workload names have no spaces
workloads=($(printf '%s\n' "${workloads[@]}" | awk '!seen[$0]++'))

if [[ ${SHORT:-0} == 1 ]]; then
  : "${WORKERS:=1 2 4}" "${RUNS:=1}" "${WARMUP:=3}" "${DURATION:=3}"
fi
WORKERS=${WORKERS:-1 2 4 8 16 32}
PEER=${PEER:-fio}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-15}
DURATION=${DURATION:-10}
DEPTH=${DEPTH:-8}
SCRATCH=${SCRATCH:-$out/scratch}
BENCH_ARGS=${BENCH_ARGS:-}

is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
is_seconds() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
for w in $WORKERS; do
  is_count "$w" || { echo "bench/scaling.sh: WORKERS='$WORKERS': '$w' is not a worker count" >&2; exit 2; }
done
[[ -n ${WORKERS// /} ]] || { echo "bench/scaling.sh: WORKERS is empty" >&2; exit 2; }
is_count "$RUNS" || { echo "bench/scaling.sh: RUNS=$RUNS is not a count" >&2; exit 2; }
is_count "$DEPTH" || { echo "bench/scaling.sh: DEPTH=$DEPTH is not a count" >&2; exit 2; }
is_seconds "$WARMUP" || { echo "bench/scaling.sh: WARMUP=$WARMUP is not a number of seconds" >&2; exit 2; }
is_seconds "$DURATION" || { echo "bench/scaling.sh: DURATION=$DURATION is not a number of seconds" >&2; exit 2; }
case $PEER in
  fio | rocksdb | none) ;;
  *) echo "bench/scaling.sh: PEER=$PEER: give fio, rocksdb or none" >&2; exit 2 ;;
esac
if [[ $PEER == fio ]] && ! command -v fio >/dev/null; then
  echo "bench/scaling.sh: PEER=fio but fio is not installed: apt-get install fio (or PEER=rocksdb, PEER=none)" >&2
  exit 1
fi
# The bench's own limit (docs/operations.md, --sync): each calling thread attaches, workers x depth at most 256.
for name in "${workloads[@]}"; do
  [[ $name == writes-sync ]] || continue
  for w in $WORKERS; do
    if (( w * DEPTH > 256 )); then
      echo "bench/scaling.sh: writes-sync at $w workers x $DEPTH threads is over the bench's 256 attachments;" \
        "lower WORKERS or DEPTH" >&2
      exit 2
    fi
  done
done

options() {  # the bench options of workload $1
  case $1 in
    reads) echo "--read-percent 100 --depth $DEPTH" ;;
    writes) echo "--read-percent 0 --depth $DEPTH" ;;
    writes-sync) echo "--read-percent 0 --depth $DEPTH --sync" ;;
    mix) echo "--read-percent 70 --depth $DEPTH" ;;
  esac
}

# shellcheck disable=SC2206 # WORKERS is a list of numbers
worker_list=($WORKERS)
# Every worker JVM compiles its own code, on the same two cores: at 16 workers a 10 s warm-up left the JIT busy in
# the window (20.8 k reads/s at 84 us of CPU each, against 51-54 k at 28 us after 40 s; bench/HISTORY.md). So the
# warm-up grows with the workers: at least 2.5 s per worker (unless SHORT).
warmup_for() {  # the warm-up of a point with $1 workers
  if [[ ${SHORT:-0} == 1 ]]; then
    echo "$WARMUP"
  else
    awk -v a="$WARMUP" -v w="$1" 'BEGIN { b = 2.5 * w; print (a > b ? a : b) }'
  fi
}
tools=$([[ $PEER == none ]] && echo 1 || echo 2)
points=0  # those still to measure
seconds=0
for name in "${workloads[@]}"; do
  for w in "${worker_list[@]}"; do
    [[ -f $out/$name-w$w.json ]] && continue
    points=$((points + 1))
    seconds=$(awk -v s="$seconds" -v r="$RUNS" -v t="$tools" -v w="$(warmup_for "$w")" -v d="$DURATION" \
      'BEGIN { print s + r * t * (w + d + 3) + 10 }')
  done
done
estimate=$(awk -v s="$seconds" 'BEGIN { printf "%.0f", s / 60 }')
echo "bench/scaling.sh: ${workloads[*]} at workers $WORKERS vs $PEER: $points points to measure x $RUNS runs x" \
  "$tools tools, ${WARMUP} s warm-up (2.5 s per worker beyond that) + ${DURATION} s measured each: at least $estimate min" >&2

mkdir -p "$out" "$SCRATCH"
failed=()
jsons=()
for name in "${workloads[@]}"; do
  for w in "${worker_list[@]}"; do
    json="$out/$name-w$w.json"
    if [[ -f $json ]]; then
      echo "bench/scaling.sh: $json exists, kept (delete it to measure this point again)" >&2
      jsons+=("$json")
      continue
    fi
    if [[ -e $SCRATCH/$name-w$w ]]; then
      echo "bench/scaling.sh: $SCRATCH/$name-w$w is left from an earlier run that failed (its logs);" \
        "read, then delete it to measure $name at $w workers" >&2
      failed+=("$name-w$w")
      continue
    fi
    warm=$(warmup_for "$w")
    echo "bench/scaling.sh: $name, workers=$w, warm-up ${warm} s ($(date +%H:%M:%S))" >&2
    # shellcheck disable=SC2046,SC2086 # options and BENCH_ARGS are word lists
    if "$ROOT/bin/pagestore" bench --dir "$SCRATCH/$name-w$w" --workers "$w" $(options "$name") \
        --warmup "$warm" --duration "$DURATION" --runs "$RUNS" --compare "$PEER" $BENCH_ARGS \
        --json "$json.partial" > "$out/$name-w$w.txt"; then
      mv "$json.partial" "$json"
      jsons+=("$json")
    else
      code=$?
      rm -f "$json.partial"
      echo "bench/scaling.sh: $name at $w workers failed (exit $code): $out/$name-w$w.txt," \
        "logs in $SCRATCH/$name-w$w/logs" >&2
      failed+=("$name-w$w")
    fi
  done
done
rmdir "$SCRATCH" 2>/dev/null || true

if (( ${#jsons[@]} > 0 )); then
  if command -v python3 >/dev/null; then
    echo "bench/scaling.sh: plots:" >&2
    python3 "$ROOT/bench/plot.py" "$out" "${jsons[@]}"
  else
    echo "bench/scaling.sh: python3 is not installed, no plots; later: python3 bench/plot.py $out $out/*.json" >&2
  fi
fi
if (( ${#failed[@]} > 0 )); then
  echo "bench/scaling.sh: failed points: ${failed[*]}" >&2
  exit 1
fi
