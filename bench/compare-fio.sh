#!/usr/bin/env bash
# Compares pagestore's io_uring ring (dev.pagestore.bench.UringLoadDriver) with fio's io_uring engine on the same
# 1 GiB file: 4 KiB random reads at queue depth 1, 32 and 128 and random writes at 32, O_DIRECT, each point without
# and with fixed buffers + registered files. For every point the two tools run one after the other, alternating per
# repetition (ours, fio, ours, fio, ...) so a shared machine's drifting load hits both alike; the medians and the
# ratios ours/fio are printed at the end.
#
# Usage: bench/compare-fio.sh [FILE]
#   FILE            data file on a disk file system (not tmpfs); created with random data if missing or not 1 GiB
#                   (default: bench/target/fio-compare/data.bin)
# Environment:
#   SECONDS_PER_POINT  measured seconds per run (default 10)
#   WARMUP_SECONDS     unmeasured seconds before each run (default 2; JIT warm-up for ours, ramp_time for fio)
#   REPETITIONS        runs per tool and point; the median is reported (default 3)
#   POINTS             space-separated mode:qd list (default "randread:1 randread:32 randread:128 randwrite:32")
#   FIXED_MODES        "false true" (default): without, then with --fixedbufs --registerfiles / fixed buffers
#   FIO_EXTRA          extra fio options for every fio run, e.g. "--iodepth_batch_submit=16
#                      --iodepth_batch_complete_max=128" (fio submits one I/O per io_uring_enter by default)
#   API                ring (default): the bare IoUring; queuepair: the product path, IoUringQueuePair
#   LOOP               queuepair loop: fused (default, submitAndAwait: one enter per iteration) or split (submit, then
#                      awaitCompletions: two)
#   REAP_BATCH         queuepair: completions reaped (and commands re-issued) per enter; default the queue depth,
#                      1 = hand each command to the kernel at once, the way fio's iodepth_batch_submit=1 does
#   JAVA               java 25 binary (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java, else java on PATH)
#
# Needs: fio (Debian/Ubuntu: apt-get install -y fio), python3, and bench/target/benchmarks.jar
# (./mvnw -q -pl bench -am package -DskipTests).
# Targets (issue 4): ours >= 0.95x fio IOPS at QD 32 and 128; ours QD 1 mean latency <= 1.1x fio's.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
file="${1:-$root/bench/target/fio-compare/data.bin}"
seconds="${SECONDS_PER_POINT:-10}"
warmup="${WARMUP_SECONDS:-2}"
reps="${REPETITIONS:-3}"
api="${API:-ring}"
loop="${LOOP:-fused}"
points="${POINTS:-randread:1 randread:32 randread:128 randwrite:32}"
fixed_modes="${FIXED_MODES:-false true}"
jar="$root/bench/target/benchmarks.jar"
size_bytes=$((1024 * 1024 * 1024))

