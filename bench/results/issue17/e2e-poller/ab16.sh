#!/bin/bash
# 16 workers x 8 reads: old build (7b1eee6, futures) vs new futures vs new poller, alternating.
OUT=${1:?usage: ab16.sh OUT (BEFORE_CLONE, AFTER_CLONE, SCRATCH: set below)}; mkdir -p $OUT
for pass in 1 2; do
  echo "== $(date -u +%T) pass $pass old"; (cd BEFORE_CLONE && bin/pagestore bench --dir SCRATCH --workers 16 --depth 8 --read-percent 100 --runs 2 --warmup 10 --duration 8 --json $OUT/old-$pass.json > $OUT/old-$pass.txt 2>&1)
  echo "== $(date -u +%T) pass $pass futures"; (cd AFTER_CLONE && bin/pagestore bench --dir SCRATCH --workers 16 --depth 8 --read-percent 100 --runs 2 --warmup 10 --duration 8 --futures --json $OUT/futures-$pass.json > $OUT/futures-$pass.txt 2>&1)
  echo "== $(date -u +%T) pass $pass poller"; (cd AFTER_CLONE && bin/pagestore bench --dir SCRATCH --workers 16 --depth 8 --read-percent 100 --runs 2 --warmup 10 --duration 8 --json $OUT/poller-$pass.json > $OUT/poller-$pass.txt 2>&1)
done
echo "== done $(date -u +%T)"
