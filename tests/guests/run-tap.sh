#!/bin/bash
# Runs the tests/guests kernels under BUILD/tern and prints TAP.
#   tests/guests/run-tap.sh BUILD
# Every kernel runs under each accelerator of GUEST_ACCELS (default "kvm tcg
# kvm-irqchip-off"; the results must be the same). kvm-irqchip-off is KVM with
# -machine kernel-irqchip=off: the userspace PIC, IOAPIC, PIT and LAPICs that
# tcg uses, with KVM only injecting (accel/kvm/kvm-apic.c). Each prints over COM1 and ends through
# isa-debug-exit (status (value << 1) | 1: 1 means it passed). A run is
# skipped, saying why, when /dev/kvm does not open (kvm), the accelerator is
# not available yet (tcg before the interpreter), or BUILD/tern cannot boot a
# multiboot -kernel.
set -u
build=${1:?usage: run-tap.sh BUILD}
build=${build%/}
tern=$build/tern
guests=$build/tests/guests
timeout_s=${GUEST_TIMEOUT:-60}
read -r -a accels <<<"${GUEST_ACCELS:-kvm tcg kvm-irqchip-off}"

# name | kernel | extra options | expected line | expected status [| reboot]
# Every run has -no-reboot unless the sixth field says "reboot".
tests=(
    "multiboot-entry|hello.elf|-append greeting=yes|hello: ALL PASS|1"
    "debug-exit-status|exitcode.elf||exitcode: writing 0x2a|85"
    "real-protected-long-mode|modes.elf||modes: ALL PASS|1"
    "paging-and-page-fault|paging.elf||paging: ALL PASS|1"
    "interrupts-pic-ioapic-lapic|irq.elf||irq: ALL PASS|1"
    "pio-mmio-readonly-slot|mmio.elf||mmio: ALL PASS|1"
    "insns-kvm-cannot-emulate-on-mmio|mmio-insn.elf|-device pc-testdev|mmio-insn: ALL PASS|1"
    "smp-bringup-4-cpus|smp.elf|-smp 4 -append cpus=4|smp: ALL PASS|1"
    "smp-single-cpu|smp.elf|-smp 1 -append cpus=1|smp: ALL PASS|1"
    "reset-port-cf9|reset.elf|-append via=cf9|reset: ALL PASS|1|reboot"
    "reset-triple-fault|reset.elf|-append via=triple|reset: ALL PASS|1|reboot"
    "reset-no-reboot-exits|reset.elf|-append via=cf9|reset: first boot|0"
)

# What an accelerator cannot run yet: "accel/test|reason". Remove a line when it can.
unsupported=(
)

# unsupported_why ACCEL/NAME: the reason it cannot run yet, if listed.
unsupported_why() {
    for u in "${unsupported[@]}"; do
        [ "${u%%|*}" = "$1" ] && echo "${u#*|}"
    done
}

# Under KVM only: with the interpreter fallback off, an instruction KVM cannot
# emulate ends tern with the failure report (status 1), and never hangs.
kvm_only=()
for a in "${accels[@]}"; do
    [ "${a%-irqchip-off}" = kvm ] && kvm_only+=("$a")
done

echo "1..$((${#tests[@]} * ${#accels[@]} + ${#kvm_only[@]}))"
n=1

# skip_accel ACCEL REASON: every test of ACCEL is skipped.
skip_accel() {
    for t in "${tests[@]}"; do
        echo "ok $n $1/${t%%|*} # SKIP $2"
        n=$((n + 1))
    done
}

# run ACCEL KERNEL OPTIONS...: output in $out, exit status in $status.
# REBOOT=reboot lets a reset reset (no -no-reboot).
run() {
    local accel=$1 kernel=$2 noreboot=-no-reboot machine=pc
    shift 2
    [ "${REBOOT:-}" = reboot ] && noreboot=
    [ "$accel" = kvm-irqchip-off ] && accel=kvm machine=pc,kernel-irqchip=off
    # shellcheck disable=SC2086
    out=$(timeout -k 5 "$timeout_s" "$tern" -accel "$accel" -M "$machine" -nographic $noreboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$guests/$kernel" "$@" \
        </dev/null 2>&1)
    status=$?
}

# why_skip ACCEL: prints the reason the accelerator's runs cannot happen, if any.
why_skip() {
    local accel=$1
    [ -x "$tern" ] || { echo "$tern is not built"; return; }
    for t in "${tests[@]}"; do
        IFS='|' read -r _ kernel _ <<<"$t"
        [ -f "$guests/$kernel" ] || { echo "$guests/$kernel is not built (make guests)"; return; }
    done
    if [ "${accel%-irqchip-off}" = kvm ] && ! (exec 3<>/dev/kvm) 2>/dev/null; then
        echo "/dev/kvm does not open"
        return
    fi
    run "$accel" hello.elf -append greeting=yes
    if grep -q "not available yet" <<<"$out"; then
        grep -m1 "not available yet" <<<"$out" | sed 's/^tern: //'
    elif ! grep -q "hello:" <<<"$out" && grep -q "hello.elf" <<<"$out"; then
        echo "tern cannot boot a multiboot -kernel yet (the PC machine is unfinished):" \
            "$(grep -m1 "hello.elf" <<<"$out" | tr -d '\r')"
    fi
}

for accel in "${accels[@]}"; do
    why=$(why_skip "$accel")
    if [ -n "$why" ]; then
        skip_accel "$accel" "$why"
        continue
    fi
    for t in "${tests[@]}"; do
        IFS='|' read -r name kernel opts expect want reboot <<<"$t"
        later=$(unsupported_why "$accel/$name")
        if [ -n "$later" ]; then
            echo "ok $n $accel/$name # SKIP $later"
            n=$((n + 1))
            continue
        fi
        # shellcheck disable=SC2086
        REBOOT=$reboot run "$accel" "$kernel" $opts
        if [ "$status" -eq "$want" ] && grep -qF "$expect" <<<"$out"; then
            echo "ok $n $accel/$name"
        else
            echo "not ok $n $accel/$name (exit status $status, expected $want; expected line '$expect')"
            sed 's/^/# /' <<<"$out" | tail -40
        fi
        n=$((n + 1))
    done
done

# fallback_off ACCEL: mmio-insn's first PXOR on MMIO must end tern with the report.
fallback_off() {
    local accel=$1 machine=pc
    [ "$accel" = kvm-irqchip-off ] && machine=pc,kernel-irqchip=off
    out=$(timeout -k 5 "$timeout_s" "$tern" -accel kvm,fallback=off -M "$machine" -nographic \
        -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -device pc-testdev \
        -kernel "$guests/mmio-insn.elf" </dev/null 2>&1)
    status=$?
    [ "$status" -eq 1 ] && grep -q "tern: vCPU 0: KVM internal error 1: emulation failure" <<<"$out" &&
        grep -q "fallback is off" <<<"$out" && grep -q "instruction (64-bit): pxor" <<<"$out"
}

for accel in "${kvm_only[@]}"; do
    name="$accel/insns-kvm-cannot-emulate-fallback-off"
    why=$(why_skip "$accel")
    if [ -n "$why" ]; then
        echo "ok $n $name # SKIP $why"
    elif fallback_off "$accel"; then
        echo "ok $n $name"
    else
        echo "not ok $n $name (exit status $status, expected 1 with the emulation-failure report)"
        sed 's/^/# /' <<<"$out" | tail -40
    fi
    n=$((n + 1))
done
