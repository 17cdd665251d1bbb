#!/bin/bash
# bench/guest-cmd.sh [CMD...]: boots Debian's kernel to the busybox shell under
# -accel tcg and times each CMD typed there (host wall time and tern's CPU time
# from the shell prompt's point of view: from typing it to its end marker).
#
#   bench/guest-cmd.sh 'seq 1 20000 | md5sum' 'dd if=/dev/zero bs=1M count=8 | md5sum'
#
# Default commands: the two above. Environment: BUILD (default build), KERNEL_KIND
# (cloud or generic; default cloud), MEM (512M), PERF=DIR (perf record -g of
# each command into DIR/cmdN.data, report with perf report -i), TIMEOUT (900 s),
# TERN_EXEC_STATS=1 (tern's instruction/decode-cache/TLB counters at exit).
# Prints the time to the shell too. Not run by make check.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}
tern=$build/tern
mem=${MEM:-512M}
timeout_s=${TIMEOUT:-900}
[ $# -gt 0 ] || set -- 'seq 1 20000 | md5sum' 'dd if=/dev/zero bs=1M count=8 | md5sum'
[ -x "$tern" ] || {
    echo "guest-cmd.sh: $tern is not built"
    exit 1
}
eval "$("$src/scripts/fetch-guest.sh")"
kernel=$KERNEL_CLOUD
[ "${KERNEL_KIND:-cloud}" = generic ] && kernel=$KERNEL
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/console.log
mkfifo "$work/in"

now() { date +%s%N; }
# tern's CPU time in seconds (user + system, every thread).
cpu_time() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$pid/stat"; }
# wait_for TEXT: true once TEXT is in the console log.
wait_for() {
    local t=$((timeout_s * 10))
    while [ $t -gt 0 ] && kill -0 $pid 2>/dev/null; do
        grep -q "$1" "$log" && return 0
        sleep 0.1
        t=$((t - 1))
    done
    return 1
}

t0=$(now)
"$tern" -accel tcg -m "$mem" -smp 1 -nographic -no-reboot -kernel "$kernel" -initrd "$INITRD" \
    -append 'console=ttyS0 panic=-1 io_delay=none quiet' <"$work/in" >"$log" 2>&1 &
pid=$!
exec 3>"$work/in"
if ! wait_for 'busybox shell'; then
    echo "guest-cmd.sh: no shell"
    kill $pid 2>/dev/null
    exit 1
fi
printf '%-40s wall %7.1f s, tern CPU %6s s (load %s)\n' "boot to the shell" \
    "$(awk -v ns=$(($(now) - t0)) 'BEGIN { print ns / 1e9 }')" "$(cpu_time)" "$(cut -d' ' -f1 /proc/loadavg)"
sleep 1
i=0
for cmd in "$@"; do
    i=$((i + 1))
    c0=$(cpu_time)
    t0=$(now)
    if [ -n "${PERF:-}" ]; then
        mkdir -p "$PERF"
        perf record -q -g -F 499 -p $pid -o "$PERF/cmd$i.data" 2>/dev/null &
        perf_pid=$!
    fi
    printf '%s; echo CMD-DONE-%d\n' "$cmd" "$i" >&3
    wait_for "^CMD-DONE-$i" || echo "guest-cmd.sh: '$cmd' did not finish"
    t1=$(now)
    c1=$(cpu_time)
    if [ -n "${PERF:-}" ]; then
        kill -INT $perf_pid
        wait $perf_pid
    fi
    printf '%-40s wall %7.1f s, tern CPU %6.2f s (load %s)\n' "$cmd" \
        "$(awk -v ns=$((t1 - t0)) 'BEGIN { print ns / 1e9 }')" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" \
        "$(cut -d' ' -f1 /proc/loadavg)"
    grep -B2 "^CMD-DONE-$i" "$log" | grep -v CMD-DONE | tail -1 | sed 's/^/    /'
done
printf 'poweroff -f\n' >&3
wait $pid
exec 3>&-
grep "exec stats" "$log"
