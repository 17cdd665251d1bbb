#!/bin/bash
# tests/functional/run-tap.sh BUILD: real Debian guests booted end to end, as TAP.
#
# The guest (Debian's cloud and generic kernels, a busybox initramfs) comes from
# scripts/fetch-guest.sh, cached outside git. Tests that need hardware-backed
# KVM are skipped, with the reason, where /dev/kvm does not open or is kvm_pvm
# (a nested software hypervisor that cannot run an unmodified Linux kernel).
# What PVM can show is tested here too: the kernel's first console lines through
# tern's loader and UART, then a clear failure that ends tern.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
build=$(cd "$build" && pwd)
tern=$build/tern
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}   # one boot on hardware KVM takes seconds
PVM_TIMEOUT=${PVM_TIMEOUT:-420}     # PVM emulates the decompressor: minutes
APPEND='console=ttyS0 earlyprintk=serial panic=-1 io_delay=none'

. "$src/tests/tap.sh"

# --- what this host allows -----------------------------------------------------------
kvm_opens() { [ -e /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; }
kvm_reason=""
if ! kvm_opens; then
    kvm_reason="/dev/kvm does not open here"
elif [ -d /sys/module/kvm_pvm ]; then
    kvm_reason="/dev/kvm is kvm_pvm, which cannot run an unmodified Linux kernel (emulation failures on lock cmpxchg16b, xrstor, iret)"
fi

# A guest with this much RAM must fit in the host's (the guest touches little of it).
host_mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
fits() { [ $(($1 / 1024)) -lt $((host_mem_kib / 1024)) ]; }

# --- tests ------------------------------------------------------------------------------

# boot_poweroff NAME KERNEL SMP MEM: boots to /init, which powers off at once.
boot_poweroff() {
    local name=$1 kernel=$2 smp=$3 mem=$4 log=$work/$1.log
    if [ -n "$kvm_reason" ]; then
        skip "$name" "$kvm_reason"
        return
    fi
    if ! fits "$((${mem%M} * 1024))"; then
        skip "$name" "the host has $((host_mem_kib / 1024)) MiB"
        return
    fi
    timeout -k 5 "$BOOT_TIMEOUT" "$tern" -accel kvm -smp "$smp" -m "$mem" -display none \
        -serial stdio -no-reboot -kernel "$kernel" -initrd "$INITRD" \
        -append "$APPEND tern.poweroff=1" </dev/null >"$log" 2>&1
    local rc=$?
    if [ $rc -eq 0 ] && grep -q 'tern guest: up; powering off' "$log"; then
        ok "$name"
    else
        not_ok "$name (exit $rc)" "$log"
    fi
}

# Boots to the shell, types a command at the console and powers off from the shell.
boot_shell() {
    local name="cloud kernel: shell on the console, typed command, poweroff (-smp 1 -m 128M)"
    local log=$work/shell.log fifo=$work/in
    if [ -n "$kvm_reason" ]; then
        skip "$name" "$kvm_reason"
        return
    fi
    mkfifo "$fifo"
    timeout -k 5 "$BOOT_TIMEOUT" "$tern" -accel kvm -smp 1 -m 128M -nographic -no-reboot \
        -kernel "$KERNEL_CLOUD" -initrd "$INITRD" -append "$APPEND" <"$fifo" >"$log" 2>&1 &
    local pid=$!
    exec 3>"$fifo"
    for _ in $(seq 1 $((BOOT_TIMEOUT * 2))); do
        grep -q "busybox shell" "$log" 2>/dev/null && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.5
    done
    sleep 1
    printf 'echo tern-shell-$((6 * 7))\npoweroff -f\n' >&3
    wait $pid
    local rc=$?
    exec 3>&-
    if [ $rc -eq 0 ] && grep -q 'tern-shell-42' "$log"; then
        ok "$name"
    else
        not_ok "$name (exit $rc)" "$log"
    fi
}

# Under any KVM: the kernel's first lines through tern's loader and UART; then
# either a full boot (hardware KVM) or PVM's emulation failure, reported clearly,
# ending tern (no hang). With fallback=off: the interpreter behind KVM would
# carry the kernel on for many minutes under PVM (docs/kvm.md has how far);
# tests/guests' mmio-insn kernel tests the fallback.
boot_earlyprintk() {
    local name="cloud kernel under -accel kvm: earlyprintk lines through the UART, then a clean end"
    local log=$work/early.log
    if ! kvm_opens; then
        skip "$name" "/dev/kvm does not open here"
        return
    fi
    timeout -k 5 "$PVM_TIMEOUT" "$tern" -accel kvm,fallback=off -m 512M -display none -serial stdio \
        -no-reboot -kernel "$KERNEL_CLOUD" -initrd "$INITRD" -d boot \
        -append "$APPEND tern.poweroff=1" </dev/null >"$log" 2>&1
    local rc=$?
    local why=""
    grep -q 'Linux version .*cloud-amd64' "$log" || why="no 'Linux version' line"
    grep -q 'Command line: .*earlyprintk=serial' "$log" || why="$why; no 'Command line:' line"
    grep -q 'BIOS-e820: .*usable' "$log" || why="$why; no e820 map"
    grep -q 'first UART byte  *[0-9]' "$log" || why="$why; no first-UART-byte time"
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        why="$why; tern did not end within ${PVM_TIMEOUT}s"
    elif [ $rc -eq 0 ]; then
        grep -q 'tern guest: up' "$log" || why="$why; exit 0 without reaching /init"
    else
        grep -q 'tern: vCPU 0: KVM internal error' "$log" || why="$why; exit $rc without a KVM error line"
        grep -q 'instruction (64-bit): ' "$log" || why="$why; the failing instruction is not shown"
    fi
    if [ -z "$why" ]; then
        ok "$name"
        grep -E 'ACPI: (RSDP|XSDT|FACP|APIC)|KVM internal error|instruction \(|first UART|milestone' \
            "$log" | head -12 | sed 's/^/# /'
    else
        not_ok "$name:${why#;}" "$log"
    fi
}

# Loader errors: one line naming the file and the problem, exit 1, before any accelerator.
loader_errors() {
    local name="bad images: one clear line naming the file, exit 1" why=""
    head -c 300000 "$KERNEL_CLOUD" >"$work/truncated"
    truncate -s 300M "$work/huge-initrd"
    head -c 8192 /dev/urandom >"$work/random.bin"
    bad_run() { # WANT ARGS...: exit 1 with one line "tern: ...WANT"
        local want=$1
        shift
        local out rc
        out=$("$tern" -display none "$@" 2>&1 </dev/null)
        rc=$?
        if [ $rc -ne 1 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] ||
            ! printf '%s' "$out" | grep -q "^tern: .*$want"; then
            why="$why; '$*' gave (exit $rc) '$out'"
        fi
    }
    bad_run "$work/truncated: truncated" -kernel "$work/truncated"
    bad_run "random.bin: not a Linux bzImage" -kernel "$work/random.bin"
    bad_run "hostname: too short" -kernel /etc/hostname
    bad_run "huge-initrd: does not fit" -m 128M -kernel "$KERNEL_CLOUD" -initrd "$work/huge-initrd"
    bad_run "missing-file" -kernel "$work/missing-file"
    bad_run "-frobnicate: invalid option" -frobnicate
    bad_run "-m: requires an argument" -m
    if [ -z "$why" ]; then
        ok "$name"
    else
        not_ok "$name:${why#;}"
    fi
}

# A 64 KiB -bios image whose reset vector prints 'A' on COM1 and resets through 0xCF9:
# ROM at the top of 4 GiB, real-mode reset state, the UART, PIIX3 reset, -no-reboot.
bios_reset() {
    local name="-bios images: reset vector, COM1, 0xCF9 reset (-no-reboot exits, else boots again), ACPI S5 power-off at PM base 0x600"
    local rom=$work/reset.rom why=""
    if ! kvm_opens; then
        skip "$name" "/dev/kvm does not open here"
        return
    fi
    # mov al,'A'; mov dx,0x3f8; out dx,al; mov al,6; mov dx,0xcf9; out dx,al; hlt; jmp hlt
    { head -c 65520 /dev/zero | tr '\0' '\377'
      printf '\260\101\272\370\003\356\260\006\272\371\014\356\364\353\375\377'; } >"$rom"
    timeout -k 5 30 "$tern" -accel kvm -display none -serial stdio -bios "$rom" -no-reboot \
        </dev/null >"$work/reset1.log" 2>&1
    local rc=$?
    [ $rc -eq 0 ] && [ "$(head -c 1 "$work/reset1.log")" = A ] || why="-no-reboot: exit $rc, '$(head -c 40 "$work/reset1.log")'"
    timeout -k 5 5 "$tern" -accel kvm -display none -serial stdio -bios "$rom" \
        </dev/null >"$work/reset2.log" 2>/dev/null
    [ "$(head -c 3 "$work/reset2.log")" = AAA ] || why="$why; no repeated boots: '$(head -c 40 "$work/reset2.log")'"
    # mov ax,0x2000; mov dx,0x604; out dx,ax; hlt: SLP_EN with S5 in PM1a_CNT (PIIX4 PM at 0x600)
    { head -c 65520 /dev/zero | tr '\0' '\377'
      printf '\270\000\040\272\004\006\357\364\353\375\377\377\377\377\377\377'; } >"$work/off.rom"
    timeout -k 5 30 "$tern" -accel kvm -display none -serial null -bios "$work/off.rom" \
        </dev/null >"$work/off.log" 2>&1
    rc=$?
    [ $rc -eq 0 ] || why="$why; ACPI S5 through PM1a_CNT did not power off (exit $rc)"
    if [ -z "$why" ]; then
        ok "$name"
    else
        not_ok "$name: ${why#; }"
    fi
}

# A 49-byte multiboot "a.out kludge" kernel (loaded at 1 MiB) that prints 'K' on COM1
# and resets through 0xCF9: the machine must load it and enter it again at each reset.
kernel_reset() {
    local name="multiboot -kernel: loaded again and re-entered at each reset"
    local k=$work/reset-kernel why=""
    if ! kvm_opens; then
        skip "$name" "/dev/kvm does not open here"
        return
    fi
    # header: magic, flags (bit 16: address fields), checksum, header/load addr 1 MiB,
    # load_end/bss_end 0, entry 1 MiB + 0x20; code: mov al,'K'; mov dx,0x3f8; out dx,al;
    # mov al,6; mov dx,0xcf9; out dx,al; hlt; jmp hlt
    printf '\x02\xb0\xad\x1b\x00\x00\x01\x00\xfe\x4f\x51\xe4\x00\x00\x10\x00\x00\x00\x10\x00%b%b' \
        '\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x10\x00' \
        '\xb0\x4b\x66\xba\xf8\x03\xee\xb0\x06\x66\xba\xf9\x0c\xee\xf4\xeb\xfd' >"$k"
    timeout -k 5 30 "$tern" -accel kvm -display none -serial stdio -kernel "$k" -no-reboot \
        </dev/null >"$work/kreset1.log" 2>&1
    local rc=$?
    [ $rc -eq 0 ] && [ "$(head -c 1 "$work/kreset1.log")" = K ] || why="-no-reboot: exit $rc, '$(head -c 40 "$work/kreset1.log")'"
    timeout -k 5 5 "$tern" -accel kvm -display none -serial stdio -kernel "$k" \
        </dev/null >"$work/kreset2.log" 2>/dev/null
    [ "$(head -c 3 "$work/kreset2.log")" = KKK ] || why="$why; not re-entered after a reset: '$(head -c 40 "$work/kreset2.log")'"
    if [ -z "$why" ]; then
        ok "$name"
    else
        not_ok "$name: ${why#; }"
    fi
}

# A 2 KiB bzImage (protocol 2.15, XLF_KERNEL_64) whose 64-bit entry checks what the
# loader handed it and prints "LH", the first byte of the command line and of the
# initrd, and '0' + the e820 entry count, then resets through 0xCF9. Code at +0x200:
#   out 0x80,0x42 (the -d boot milestone); mov esp,0x9000; 'L'; cmp dword [rsi+0x202],"HdrS"; jne fail; 'H';
#   mov eax,[rsi+0x228] (cmd_line_ptr); mov al,[rax]; putc; same for [rsi+0x218]
#   (ramdisk_image); mov al,[rsi+0x1e8] (e820_entries); add al,'0'; putc; '\n';
#   out 0xcf9,6; fail: '!'; putc: wait for LSR.THRE at 0x3fd, out 0x3f8.
make_tiny_bzimage() {
    local f=$1
    head -c 2048 /dev/zero >"$f"
    patch() { printf "$2" | dd of="$f" bs=1 seek=$(($1)) conv=notrunc status=none; }
    patch 0x1f1 '\x01'                       # setup_sects: kernel at 0x400
    patch 0x1f4 '\x40\x00\x00\x00'           # syssize: 1 KiB
    patch 0x1fe '\x55\xaa\xeb\x6a'           # boot flag; the header ends at 0x26c
    patch 0x202 'HdrS\x0f\x02'               # protocol 2.15
    patch 0x211 '\x01'                       # LOADED_HIGH
    # initrd_addr_max, kernel_alignment 2 MiB, relocatable, xloadflags 64-bit, cmdline_size
    patch 0x22c '\xff\xff\xff\x7f\x00\x00\x20\x00\x01\x00\x03\x00\xff\x07\x00\x00'
    patch 0x258 '\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x10\x00' # pref 16 MiB, init_size 1 MiB
    patch 0x600 '\xb0\x42\xe6\x80\xbc\x00\x90\x00\x00\xb0\x4c\xe8\x55\x00\x00\x00\x81\xbe\x02\x02\x00\x00\x48\x64\x72\x53\x75\x3f\xb0\x48\xe8\x42\x00\x00\x00\x8b\x86\x28\x02\x00\x00\x8a\x00\xe8\x35\x00\x00\x00\x8b\x86\x18\x02\x00\x00\x8a\x00\xe8\x28\x00\x00\x00\x8a\x86\xe8\x01\x00\x00\x04\x30\xe8\x1b\x00\x00\x00\xb0\x0a\xe8\x14\x00\x00\x00\xb0\x06\x66\xba\xf9\x0c\xee\xf4\xeb\xfd\xb0\x21\xe8\x03\x00\x00\x00\xf4\xeb\xfd\x88\xc4\x66\xba\xfd\x03\xec\xa8\x20\x74\xfb\x88\xe0\x66\xba\xf8\x03\xee\xc3'
}

tiny_linux() {
    local name="synthetic bzImage: 64-bit entry sees boot_params, command line, initrd, e820; -d boot milestone; re-entered after reset"
    local k=$work/tiny.bz why="" out
    if ! kvm_opens; then
        skip "$name" "/dev/kvm does not open here"
        return
    fi
    make_tiny_bzimage "$k"
    printf 'Qinitrd' >"$work/tiny.initrd"
    out=$(timeout -k 5 30 "$tern" -accel kvm -display none -serial stdio -m 64M -kernel "$k" \
        -initrd "$work/tiny.initrd" -append xyz -no-reboot </dev/null 2>&1)
    [ "$out" = LHxQ9 ] || why="-m 64M: '$out' (want LHxQ9: 9 e820 entries)"
    out=$(timeout -k 5 30 "$tern" -accel kvm -display none -serial null -m 64M -kernel "$k" \
        -append xyz -no-reboot -d boot </dev/null 2>&1)
    printf '%s\n' "$out" | grep -q 'milestone (POST port 0x80) *[0-9.]* ms' &&
        printf '%s\n' "$out" | grep -q 'first guest instruction *[0-9.]* ms' ||
        why="$why; -d boot: no milestone/first-instruction times: '$out'"
    out=$(timeout -k 5 30 "$tern" -accel kvm -display none -serial stdio -m 8G -smp 2 \
        -kernel "$k" -initrd "$work/tiny.initrd" -append xyz -no-reboot </dev/null 2>&1)
    [ "$out" = "LHxQ:" ] || why="$why; -m 8G: '$out' (want LHxQ: with RAM above 4 GiB)"
    timeout -k 5 5 "$tern" -accel kvm -display none -serial stdio -m 64M -kernel "$k" \
        -initrd "$work/tiny.initrd" -append xyz </dev/null >"$work/tiny.log" 2>/dev/null
    [ "$(grep -c '^LHxQ9$' "$work/tiny.log")" -ge 2 ] || why="$why; not re-entered after reset"
    if [ -z "$why" ]; then
        ok "$name"
    else
        not_ok "$name: ${why#; }"
    fi
}

# A -bios ROM that echoes what it reads from COM1 (waiting for DR, then THRE) and
# powers off (ACPI S5) after a 'q': input from stdio, through the chardev (and the
# -nographic mux), the UART and back. Reset vector: jmp F000:0000; code at 0xF0000:
#   wait LSR.DR; in al,0x3f8; mov ah,al; wait LSR.THRE; out 0x3f8,al; cmp al,'q'; jne;
#   mov ax,0x2000; out 0x604,ax; hlt
console_echo() {
    local name="console input reaches the guest and comes back (-serial stdio, -nographic)"
    local rom=$work/echo.rom why="" out
    if ! kvm_opens; then
        skip "$name" "/dev/kvm does not open here"
        return
    fi
    { printf '\272\375\003\354\250\001\164\373\272\370\003\354\210\304\272\375\003'
      printf '\354\250\040\164\373\210\340\272\370\003\356\074\161\165\340\270\000\040'
      printf '\272\004\006\357\364\353\375'
      head -c $((65520 - 42)) /dev/zero | tr '\0' '\377'
      printf '\352\000\000\000\360\377\377\377\377\377\377\377\377\377\377\377'; } >"$rom"
    out=$(printf 'hello, tern q' | timeout -k 5 30 "$tern" -accel kvm -display none \
        -serial stdio -bios "$rom" 2>&1)
    [ $? -eq 0 ] && [ "${out#hello, tern}" != "$out" ] || why="-serial stdio: '$out'"
    out=$(printf 'typed q' | timeout -k 5 30 "$tern" -accel kvm -nographic -bios "$rom" 2>&1)
    [ $? -eq 0 ] && [ "${out#typed}" != "$out" ] || why="$why; -nographic: '$out'"
    if [ -z "$why" ]; then
        ok "$name"
    else
        not_ok "$name: ${why#; }"
    fi
}

# -cpu: qemu64, max and tern run under tcg; host is for kvm; an unknown model is
# one line naming the known ones, exit 1. A -bios ROM that prints 'A' and resets.
cpu_models() {
    local name="-cpu under tcg: qemu64, max, tern run; host and unknown models: one line naming the known ones, exit 1"
    local rom=$work/cpu.rom why="" out m
    { head -c 65520 /dev/zero | tr '\0' '\377'
      printf '\260\101\272\370\003\356\260\006\272\371\014\356\364\353\375\377'; } >"$rom"
    for m in qemu64 max tern; do
        out=$(timeout -k 5 30 "$tern" -accel tcg -cpu "$m" -display none -serial stdio \
            -bios "$rom" -no-reboot </dev/null 2>&1)
        [ $? -eq 0 ] && [ "$out" = A ] || why="$why; -cpu $m: '$out'"
    done
    for m in host pentium; do
        out=$("$tern" -accel tcg -cpu "$m" -display none -serial null -bios "$rom" -no-reboot \
            </dev/null 2>&1)
        [ $? -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
            printf '%s' "$out" | grep -q "^tern: -cpu $m: .*known: qemu64, max, tern" ||
            why="$why; -cpu $m: '$out'"
    done
    if [ -z "$why" ]; then
        ok "$name"
    else
        not_ok "$name: ${why#; }"
    fi
}

echo "1..12"
if [ ! -x "$tern" ]; then
    for t in $(seq 1 12); do skip "functional $t" "$tern is not built"; done
    exit 0
fi
if ! paths=$("$src/scripts/fetch-guest.sh" 2>"$work/fetch.log"); then
    reason="guest not fetched: $(tail -1 "$work/fetch.log")"
    bios_reset
    kernel_reset
    tiny_linux
    console_echo
    cpu_models
    for t in $(seq 6 12); do skip "functional $t" "$reason"; done
    exit 0
fi
eval "$paths"

bios_reset
kernel_reset
tiny_linux
console_echo
cpu_models
loader_errors
boot_shell
boot_poweroff "cloud kernel to poweroff (-smp 4 -m 1024M)" "$KERNEL_CLOUD" 4 1024M
boot_poweroff "cloud kernel to poweroff (-smp 1 -m 8192M)" "$KERNEL_CLOUD" 1 8192M
boot_poweroff "generic kernel to poweroff (-smp 1 -m 512M)" "$KERNEL" 1 512M
boot_poweroff "generic kernel to poweroff (-smp 4 -m 4096M)" "$KERNEL" 4 4096M
boot_earlyprintk
