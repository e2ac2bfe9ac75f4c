#!/usr/bin/env bash
# The whole store under StoreLoad for several builds, rotated run by run so that the machine's drift spreads over all
# of them: for each pass and configuration every build runs once, the first build of the rotation moving by one each
# pass. Raw lines land in OUTDIR/store-NAME.txt; summarize with bench/summarize-rounds.py OUTDIR.
#
#   bench/store-rounds.sh OUTDIR PASSES "WORKERS DEPTH READ%;..." NAME=JAR [NAME=JAR...]
#
# Example: bench/store-rounds.sh bench/results/x 3 "1 1 0;4 8 70" base=/tmp/base.jar after=bench/target/benchmarks.jar
# A JAR older than StoreLoad or --create: name it with the suffix ":nocreate" (base=/tmp/base.jar:nocreate); it gets
# StoreLoad's classes from the last JAR. Environment: WARMUP (s, default 15), WINDOW (s, default 10), PAGES (65536).
set -euo pipefail

if [[ $# -lt 4 ]]; then
  echo "usage: $0 OUTDIR PASSES \"WORKERS DEPTH READ%;...\" NAME=JAR [NAME=JAR...]" >&2
  exit 2
fi
out=$1 passes=$2 configs=$3
shift 3
names=() jars=() creates=()
for spec in "$@"; do
  name=${spec%%=*} jar=${spec#*=} create=true
  if [[ $jar == *:nocreate ]]; then jar=${jar%:nocreate}; create=false; fi
  [[ -f $jar ]] || { echo "$0: no such jar: $jar" >&2; exit 2; }
  names+=("$name") jars+=("$(readlink -f "$jar")") creates+=("$create")
done
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
JAVA="$("$ROOT/bin/find-jdk")/bin/java"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && unzip -q "${jars[-1]}" 'dev/pagestore/bench/store/*' && mkdir storeload && mv dev storeload/)

n=${#names[@]}
IFS=';' read -r -a config_list <<< "$configs"
for pass in $(seq 1 "$passes"); do
  for config in "${config_list[@]}"; do
    for k in $(seq 0 $((n - 1))); do
      i=$(( (k + pass - 1) % n ))
      dir="$work/run"
      # shellcheck disable=SC2086
      "$JAVA" --enable-native-access=ALL-UNNAMED -Dpagestore.storeload.create="${creates[$i]}" \
        -cp "${jars[$i]}:$work/storeload" dev.pagestore.bench.store.StoreLoad "$dir" $config \
        "${WARMUP:-15}" "${WINDOW:-10}" "${PAGES:-65536}" >> "$out/store-${names[$i]}.txt" 2>&1
      echo "pass $pass ${names[$i]} $(tail -1 "$out/store-${names[$i]}.txt")"
    done
  done
done