if [[ -z "${JAVA:-}" ]]; then
  if [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; else JAVA=java; fi
fi
if ! command -v fio >/dev/null 2>&1; then
  echo "fio is not installed. Install it from the distribution's packages:" >&2
  echo "  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y fio" >&2
  echo "  Fedora/RHEL:   sudo dnf install -y fio" >&2
  exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed to read fio's JSON output" >&2; exit 2; }
[[ -f "$jar" ]] || { echo "missing $jar; build it: ./mvnw -q -pl bench -am package -DskipTests" >&2; exit 2; }

mkdir -p "$(dirname "$file")"
fstype="$(df --output=fstype "$(dirname "$file")" | tail -1 | tr -d ' ')"
if [[ "$fstype" == "tmpfs" ]]; then
  echo "$file is on tmpfs: O_DIRECT there measures memory copies, not a device; choose a disk file system" >&2
  exit 2
fi
if [[ ! -f "$file" || "$(stat -c %s "$file")" != "$size_bytes" ]]; then
  echo "# writing 1 GiB of random data to $file (reads of unwritten extents would never reach the device)" >&2
  dd if=/dev/urandom of="$file" bs=1M count=1024 oflag=direct conv=fsync status=none
fi

out="$root/bench/target/fio-compare/runs-$(date +%Y%m%dT%H%M%S)"
mkdir -p "$out"
results="$out/results.tsv"
printf 'tool\tmode\tqd\tfixed\trep\tiops\tmean_us\tp99_us\tcpu_us_per_io\n' > "$results"

echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
echo "# java: $("$JAVA" -version 2>&1 | head -1); fio: $(fio --version)"
echo "# ours: --api $api --loop $loop, reap batch ${REAP_BATCH:-qd}"
echo "# file: $file ($fstype); ${seconds}s per run after ${warmup}s warm-up, $reps repetitions, medians"
[[ -n "${FIO_EXTRA:-}" ]] && echo "# fio extra options: $FIO_EXTRA"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

run_ours() {  # mode qd fixed rep
  local log="$out/ours-$1-qd$2-fixed$3-rep$4.log"
  "$JAVA" --enable-native-access=ALL-UNNAMED -Dpagestore.bench.reapBatch="${REAP_BATCH:-$2}" -cp "$jar" \
    dev.pagestore.bench.UringLoadDriver \
    --file "$file" --mode "$1" --qd "$2" --fixed "$3" --seconds "$seconds" --warmup-seconds "$warmup" \
    --repetitions 1 --api "$api" --loop "$loop" > "$log" 2>&1
  python3 - "$log" "$1" "$2" "$3" "$4" >> "$results" <<'EOF'
import sys
log, mode, qd, fixed, rep = sys.argv[1:]
line = next(l for l in open(log) if l.startswith("MEDIAN "))
kv = dict(p.split("=", 1) for p in line.split()[1:])
print("\t".join(["ours", mode, qd, fixed, rep, kv["iops"], kv["mean_us"], kv["p99_us"], kv["cpu_us_per_io"]]))
EOF
}

run_fio() {  # mode qd fixed rep
  local json="$out/fio-$1-qd$2-fixed$3-rep$4.json"
  local extra=()
  if [[ "$3" == "true" ]]; then extra=(--fixedbufs --registerfiles); fi
  fio --name=compare --filename="$file" --size=1G --ioengine=io_uring --direct=1 --rw="$1" --bs=4k \
    --iodepth="$2" --numjobs=1 --time_based --runtime="$seconds" --ramp_time="$warmup" --norandommap \
    --randrepeat=0 --lat_percentiles=1 "${extra[@]}" ${FIO_EXTRA:-} --output-format=json > "$json"
  python3 - "$json" "$1" "$2" "$3" "$4" >> "$results" <<'EOF'
import json, sys
path, mode, qd, fixed, rep = sys.argv[1:]
job = json.load(open(path))["jobs"][0]
side = job["write" if mode == "randwrite" else "read"]
ios = side["total_ios"]
# usr_cpu/sys_cpu are percentages of the job's runtime (ms): CPU microseconds per I/O like ours.
cpu_us = (job["usr_cpu"] + job["sys_cpu"]) / 100.0 * job["job_runtime"] * 1000.0 / max(ios, 1)
print("\t".join(["fio", mode, qd, fixed, rep, "%.0f" % side["iops"], "%.2f" % (side["lat_ns"]["mean"] / 1000),
                 "%.2f" % (side["lat_ns"]["percentile"]["99.000000"] / 1000), "%.3f" % cpu_us]))
EOF
}

for fixed in $fixed_modes; do
  for point in $points; do
    mode="${point%%:*}"; qd="${point##*:}"
    for rep in $(seq 1 "$reps"); do
      echo "# $mode qd=$qd fixed=$fixed rep $rep/$reps" >&2
      run_ours "$mode" "$qd" "$fixed" "$rep"
      run_fio "$mode" "$qd" "$fixed" "$rep"
    done
  done
done

echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
keys = []
for r in rows:
    k = (r["mode"], int(r["qd"]), r["fixed"])
    if k not in keys:
        keys.append(k)
def med(tool, k, field):
    vals = [float(r[field]) for r in rows if r["tool"] == tool and (r["mode"], int(r["qd"]), r["fixed"]) == k]
    return statistics.median(vals)
print("| mode | QD | fixed bufs+files | ours IOPS | fio IOPS | IOPS ratio | ours mean us | fio mean us | mean ratio "
      "| ours p99 us | fio p99 us | ours CPU us/IO | fio CPU us/IO |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
verdicts = []
for k in keys:
    o = {f: med("ours", k, f) for f in ("iops", "mean_us", "p99_us", "cpu_us_per_io")}
    f_ = {f: med("fio", k, f) for f in ("iops", "mean_us", "p99_us", "cpu_us_per_io")}
    ratio = o["iops"] / f_["iops"]
    lat_ratio = o["mean_us"] / f_["mean_us"]
    print(f"| {k[0]} | {k[1]} | {k[2]} | {o['iops']:.0f} | {f_['iops']:.0f} | {ratio:.2f}x | {o['mean_us']:.1f} | "
          f"{f_['mean_us']:.1f} | {lat_ratio:.2f}x | {o['p99_us']:.0f} | {f_['p99_us']:.0f} | "
          f"{o['cpu_us_per_io']:.2f} | {f_['cpu_us_per_io']:.2f} |")
    if k[0] == "randread" and k[1] in (32, 128):
        verdicts.append(f"randread QD{k[1]} fixed={k[2]}: IOPS {ratio:.2f}x fio (target >= 0.95x): "
                        + ("holds" if ratio >= 0.95 else "MISSED"))
    if k[0] == "randread" and k[1] == 1:
        verdicts.append(f"randread QD1 fixed={k[2]}: mean latency {lat_ratio:.2f}x fio (target <= 1.1x): "
                        + ("holds" if lat_ratio <= 1.1 else "MISSED"))
print()
for v in verdicts:
    print("- " + v)
EOF
echo "# raw runs: $out"
