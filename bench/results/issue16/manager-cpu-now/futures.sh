#!/bin/bash
# base (3fb4bb4, its futures worker) against after with --futures: the manager's share with the same kind of worker.
S=${SCRATCH:-/tmp/pagestore-ab-scratch}; O=${1:?usage: futures.sh OUT}; mkdir -p $O
C="--pages 16384 --warmup 15 --duration 10 --depth 8 --read-percent 100"
for w in 4 1; do
for p in 1 2 3; do
  order="base after"; [ $((p % 2)) = 0 ] && order="after base"
  for b in $order; do
    rm -rf $S
    if [ $b = base ]; then (cd ${BASE:?BASE=clone of 3fb4bb4} && bin/pagestore bench --dir $S --workers $w $C > $O/w$w-$b-$p.txt 2>&1)
    else (cd ${AFTER:?AFTER=clone of the build after} && bin/pagestore bench --dir $S --workers $w $C --futures > $O/w$w-$b-$p.txt 2>&1); fi
    echo "w$w $b pass $p: $(grep -E '^throughput|manager  ' $O/w$w-$b-$p.txt | tr -s ' ' | tr '\n' ' ')"
  done
done
done
echo "done $(date -u +%T)"
