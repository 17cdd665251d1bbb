#!/bin/bash
# tests/linux/run-tap.sh BUILD: Debian's kernels under tern's interpreter (-accel tcg), as TAP.
# tern-test-timeout: 5400
#
# Issue 5's matrix: Debian 12's cloud and generic kernels with the busybox
# initramfs of scripts/fetch-guest.sh, -smp 1 and -smp 2, -m 128M to 4G. Each
# guest boots to the shell on the serial console; commands typed there check
# that every CPU is online, that MemTotal fits -m, and that dmesg has no kernel
# warning or oops, and that the kernel trusts the TSC (no lost timer ticks, no
# failed calibration); `poweroff -f` must end tern with status 0. One guest also
# runs md5sum, sha256sum and gzip -9 | gunzip over a few MiB (two copies of
# its own busybox binary) and a shell arithmetic loop, compared with the host.
#
# The interpreter needs no KVM, so nothing here is skipped for the host's sake;
# only a missing build or guest skips. One boot takes one to four minutes.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
build=$(cd "$build" && pwd)
tern=$build/tern
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
TCG_TIMEOUT=${TCG_TIMEOUT:-1200} # one guest, boot to poweroff, all checks
APPEND='console=ttyS0 earlyprintk=serial panic=-1 io_delay=none'

. "$src/tests/tap.sh"

# --- one guest on the console -------------------------------------------------------
# g_start KERNEL SMP MEM: boots in the background; the console's input is fd 3.
g_start() {
    g_log=$work/guest-$g_seq.log
    g_seq=$((g_seq + 1))
    rm -f "$work/in"
    mkfifo "$work/in"
    timeout -k 5 "$TCG_TIMEOUT" "$tern" -accel tcg -smp "$2" -m "$3" -nographic -no-reboot \
        -kernel "$1" -initrd "$INITRD" -append "$APPEND" <"$work/in" >"$g_log" 2>&1 &
    g_pid=$!
    g_t0=$SECONDS
    exec 3>"$work/in"
}
g_seq=0

# g_wait SECONDS PATTERN: until PATTERN is in the log (0) or tern ended / time is up (1).
g_wait() {
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt $end ]; do
        grep -q "$2" "$g_log" 2>/dev/null && return 0
        kill -0 "$g_pid" 2>/dev/null || return 1
        sleep 0.25
    done
    return 1
}

# g_run TAG SECONDS COMMAND: types COMMAND between two marker lines and puts its
# output in $work/TAG. The markers are typed as @@"B"TAG so that the echo of the
# typed line never looks like the marker the shell prints.
g_run() {
    local tag=$1 secs=$2
    shift 2
    printf 'echo @@"B"%s; %s; echo @@"E"%s\n' "$tag" "$*" "$tag" >&3 2>/dev/null
    g_wait "$secs" "^@@E$tag" || true
    tr -d '\r' <"$g_log" | sed -n "/^@@B$tag\$/,/^@@E$tag\$/p" | sed '1d;$d' >"$work/$tag"
}

# g_stop: poweroff -f at the shell; sets g_rc to tern's exit status.
g_stop() {
    printf 'poweroff -f\n' >&3 2>/dev/null
    wait "$g_pid"
    g_rc=$?
    exec 3>&-
    tr -d '\r' <"$g_log" >"$g_log.txt"
}

# --- the checks of every boot -----------------------------------------------------------
# MemTotal: the kernel's RAM ('Memory: A/TOTALK available') is -m less the holes
# below 1 MiB and the ACPI tables (within 1 MiB of -m); MemTotal is that less
# what the kernel keeps for itself (its image, the page structs: 1/64 of RAM).
mem_why() { # MIB
    local want=$(($1 * 1024)) got total
    got=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' "$work/mem" | tail -1)
    total=$(sed -n 's|.*Memory: [0-9]*K/\([0-9]*\)K available.*|\1|p' "$g_log.txt" | head -1)
    echo "# -m $1M: the kernel's RAM ${total:-?} kB, MemTotal ${got:-?} kB" >"$work/mem-note"
    if [ -z "$got" ] || [ -z "$total" ]; then
        echo "no MemTotal or no 'Memory:' line"
    elif [ "$total" -gt "$want" ] || [ "$total" -lt $((want - 1024)) ]; then
        echo "the kernel sees $total kB of RAM, want $((want - 1024))..$want"
    elif [ "$got" -gt "$total" ] || [ "$got" -lt $((total - 64 * 1024 - total / 32)) ]; then
        echo "MemTotal $got kB is not within the kernel's $total kB less its own reserve"
    fi
}

# Lines no healthy boot prints.
BAD_DMESG='WARNING:|Oops|BUG:|Call Trace:|Kernel panic|general protection fault|segfault at'
# What a guest whose clocks disagree prints (lost ticks, an unsynchronized TSC).
CLOCK_DMESG='Marking TSC unstable|Marking clocksource .* as unstable|calibrate_delay_direct\(\) failed|APIC calibration not consistent|TSC synchronization .* failed|TSC warp'

