#!/bin/bash
# bench/boot.sh [ACCEL] [RUNS]: boot time and memory overhead, tern vs QEMU.
#
# Boots the same Debian cloud kernel, busybox initramfs and command line to
# poweroff (tern.poweroff=1: /init powers off as soon as it runs) in tern and
# in qemu-system-x86_64 -M pc, RUNS times each (default 3), under -accel ACCEL
# (default kvm), and prints the median wall times and the ratio tern/QEMU.
# Then boots each once more to the shell and reads /proc/PID/smaps: host RSS
# minus the guest RAM the guest touched is the VMM's own overhead.
# If tern (or QEMU) cannot boot the guest under ACCEL here, it says so.
# Not run by make check. Environment: BUILD (default build), MEM (512M),
# BENCH_TIMEOUT (seconds per boot; default 300, 900 under tcg: tern's interpreter
# takes one to three minutes), KERNEL_KIND (cloud or generic: Debian's
# linux-image-amd64, whose decompressor alone runs for a minute under tcg;
# default cloud), PROFILE=FILE (tern's last timed boot runs under
# `perf record -F 499 -o FILE`; the top functions are printed), NO_RSS=1
# (skip the RSS boots). Next to each wall time the CPU time (user + system of
# the process) is printed: on a shared host it moves much less than the wall
# time. tern's TERN_EXEC_STATS line (instructions, decode-cache and TLB hit
# rates) of the last run is printed too.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
accel=${1:-kvm}
runs=${2:-3}
build=${BUILD:-$src/build}
tern=$build/tern
mem=${MEM:-512M}
timeout_s=${BENCH_TIMEOUT:-300}
[ "$accel" = tcg ] && timeout_s=${BENCH_TIMEOUT:-900}
append='console=ttyS0 panic=-1 io_delay=none quiet'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { echo "boot.sh: $*"; }

[ -x "$tern" ] || { say "$tern is not built (make BUILD=$build)"; exit 1; }
if ! command -v qemu-system-x86_64 >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        say "installing qemu-system-x86 for the comparison"
        apt-get install -y -q qemu-system-x86 >"$work/apt.log" 2>&1 || { say "apt-get install qemu-system-x86 failed"; exit 1; }
    else
        say "qemu-system-x86_64 is missing: apt-get install qemu-system-x86"
        exit 1
    fi
fi
paths=$("$src/scripts/fetch-guest.sh") || { say "could not fetch the guest"; exit 1; }
eval "$paths"
kernel_path=$KERNEL_CLOUD
[ "${KERNEL_KIND:-cloud}" = generic ] && kernel_path=$KERNEL

# cmd_for WHO: the command line (without -append) for tern or qemu.
cmd_for() {
    local extra=()
    if [ "$1" = tern ]; then
        echo "$tern" -accel "$accel" -d boot
    else
        [ "$accel" = kvm ] && extra=(-cpu host)
        echo qemu-system-x86_64 -M pc -accel "$accel" "${extra[@]}"
    fi
}

# boot_once WHO LOG [PERFDATA]: boots to poweroff; prints "wall cpu" in seconds; false on failure.
boot_once() {
    local who=$1 log=$2 t0 t1 rc prof=()
    [ -n "${3:-}" ] && prof=(perf record -q -F 499 -o "$3" --)
    t0=$(date +%s%N)
    TERN_EXEC_STATS=1 TIMEFORMAT='%U %S' bash -c 'time "$@" 2>"$0"' "$log.err" \
        timeout -k 5 "$timeout_s" "${prof[@]}" $(cmd_for "$who") -m "$mem" -smp 1 -display none \
        -no-reboot -serial "file:$log.serial" -kernel "$kernel_path" -initrd "$INITRD" \
        -append "$append tern.poweroff=1" </dev/null >"$log" 2>"$log.time"
    rc=$?
    t1=$(date +%s%N)
    cat "$log.err" >>"$log"
    if [ $rc -ne 0 ] || ! grep -q 'tern guest: up' "$log.serial" 2>/dev/null; then
        echo "exit $rc" >>"$log"
        return 1
    fi
    awk -v ns=$((t1 - t0)) -v cpu="$(tail -1 "$log.time")" \
        'BEGIN { split(cpu, c, " "); printf "%.3f %.1f\n", ns / 1e9, c[1] + c[2] }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# rss_after_boot WHO: boots to the shell; prints "total_kib guest_kib" from smaps.
rss_after_boot() {
    local who=$1 log=$work/$1-rss pid ram_kib
    ram_kib=$(($(numfmt --from=iec "${mem}") / 1024))
    $(cmd_for "$who") -m "$mem" -smp 1 -display none -no-reboot -serial "file:$log.serial" \
        -kernel "$kernel_path" -initrd "$INITRD" -append "$append" </dev/null >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 $((timeout_s * 4))); do
        grep -q 'busybox shell' "$log.serial" 2>/dev/null && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.25
    done
    sleep 1
    if ! kill -0 $pid 2>/dev/null || ! grep -q 'busybox shell' "$log.serial"; then
        kill $pid 2>/dev/null
        wait $pid 2>/dev/null
        return 1
    fi
    # Guest RAM: the mapping of the guest's RAM size (QEMU rounds it up by a
    # little); a bigger one is something else (QEMU's TCG code buffer).
    awk -v ram="$ram_kib" '
        /^[0-9a-f]+-[0-9a-f]+ / { cur = 0 }
        /^Size:/ { cur = ($2 >= ram && $2 <= ram + 4096) }
        /^Rss:/ { total += $2; if (cur) guest += $2 }
        END { print total, guest }' "/proc/$pid/smaps"
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
    return 0
}

