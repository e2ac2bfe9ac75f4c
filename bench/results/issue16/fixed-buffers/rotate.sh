#!/usr/bin/env bash
# Manager CPU per read through three builds, the order rotated each pass: base (3fb4bb4, before issue 16), prev
# (9547567, before the reactor registered its workers' slabs as fixed buffers) and new (94315a3, after), each a git
# worktree at /tmp/ab-NAME. Points: reads at 4 workers x 8 with each build's own worker (base's completes futures,
# the others collect their own completions), the same with futures everywhere, and 1 worker x 8 with futures. Each
# pass also runs fio alone on a file of the same size: 4 jobs x 8 (the bench's peer) and one job x 32 with fixed
# buffers and a registered file (one thread driving as many reads as the manager: the kernel's floor here).
# Usage: rotate.sh OUT PASSES
set -u
out=$(realpath -m "$1"); passes=${2:-4}; mkdir -p "$out"
builds=(base prev new)
C="--depth 8 --read-percent 100 --pages 16384 --warmup 15 --duration 10"
fiofile=/tmp/pagestore-fio-floor/file
mkdir -p "$(dirname $fiofile)"
[[ -f $fiofile ]] || fio --name=fill --filename=$fiofile --size=64m --rw=write --bs=1m --direct=1 > /dev/null
floor() {  # name pass fio-args...
  local name=$1 p=$2; shift 2
  fio --name=floor --filename=$fiofile --size=64m --rw=randread --bs=4k --direct=1 --ioengine=io_uring \
      --time_based --ramp_time=5 --runtime=10 --group_reporting --output-format=json "$@" > "$out/fio-$name-$p.json"
  python3 - "$out/fio-$name-$p.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))['jobs'][0]
ios = j['read']['total_ios']; secs = j['job_runtime'] / 1000.0
cpu = (j['usr_cpu'] + j['sys_cpu']) / 100.0 * secs  # group_reporting: summed over jobs
print(f"{sys.argv[1].split('/')[-1]}: {ios / secs * (1 if True else 1):,.0f} reads/s over {secs:.0f} s, CPU {cpu * 1e6 / ios:.2f} us/read")
PY
}
for p in $(seq 1 "$passes"); do
  for point in own fut w1; do
    for i in 0 1 2; do
      b=${builds[$(( (i + p - 1) % 3 ))]}
      args="--workers 4 $C"; extra=
      [[ $point == w1 ]] && args="--workers 1 $C"
      [[ $point != own && $b != base ]] && extra=--futures
      rm -rf /tmp/pagestore-ab-scratch
      (cd /tmp/ab-$b && bin/pagestore bench --dir /tmp/pagestore-ab-scratch $args $extra > "$out/$point-$b-$p.txt" 2>&1)
      echo "$point $b pass $p: $(grep -E '^throughput|CPU us/op, (manager|workers)' "$out/$point-$b-$p.txt" | tr -s ' ' | tr '\n' ' ')"
    done
  done
  floor 4x8 "$p" --numjobs=4 --iodepth=8
  floor 1x32-fixed "$p" --numjobs=1 --iodepth=32 --fixedbufs --registerfiles
done
echo "all done $(date -u +%T)"