# boot_guest NAME KERNEL SMP MEM [EXTRA-FUNCTION]: the shell, CPUs, memory, dmesg, poweroff.
boot_guest() {
    local name=$1 kernel=$2 smp=$3 mem=$4 extra=${5:-} why="" want_online
    g_start "$kernel" "$smp" "${mem}M"
    g_wait "$TCG_TIMEOUT" 'busybox shell' && sleep 2
    local shell_s=$((SECONDS - g_t0))
    g_run online 60 'cat /sys/devices/system/cpu/online'
    g_run mem 60 'grep MemTotal /proc/meminfo'
    [ -n "$extra" ] && "$extra"
    # late, so that the kernel's delayed clock work (TSC refinement, the
    # clocksource watchdog's rounds) has had its say
    g_run dmesg 120 'sleep 5; dmesg'
    g_stop
    echo "# $name: shell after ${shell_s}s, poweroff after $((SECONDS - g_t0))s"

    grep -q 'busybox shell' "$g_log.txt" || why="no shell prompt"
    [ $g_rc -eq 0 ] || why="$why; exit $g_rc"
    [ $g_rc -eq 124 ] || [ $g_rc -eq 137 ] && why="$why (timeout ${TCG_TIMEOUT}s)"
    if [ -n "$why" ]; then
        not_ok "$name: boots to the shell, poweroff -f exits 0: ${why#; }" "$g_log.txt"
    else
        ok "$name: boots to the shell, poweroff -f exits 0"
    fi
    want_online=0
    [ "$smp" -gt 1 ] && want_online="0-$((smp - 1))"
    why=""
    [ "$(cat "$work/online")" = "$want_online" ] ||
        why="/sys/devices/system/cpu/online is '$(cat "$work/online")'"
    check "$name: all $smp CPUs online ($want_online)" "$why"
    check "$name: MemTotal fits -m ${mem}M" "$(mem_why "$mem")"
    cat "$work/mem-note"
    why=""
    if ! grep -q 'Linux version' "$work/dmesg"; then
        why="dmesg was not read"
    elif grep -qE "$BAD_DMESG" "$work/dmesg"; then
        why="$(grep -cE "$BAD_DMESG" "$work/dmesg") bad lines"
        grep -E -A3 "$BAD_DMESG" "$work/dmesg" | head -30 | sed 's/^/# | /'
    fi
    check "$name: no kernel warning, oops or BUG in dmesg" "$why"
    why=""
    if ! grep -q 'Linux version' "$work/dmesg"; then
        why="dmesg was not read"
    elif grep -qE "$CLOCK_DMESG" "$work/dmesg"; then
        why="the guest's clocks disagree"
        grep -E "$CLOCK_DMESG" "$work/dmesg" | head -8 | sed 's/^/# | /'
    elif ! grep -qE 'tsc: Detected [0-9.]+ MHz' "$work/dmesg"; then
        why="no 'tsc: Detected ... MHz' line"
    fi
    check "$name: the TSC is calibrated and trusted (no lost ticks, no unstable TSC)" "$why"
}

# --- in-guest computations against the host's ------------------------------------------
# Over two copies of the guest's own busybox binary (about 3.8 MiB): the host
# takes the same bytes out of the initramfs.
DATA='cat /bin/busybox /bin/busybox'
calc_names=(md5sum sha256sum gzip)
calc_cmds=("$DATA | md5sum" "$DATA | sha256sum" "$DATA | gzip -9 | gunzip | md5sum")
calc_loop='i=0; s=0; while [ $i -lt 20000 ]; do s=$((s+i*i)); i=$((i+1)); done; echo $s'
calc_in_guest() {
    local k t0
    calc_times=""
    for k in "${!calc_cmds[@]}"; do
        t0=$SECONDS
        g_run "${calc_names[$k]}" 600 "${calc_cmds[$k]}"
        calc_times="$calc_times ${calc_names[$k]} $((SECONDS - t0))s"
    done
    t0=$SECONDS
    g_run arith 600 "$calc_loop"
    calc_times="$calc_times arith $((SECONDS - t0))s"
}
calc_check() {
    local k want got
    zcat "$INITRD" | (cd "$work" && cpio -id --quiet bin/busybox) || true
    echo "# in-guest computation times:$calc_times"
    for k in "${!calc_cmds[@]}"; do
        want=$(cd "$work" && sh -c "${calc_cmds[$k]//\/bin/bin}" | cut -d' ' -f1)
        got=$(cut -d' ' -f1 "$work/${calc_names[$k]}" | tail -1)
        if [ -n "$want" ] && [ "$got" = "$want" ]; then
            ok "in the guest, '${calc_cmds[$k]}' gives the host's $want"
        else
            not_ok "in the guest, '${calc_cmds[$k]}' gives '$got', the host '$want'"
        fi
    done
    want=$(sh -c "$calc_loop")
    got=$(tail -1 "$work/arith")
    if [ -n "$want" ] && [ "$got" = "$want" ]; then
        ok "in the guest, a shell arithmetic loop (sum of i*i, i < 20000) gives the host's $want"
    else
        not_ok "in the guest, a shell arithmetic loop (sum of i*i, i < 20000) gives '$got', the host '$want'"
    fi
}

# --- the matrix ---------------------------------------------------------------------------
# Each boot gives 5 results; the computing guest 4 more.
PLAN=24
echo "1..$PLAN"
why_skip=""
[ -x "$tern" ] || why_skip="$tern is not built"
if [ -z "$why_skip" ] && ! paths=$("$src/scripts/fetch-guest.sh" 2>"$work/fetch.log"); then
    why_skip="guest not fetched: $(tail -1 "$work/fetch.log")"
fi
if [ -n "$why_skip" ]; then
    for t in $(seq 1 $PLAN); do skip "linux $t" "$why_skip"; done
    exit 0
fi
eval "$paths"

boot_guest "cloud kernel, -smp 1 -m 256M" "$KERNEL_CLOUD" 1 256 calc_in_guest
calc_check
boot_guest "cloud kernel, -smp 2 -m 4096M" "$KERNEL_CLOUD" 2 4096
boot_guest "generic kernel, -smp 1 -m 128M" "$KERNEL" 1 128
boot_guest "generic kernel, -smp 2 -m 2048M" "$KERNEL" 2 2048