say "-accel $accel, $runs runs each: $(basename "$kernel_path") + busybox initramfs, -m $mem -smp 1 (load $(cut -d' ' -f1-3 /proc/loadavg))"
declare -A med times cpus cmed
for who in tern qemu; do
    times[$who]=""
    cpus[$who]=""
    for i in $(seq 1 "$runs"); do
        prof=""
        [ "$who" = tern ] && [ "$i" = "$runs" ] && prof=${PROFILE:-}
        if ! r=$(boot_once "$who" "$work/$who-$i" "$prof"); then
            say "$who cannot boot this guest under -accel $accel here:"
            grep -vE '^\s*$' "$work/$who-$i" | grep -E 'tern:|qemu|error|exit' | head -4 | sed 's/^/    /'
            times[$who]=""
            break
        fi
        read -r t c <<<"$r"
        times[$who]="${times[$who]} $t"
        cpus[$who]="${cpus[$who]} $c"
    done
    if [ -n "${times[$who]}" ]; then
        med[$who]=$(echo "${times[$who]}" | tr ' ' '\n' | grep . | median)
        cmed[$who]=$(echo "${cpus[$who]}" | tr ' ' '\n' | grep . | median)
    fi
done

printf '%-6s %12s   %-28s %14s   %s\n' "" "median (s)" "runs (s)" "CPU median (s)" "CPU runs (s)"
for who in tern qemu; do
    printf '%-6s %12s   %-28s %14s   %s\n' "$who" "${med[$who]:-n/a}" "${times[$who]:- (did not boot)}" \
        "${cmed[$who]:-n/a}" "${cpus[$who]:-}"
done
if [ -n "${med[tern]:-}" ] && [ -n "${med[qemu]:-}" ]; then
    awk -v a="${med[tern]}" -v b="${med[qemu]}" -v c="${cmed[tern]}" -v d="${cmed[qemu]}" \
        'BEGIN { printf "ratio tern/qemu: %.2f (wall), %.2f (CPU time)\n", a / b, c / d }'
fi
echo "host load after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${med[tern]:-}" ]; then
    echo "tern's last run, -d boot:"
    grep '^boot:' "$work/tern-$runs" | sed 's/^/  /'
    grep 'tern exec stats' "$work/tern-$runs" | sed 's/^/  /'
    if [ -n "${PROFILE:-}" ] && [ -s "$PROFILE" ]; then
        echo "tern's last run, perf report (top functions, self time):"
        perf report -i "$PROFILE" --no-children --sort sym --stdio 2>/dev/null |
            grep -E '^ +[0-9]' | head -15 | sed 's/^/  /'
    fi
fi
[ -n "${NO_RSS:-}" ] && exit 0

echo "host RSS after boot to the shell (MiB): total, guest RAM touched, VMM overhead"
for who in tern qemu; do
    if [ -z "${med[$who]:-}" ]; then
        printf '%-6s %8s   (did not boot under -accel %s)\n' "$who" n/a "$accel"
    elif r=$(rss_after_boot "$who"); then
        read -r total guest <<<"$r"
        awk -v w="$who" -v t="$total" -v g="$guest" \
            'BEGIN { printf "%-6s %8.1f %8.1f %8.1f\n", w, t / 1024, g / 1024, (t - g) / 1024 }'
    else
        printf '%-6s %8s   (did not reach the shell under -accel %s)\n' "$who" n/a "$accel"
    fi
done
