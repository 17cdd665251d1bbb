#!/bin/bash
# End-to-end test of the human monitor: boots tests/guests/paging.elf (whose
# page tables are known: 2 MiB identity pages below 4 MiB, VIRT_BASE
# 0x40000000 -> target[0], the next page mapped by the #PF handler to
# target[1], the page after it not present) under each accelerator, with
# -monitor on a unix socket, and checks help, info status/registers/mtree/
# memslots/memlog, xlate, gva2gpa, gpa2hva, x, xp, x/4i $pc, stop/cont, a
# wrong command, and that quit ends tern with status 0. Prints TAP.
#   tests/monitor/run-tap.sh BUILD
# kvm is skipped, saying why, when /dev/kvm does not open; an accelerator tern
# does not have is skipped too.
set -u
build=${1:?usage: run-tap.sh BUILD}
build=${build%/}
src=$(cd "$(dirname "$0")/../.." && pwd)
tern=$build/tern
kernel=$build/tests/guests/paging.elf
client=$src/tests/monitor/monclient.py
boot_timeout_s=${GUEST_TIMEOUT:-60}
VIRT_BASE=0x40000000
PAGE=4096

# one TAP line per check; the same list for each accelerator
checks=(help info-status info-registers info-mtree-f info-memslots xlate-4k-page
    xlate-fixed-page xlate-not-present xlate-2m-page gva2gpa gpa2hva x-virtual xp-physical
    x-insns stop-cont wrong-command info-memlog info-softmmu xlate-tlb info-cpus quit-status-0)
accels=(kvm tcg)
echo "1..$((${#checks[@]} * ${#accels[@]}))"
n=0

skip_accel() { # ACCEL REASON
    for c in "${checks[@]}"; do
        n=$((n + 1))
        echo "ok $n $1-$c # SKIP $2"
    done
}

ok() { # ACCEL NAME COND-STATUS [DETAIL FILE]
    n=$((n + 1))
    if [ "$3" -eq 0 ]; then
        echo "ok $n $1-$2"
    else
        echo "not ok $n $1-$2"
        [ -n "${4:-}" ] && [ -f "$4" ] && sed 's/^/# /' "$4" | head -30
    fi
}

# has FILE PATTERN: grep -E in a command's output
has() { grep -qE -- "$2" "$1" 2>/dev/null; }

sym() { # the address of a guest symbol, as 0x...
    local a
    a=$(nm "$kernel" | awk -v s="$1" '$3 == s { print $1 }')
    printf '0x%x' "0x$a"
}

hex() { printf '0x%x' "$(($1))"; }
hex16() { printf '0x%016x' "$(($1))"; }

