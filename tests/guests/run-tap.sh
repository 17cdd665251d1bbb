#!/bin/bash
# Runs the tests/guests kernels under BUILD/tern -accel kvm and prints TAP.
#   tests/guests/run-tap.sh BUILD
# Each kernel prints over COM1 and ends through isa-debug-exit (status
# (value << 1) | 1: 1 means it passed). Skips, saying why, when /dev/kvm does
# not open or BUILD/tern cannot boot a multiboot -kernel.
set -u
build=${1:?usage: run-tap.sh BUILD}
build=${build%/}
tern=$build/tern
guests=$build/tests/guests
timeout_s=${GUEST_TIMEOUT:-60}

# name | kernel | extra options | expected line | expected status
tests=(
    "multiboot-entry|hello.elf|-append greeting=yes|hello: ALL PASS|1"
    "debug-exit-status|exitcode.elf||exitcode: writing 0x2a|85"
    "real-protected-long-mode|modes.elf||modes: ALL PASS|1"
    "paging-and-page-fault|paging.elf||paging: ALL PASS|1"
    "interrupts-in-kernel-irqchip|irq.elf||irq: ALL PASS|1"
    "pio-mmio-readonly-slot|mmio.elf||mmio: ALL PASS|1"
    "smp-bringup-4-cpus|smp.elf|-smp 4 -append cpus=4|smp: ALL PASS|1"
    "smp-single-cpu|smp.elf|-smp 1 -append cpus=1|smp: ALL PASS|1"
)

echo "1..${#tests[@]}"

skip_all() {
    local i=1
    for t in "${tests[@]}"; do
        echo "ok $i ${t%%|*} # SKIP $1"
        i=$((i + 1))
    done
    exit 0
}

if ! (exec 3<>/dev/kvm) 2>/dev/null; then
    skip_all "/dev/kvm does not open"
fi
[ -x "$tern" ] || skip_all "$tern is not built"
for t in "${tests[@]}"; do
    IFS='|' read -r _ kernel _ <<<"$t"
    [ -f "$guests/$kernel" ] || skip_all "$guests/$kernel is not built (make guests)"
done

# run KERNEL OPTIONS...: output in $out, exit status in $status.
run() {
    local kernel=$1
    shift
    # shellcheck disable=SC2086
    out=$(timeout -k 5 "$timeout_s" "$tern" -accel kvm -M pc -nographic -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$guests/$kernel" "$@" \
        </dev/null 2>&1)
    status=$?
}

# While the PC machine cannot load multiboot kernels, say so instead of failing.
run hello.elf -append greeting=yes
if ! grep -q "hello:" <<<"$out" && grep -q "hello.elf" <<<"$out"; then
    why=$(grep -m1 "hello.elf" <<<"$out" | tr -d '\r')
    skip_all "tern cannot boot a multiboot -kernel yet (the PC machine is unfinished): $why"
fi

i=1
for t in "${tests[@]}"; do
    IFS='|' read -r name kernel opts expect want <<<"$t"
    # shellcheck disable=SC2086
    run "$kernel" $opts
    if [ "$status" -eq "$want" ] && grep -qF "$expect" <<<"$out"; then
        echo "ok $i $name"
    else
        echo "not ok $i $name (exit status $status, expected $want; expected line '$expect')"
        sed 's/^/# /' <<<"$out" | tail -40
    fi
    i=$((i + 1))
done
