#!/usr/bin/env bash
# The before/after series of bench/RESULTS.md ("The reshaped reactor"): series.sh OUT, with BASE and AFTER set as
# run.sh wants them; then summ.py OUT/* prints the tables.
set -u
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
O=$1
C="--pages 16384 --warmup 15 --duration 10"
"$here/run.sh" "$O/reads-w1" 5 --workers 1 --depth 8 --read-percent 100 $C
"$here/run.sh" "$O/reads-w4" 3 --workers 4 --depth 8 --read-percent 100 $C
"$here/run.sh" "$O/writes-w4" 3 --workers 4 --depth 8 --read-percent 0 $C
"$here/run.sh" "$O/sync-w1" 3 --workers 1 --depth 1 --sync --read-percent 0 $C