run_accel() { # ACCEL
    local accel=$1 dir sock pid status=0 i
    dir=$(mktemp -d)
    sock=$dir/mon.sock
    "$tern" -accel "$accel" -M pc -display none -no-reboot -kernel "$kernel" \
        -serial "file:$dir/serial.log" -monitor "unix:$sock,server=on,wait=off" \
        </dev/null >"$dir/tern.log" 2>&1 &
    pid=$!
    # the guest ends in cli; hlt (no isa-debug-exit device): wait for its verdict
    for ((i = 0; i < boot_timeout_s * 10; i++)); do
        grep -q "paging: ALL PASS" "$dir/serial.log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q "paging: ALL PASS" "$dir/serial.log" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        if grep -q "unknown accelerator" "$dir/tern.log"; then
            skip_accel "$accel" "tern has no $accel accelerator"
        else
            for c in "${checks[@]}"; do ok "$accel" "$c" 1 "$dir/tern.log"; done
        fi
        rm -rf "$dir"
        return
    fi

    local target page_table target1 pml4
    target=$(sym target)
    page_table=$(sym page_table)
    pml4=$(sym pml4)
    target1=$(hex "$target + $PAGE")
    python3 "$client" "$sock" "$dir" \
        "help" "info status" "info registers" "info mtree -f" "info memslots" \
        "xlate $VIRT_BASE" "xlate $VIRT_BASE+$PAGE" "xlate $VIRT_BASE+2*$PAGE" "xlate 0x100000" \
        "gva2gpa $VIRT_BASE" "gpa2hva $target" "x/2xw $VIRT_BASE" "xp/xw $target" "x/4i \$pc" \
        "stop" "info status" "cont" "info status" "nonsense 1 2" "info memlog" "info softmmu" \
        "info cpus" "quit" \
        >"$dir/client.log" 2>&1
    local client_status=$?
    for ((i = 0; i < boot_timeout_s * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    wait "$pid"
    status=$?
    [ $client_status -ne 0 ] && cat "$dir/client.log" >>"$dir/1.out"

    local o=$dir
    has "$o/1.out" '^xlate addr -- ' && has "$o/1.out" '^info \[subcommand\]'
    ok "$accel" help $? "$o/1.out"
    has "$o/2.out" '^VM status: running'
    ok "$accel" info-status $? "$o/2.out"
    has "$o/3.out" "CR3=0*${pml4#0x} " && has "$o/3.out" 'EFER=0000000000000d00|EFER=0000000000000500'
    ok "$accel" info-registers $? "$o/3.out"
    has "$o/4.out" 'pc\.ram'
    ok "$accel" info-mtree-f $? "$o/4.out"
    if [ "$accel" = kvm ]; then
        has "$o/5.out" '^ +[0-9]+ +0000000000100000-.* pc\.ram'
    else
        has "$o/5.out" 'no memslots: the accelerator is tcg'
    fi
    ok "$accel" info-memslots $? "$o/5.out"
    has "$o/6.out" "^  PT   table $(printf '0x%09x' "$page_table") \[  0\]" &&
        has "$o/6.out" '-> 4 KiB page' && has "$o/6.out" "^GPA +$(hex16 "$target")\$" &&
        has "$o/6.out" "^region +'pc\.ram' offset $target" && has "$o/6.out" '^HVA +0x' &&
        has "$o/6.out" '^HPA +' &&
        { [ "$accel" != kvm ] || has "$o/6.out" '^memslot +[0-9]+: GPA 0x100000 '; }
    ok "$accel" xlate-4k-page $? "$o/6.out"
    has "$o/7.out" "^GPA +$(hex16 "$target1")\$"
    ok "$accel" xlate-fixed-page $? "$o/7.out"
    has "$o/8.out" '^fault +#PF at PT\[2\] \(level 1\): not present \(P=0\)'
    ok "$accel" xlate-not-present $? "$o/8.out"
    has "$o/9.out" '^  PD   .* PS +-> 2 MiB page' && has "$o/9.out" '^GPA +0x0000000000100000$'
    ok "$accel" xlate-2m-page $? "$o/9.out"
    has "$o/10.out" "^gpa: $target\$"
    ok "$accel" gva2gpa $? "$o/10.out"
    has "$o/11.out" "^Host virtual address for $target \(pc\.ram\) is 0x"
    ok "$accel" gpa2hva $? "$o/11.out"
    has "$o/12.out" "^0000000040000000: 0xcafef00d 0x00000000\$"
    ok "$accel" x-virtual $? "$o/12.out"
    has "$o/13.out" ": 0xcafef00d\$"
    ok "$accel" xp-physical $? "$o/13.out"
    [ "$(grep -cE '^0x[0-9a-f]{16}:  ' "$o/14.out" 2>/dev/null)" = 4 ] && has "$o/14.out" 'hlt|jmp'
    ok "$accel" x-insns $? "$o/14.out"
    has "$o/16.out" '^VM status: paused' && has "$o/18.out" '^VM status: running'
    ok "$accel" stop-cont $? "$o/16.out"
    has "$o/19.out" "^unknown command: 'nonsense'" &&
        [ "$(wc -l <"$o/19.out")" -eq 1 ]
    ok "$accel" wrong-command $? "$o/19.out"
    has "$o/20.out" "added +memory 0x100000\+0x7f00000 'pc\.ram'" &&
        { [ "$accel" != kvm ] || has "$o/20.out" "slotset kvm +0x100000\+0x7f00000 'pc\.ram' slot"; }
    ok "$accel" info-memlog $? "$o/20.out"
    if [ "$accel" = tcg ]; then
        has "$o/21.out" '^kernel mode: [0-9]+ entries' && has "$o/21.out" '^hits [0-9]+, victim hits'
    else
        has "$o/21.out" "^no software TLB: the accelerator is $accel"
    fi
    ok "$accel" info-softmmu $? "$o/21.out"
    if [ "$accel" = tcg ]; then
        has "$o/6.out" '^TLB +kernel: ' && has "$o/6.out" '^TLB +user: '
    else
        has "$o/6.out" "^TLB +none: the $accel accelerator has no software TLB"
    fi
    ok "$accel" xlate-tlb $? "$o/6.out"
    # under kvm, how many instructions the interpreter ran for KVM (none in this guest)
    if [ "$accel" = kvm ]; then
        has "$o/22.out" '^\* CPU #0: pc=0x[0-9a-f]{16} apic_id=0 .*kvm-fallbacks=0$'
    else
        has "$o/22.out" '^\* CPU #0: pc=0x[0-9a-f]{16} apic_id=0 ' && ! has "$o/22.out" 'kvm-fallbacks'
    fi
    ok "$accel" info-cpus $? "$o/22.out"
    [ "$status" -eq 0 ]
    ok "$accel" quit-status-0 $? "$dir/tern.log"
    rm -rf "$dir"
}

for accel in "${accels[@]}"; do
    if [ ! -x "$tern" ]; then
        skip_accel "$accel" "$tern is not built"
    elif [ ! -f "$kernel" ]; then
        skip_accel "$accel" "$kernel is not built (make guests)"
    elif ! command -v python3 >/dev/null || ! command -v nm >/dev/null; then
        skip_accel "$accel" "python3 and nm are needed to drive the monitor socket"
    elif [ "$accel" = kvm ] && ! (exec 3<>/dev/kvm) 2>/dev/null; then
        skip_accel "$accel" "/dev/kvm does not open"
    else
        run_accel "$accel"
    fi
done
