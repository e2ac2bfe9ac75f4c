#!/usr/bin/env bash
# Two builds alternating (BASE first in odd passes): /tmp/ab-new (94315a3: the workers' slabs registered) and
# /tmp/ab-coal (the reactor waits for the device's next completion instead of a worker's wake while 4+ commands are
# on it). Points: reads at 4 x 8 with the default worker, with futures, and 1 x 8 with futures.
# Usage: rotate.sh OUT PASSES; then python3 ../paired.py OUT/own OUT/fut OUT/w1
set -u
out=$(realpath -m "$1"); passes=${2:-3}
C="--depth 8 --read-percent 100 --pages 16384 --warmup 15 --duration 10"
for p in $(seq 1 "$passes"); do
  for point in own fut w1; do
    mkdir -p "$out/$point"
    order=(base after); (( p % 2 == 0 )) && order=(after base)
    for b in "${order[@]}"; do
      dir=/tmp/ab-new; [[ $b == after ]] && dir=/tmp/ab-coal
      args="--workers 4 $C"; [[ $point == w1 ]] && args="--workers 1 $C"
      extra=; [[ $point != own ]] && extra=--futures
      rm -rf /tmp/pagestore-ab-scratch
      (cd $dir && bin/pagestore bench --dir /tmp/pagestore-ab-scratch $args $extra > "$out/$point/$b-$p.txt" 2>&1)
      echo "$point $b pass $p: $(grep -E '^throughput|latency p50|latency p99 |CPU us/op, (manager|workers)' "$out/$point/$b-$p.txt" | tr -s ' ' | tr '\n' ' ')"
    done
  done
done
echo "all done $(date -u +%T)"
