#!/usr/bin/env bash
# Durable writes at 64 concurrent writers (4 worker processes x 16 outstanding, 100% writes): the store with its
# local WAL alone, the store replicating its WAL to three local bookies (3/3/2), and BookKeeper's own client as the
# replicated log's ceiling (4,160-byte entries, 64 in flight: one entry per writer; and 266,240-byte entries, one in
# flight: the shape of one full group commit). Alternating, PASSES passes.
# Usage: URI=zk+hierarchical://127.0.0.1:PORT/ledgers replicated-writes.sh OUT PASSES   (a cluster running at URI)
set -euo pipefail
OUT=$1 PASSES=$2
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$OUT"
J="$("$ROOT/bin/find-jdk")/bin/java"
CP="$ROOT/bench/target/lib/*:$ROOT/bench/target/classes"
BENCH=(--workers 4 --depth 16 --read-percent 0 --pages 4096 --warmup 10 --duration 10)
for pass in $(seq 1 "$PASSES"); do
  rm -rf /tmp/replwrites
  "$ROOT/bin/pagestore" bench --dir /tmp/replwrites "${BENCH[@]}" > "$OUT/local-$pass.txt" 2>&1
  rm -rf /tmp/replwrites
  "$ROOT/bin/pagestore" bench --dir /tmp/replwrites "${BENCH[@]}" --manager-opt=--replicate="$URI" \
      > "$OUT/replicated-$pass.txt" 2>&1
  "$J" --enable-native-access=ALL-UNNAMED -cp "$CP" dev.pagestore.bench.BookKeeperAppendPeer "$URI" 4160 64 10 \
      2>/dev/null > "$OUT/bk-4160x64-$pass.txt"
  "$J" --enable-native-access=ALL-UNNAMED -cp "$CP" dev.pagestore.bench.BookKeeperAppendPeer "$URI" 266240 1 10 \
      2>/dev/null > "$OUT/bk-266240x1-$pass.txt"
  echo "pass $pass: local $(awk '/^1 /{print $3}' "$OUT/local-$pass.txt") replicated $(awk '/^1 /{print $3}' \
      "$OUT/replicated-$pass.txt") | $(cat "$OUT/bk-4160x64-$pass.txt") | $(cat "$OUT/bk-266240x1-$pass.txt")"
done
