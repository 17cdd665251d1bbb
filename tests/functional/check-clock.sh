#!/bin/bash
# tests/functional/check-clock.sh BUILD KERNEL SMP: does Linux trust tern's time under tcg?
#
# Boots KERNEL (a path, or "cloud"/"generic" for the cached Debian kernels of
# scripts/fetch-guest.sh) under -accel tcg with -smp SMP and the stock command
# line, waits at the busybox shell for the kernel's delayed clock work (the
# TSC refinement and a few clocksource-watchdog rounds), types `dmesg`, powers
# off, and checks the kernel log for what issue 5 forbids:
#   - the TSC or tsc-early marked unstable, the clocksource watchdog's skew,
#   - a failed calibration (calibrate_delay_direct, APIC vs PM-Timer, TSC),
#   - fewer CPUs brought up than SMP,
#   - any WARNING, BUG, Oops or call trace.
# and that the TSC was calibrated. Prints PASS, or FAIL with the offending
# lines; exits 0 on PASS. Other messages of warning level or worse (KERN_WARNING
# and up, from `dmesg -r`) are listed as notes. Timing is reported, never
# asserted.
#
# Environment: CHECK_CLOCK_TIMEOUT (s, default 1200), CHECK_CLOCK_SETTLE (s at
# the shell before dmesg, default 15), CHECK_CLOCK_LOG (keep the console log here).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: check-clock.sh BUILD KERNEL SMP}
kernel=${2:?usage: check-clock.sh BUILD KERNEL SMP}
smp=${3:-1}
tern=$(cd "$build" && pwd)/tern
TIMEOUT=${CHECK_CLOCK_TIMEOUT:-1200}
SETTLE=${CHECK_CLOCK_SETTLE:-15}
APPEND='console=ttyS0 earlyprintk=serial panic=-1 io_delay=none'

eval "$("$src/scripts/fetch-guest.sh")" || exit 1
case $kernel in
cloud) kernel=$KERNEL_CLOUD ;;
generic) kernel=$KERNEL ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=${CHECK_CLOCK_LOG:-$work/console.log}
fifo=$work/in
mkfifo "$fifo"

start=$(date +%s.%N)
timeout -k 5 "$TIMEOUT" "$tern" -accel tcg -smp "$smp" -m 1G -nographic -no-reboot \
    -kernel "$kernel" -initrd "$INITRD" -append "$APPEND" <"$fifo" >"$log" 2>&1 &
pid=$!
exec 3>"$fifo"
shell=""
cpu_s=""
# tern's CPU time (user + system, all threads): steadier than wall time on a shared host.
cpu_time() {
    local t
    t=$(pgrep -P "$pid" -x tern | head -1)
    [ -n "$t" ] && awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' \
        "/proc/$t/stat" 2>/dev/null
}
while kill -0 $pid 2>/dev/null; do
    if grep -q "busybox shell" "$log" 2>/dev/null; then
        shell=$(date +%s.%N)
        cpu_s=$(cpu_time)
        break
    fi
    sleep 0.5
done
if [ -n "$shell" ]; then
    sleep "$SETTLE"
    printf 'echo DMESG-BEGIN; dmesg -r; echo DMESG-END\npoweroff -f\n' >&3 2>/dev/null
fi
wait $pid
rc=$?
exec 3>&-

bad=()
if [ -z "$shell" ]; then
    bad+=("no busybox shell (tern exit $rc)")
else
    printf 'boot to shell: %.1f s, tern CPU time %s s (load %s)\n' "$(echo "$shell - $start" | bc)" \
        "${cpu_s:-?}" "$(cut -d' ' -f1-3 /proc/loadavg)"
fi
grep -q DMESG-END "$log" || bad+=("no dmesg output (tern exit $rc)")
# The kernel log as dmesg -r printed it ("<level>[time] text"; the console saw the same lines).
raw=$(sed -n '/^DMESG-BEGIN/,/^DMESG-END/p' "$log" | tr -d '\r')
dmesg=$(sed 's/^<[0-9]*>//' <<<"$raw")
[ -n "$raw" ] || dmesg=$(cat "$log")

patterns='unstable|skew is too large|calibrate_delay_direct\(\) failed|long platform interrupts'
patterns+='|APIC calibration not consistent|Fast TSC calibration failed|TSC calibration failed'
patterns+='|WARNING:|BUG:|Oops|Call Trace|RIP: |cpu .* stuck|failed to come online|Watchdog detected'
while IFS= read -r l; do
    bad+=("$l")
done < <(grep -E "$patterns" <<<"$dmesg")
if ! grep -qE "smp: Brought up [0-9]+ nodes?, $smp CPUs?" <<<"$dmesg"; then
    [ "$smp" = 1 ] && grep -q 'Allowing 1 CPUs' <<<"$dmesg" || bad+=("not all $smp CPUs online: $(grep -E 'smp: Brought up' <<<"$dmesg")")
fi
grep -qE 'tsc: (Detected|Refined TSC)' <<<"$dmesg" || bad+=("no TSC calibration line")

grep -E 'tsc:|clocksource: Switched|smp: Brought up|BogoMIPS' <<<"$dmesg" | sed 's/^/  /'
# Priority <= 4 (syslog facility 0: kernel): warnings and worse, whatever they are about.
grep -E '^<[0-4]>' <<<"$raw" | sed 's/^<[0-9]*>/  note: kernel warning: /'
if [ ${#bad[@]} -eq 0 ]; then
    echo "PASS: $(basename "$kernel") -smp $smp"
    exit 0
fi
echo "FAIL: $(basename "$kernel") -smp $smp"
printf '  %s\n' "${bad[@]}"
exit 1
