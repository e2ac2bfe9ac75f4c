#!/bin/bash
# syscalls.sh DIR OUT [--futures]: one 4 x 8 read bench in the worktree DIR; over 5 s of its measured window, perf stat
# of the system calls of the manager and of one worker, and that worker's CPU by thread (/proc/PID/task/*/stat).
d=$1 out=$(realpath -m "$2"); shift 2
rm -rf /tmp/pagestore-ab-scratch
(cd $d && bin/pagestore bench --dir /tmp/pagestore-ab-scratch --workers 4 --depth 8 --read-percent 100 --pages 16384 --warmup 15 --duration 10 "$@" > $out.bench 2>&1) &
bp=$!
until grep -q "measuring" $out.bench 2>/dev/null; do sleep 0.2; done
sleep 1
mp=$(pgrep -f "PageStoreCli manager --dir /tmp/pagestore-ab-scratch" | head -1)
wp=$(pgrep -f "StoreWorker /tmp/pagestore-ab-scratch" | head -1)
threads() { for t in /proc/$wp/task/*; do echo "$(cat $t/comm | tr ' ' _) $(awk '{print $14+$15}' $t/stat)"; done; }
threads > $out.t0
E='syscalls:sys_enter_io_uring_enter,syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield,context-switches'
perf stat -e "$E" -p $mp -- sleep 5 > $out.mgr 2>&1 &
perf stat -e "$E" -p $wp -- sleep 5 > $out.wkr 2>&1
threads > $out.t1
wait $bp
grep -E "^throughput|CPU us/op, (manager|workers)" $out.bench | tr -s ' ' | tr '\n' ' '; echo
grep -E "syscalls|context" $out.mgr | awk '{print "  mgr", $1, $2}'
grep -E "syscalls|context" $out.wkr | awk '{print "  wkr0", $1, $2}'
join <(sort $out.t0) <(sort $out.t1) | awk '$3 - $2 > 5 {print "  wkr0 thread", $1, ($3 - $2) * 10, "ms"}'
