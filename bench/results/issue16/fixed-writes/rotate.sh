#!/usr/bin/env bash
# Durable writes and reads at 4 workers x 8 with each build's own bench worker, three builds rotated each pass:
# base (3fb4bb4, /tmp/ab-base), prev (9547567, /tmp/ab-prev) and new (b6440c9, /tmp/ab-wr: the workers' slabs and
# the reactor's private write copies registered as io_uring fixed buffers).
# Usage: rotate.sh OUT PASSES; then python3 ../fixed-buffers/analyze.py OUT (points own = reads, wr = writes)
set -u
out=$(realpath -m "$1"); passes=${2:-3}; mkdir -p "$out"
builds=(base prev new)
declare -A dir=([base]=/tmp/ab-base [prev]=/tmp/ab-prev [new]=/tmp/ab-wr)
C="--workers 4 --depth 8 --pages 16384 --warmup 15 --duration 10"
for p in $(seq 1 "$passes"); do
  for point in wr own; do
    pct=100; [[ $point == wr ]] && pct=0
    for i in 0 1 2; do
      b=${builds[$(( (i + p - 1) % 3 ))]}
      rm -rf /tmp/pagestore-ab-scratch
      (cd ${dir[$b]} && bin/pagestore bench --dir /tmp/pagestore-ab-scratch $C --read-percent $pct > "$out/$point-$b-$p.txt" 2>&1)
      echo "$point $b pass $p: $(grep -E '^throughput|CPU us/op, (manager|workers)' "$out/$point-$b-$p.txt" | tr -s ' ' | tr '\n' ' ')"
    done
  done
done
echo "all done $(date -u +%T)"
