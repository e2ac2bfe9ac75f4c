#!/usr/bin/env bash
# Alternating runs of one `pagestore bench` point in two clones (git worktrees) of the repository, BASE first in odd
# passes and AFTER first in even ones: run.sh OUT PASSES BENCH-ARGS... Environment: BASE, AFTER (clone directories),
# SCRATCH (the bench's --dir, removed before each run). Each clone's bin/pagestore builds it when its sources changed.
set -u
out=$1 passes=$2; shift 2
: "${BASE:?BASE=clone of the build before}" "${AFTER:?AFTER=clone of the build after}"
scratch=${SCRATCH:-/tmp/pagestore-ab-scratch}
mkdir -p "$out"
for p in $(seq 1 "$passes"); do
  order=(base after)
  (( p % 2 == 0 )) && order=(after base)
  for b in "${order[@]}"; do
    clone=$BASE
    [[ $b == after ]] && clone=$AFTER
    rm -rf "$scratch"
    "$clone/bin/pagestore" bench --dir "$scratch" "$@" > "$out/$b-$p.txt" 2>&1
    echo "$b pass $p: $(grep -E '^throughput|manager  ' "$out/$b-$p.txt" | tr -s ' ' | tr '\n' ' ')"
  done
done
