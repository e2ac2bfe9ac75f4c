#!/bin/bash
# End-to-end reads, depth 8: poller vs futures, each alternating with fio (3 runs each).
cd "$(dirname "$0")/../../../.."
OUT=${1:?usage: run.sh OUT}
for n in 1 4 16; do
  for api in poller futures; do
    extra=""; [ $api = futures ] && extra="--futures"
    echo "== $(date -u +%T) workers=$n api=$api"
    bin/pagestore bench --workers $n --depth 8 --read-percent 100 --runs 3 --compare fio --warmup 10 --duration 8 $extra --json $OUT/r$n-$api.json > $OUT/r$n-$api.txt 2>&1
  done
done
echo "== done $(date -u +%T)"
