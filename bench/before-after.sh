#!/usr/bin/env bash
# Two builds of the store, alternated run by run on one machine: the pagestore rows of the ring JMH suites, then the
# whole store under StoreLoad (a manager process and worker processes through the public client). For "no measurable
# loss" checks of a change: BEFORE and AFTER are bench/target/benchmarks.jar of the two commits.
#
#   bench/before-after.sh BEFORE_JAR AFTER_JAR OUTDIR [PASSES]
#
# A BEFORE build older than StoreLoad gets StoreLoad's classes from AFTER (they use only the public client API and
# the `pagestore manager` command; set BEFORE_HAS_CREATE=true when BEFORE's manager knows --create). Each pass runs
# BEFORE then AFTER, the next pass AFTER then BEFORE, so a drift of the machine's speed shows as a spread, not as a
# difference. Each StoreLoad run warms up 15 s before its 10 s window: with less, the JIT compiler still runs in the
# window and a build with more code to compile looks slower than it is (bench/HISTORY.md, issue 14). Raw output lands
# in OUTDIR; summarize with bench/summarize-before-after.py.
set -euo pipefail

if [[ $# -lt 3 ]]; then
  echo "usage: $0 BEFORE_JAR AFTER_JAR OUTDIR [PASSES]" >&2
  exit 2
fi
before=$(readlink -f "$1")
after=$(readlink -f "$2")
out=$3
passes=${4:-3}
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
JAVA="$("$ROOT/bin/find-jdk")/bin/java"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# StoreLoad's classes, for a BEFORE build that lacks them (appended after the jar, so BEFORE's own classes win).
(cd "$work" && unzip -q "$after" 'dev/pagestore/bench/store/*')
storeload="$work/storeload"
mkdir -p "$storeload" && mv "$work/dev" "$storeload/"

run_ring() {  # name jar
  "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$2" \
    'RingThroughputBench.pagestoreCrossProcess|RingRoundTripBench.pagestoreChannel' \
    -f 1 -wi 2 -w 1 -i 3 -r 1 -rf json -rff "$out/ring-$1-$pass.json" > "$out/ring-$1-$pass.txt" 2>&1
}

run_store() {  # name jar workers depth read%
  local dir="$work/store-$1-$pass-$3-$4-$5" create=true
  [[ $1 == before ]] && create=${BEFORE_HAS_CREATE:-false}
  "$JAVA" --enable-native-access=ALL-UNNAMED -Dpagestore.storeload.create="$create" -cp "$2:$storeload" \
    dev.pagestore.bench.store.StoreLoad \
    "$dir" "$3" "$4" "$5" 15 10 65536 >> "$out/store-$1.txt" 2>&1
  echo "pass $pass $1 $(tail -1 "$out/store-$1.txt")"
}

for pass in $(seq 1 "$passes"); do
  if (( pass % 2 )); then order="before after"; else order="after before"; fi
  for name in $order; do
    jar=$before; [[ $name == after ]] && jar=$after
    echo "pass $pass: ring suites, $name" >&2
    run_ring "$name" "$jar"
  done
  for config in "4 8 100" "4 8 70" "4 8 0" "1 1 70"; do
    for name in $order; do
      jar=$before; [[ $name == after ]] && jar=$after
      # shellcheck disable=SC2086
      run_store "$name" "$jar" $config
    done
  done
done | tee "$out/summary.txt"
