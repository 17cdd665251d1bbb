#!/bin/bash
# fetch-guest.sh: the test guest, from Debian's packages, cached outside git.
#
#   scripts/fetch-guest.sh          prints KERNEL_CLOUD=..., KERNEL=..., INITRD=... (shell syntax)
#
# Downloads linux-image-cloud-amd64 and linux-image-amd64 (resolved to their
# versioned kernel packages) and busybox-static with `apt-get download`, never
# installing them on the host: each .deb is unpacked with dpkg-deb -x into the
# cache. Then builds a busybox initramfs (cpio newc, gzip) whose /init mounts
# proc, sys and dev, writes a byte to the POST port 0x80 (the boot-time
# milestone tern's -d boot reports: /bin/post80, a 159-byte static program, as
# the cloud kernel has no /dev/port), and starts a shell on the
# console. With tern.poweroff=1 on the kernel command line, /init powers off
# at once (bench/boot.sh and tests/functional use that).
#
# Cache: ${TERN_CACHE:-$HOME/.cache/tern}/guests. Idempotent: a second run
# downloads nothing. Everything is logged to stderr; stdout is only the paths.
set -euo pipefail

CACHE=${TERN_CACHE:-$HOME/.cache/tern}/guests
DEBS=$CACHE/debs
POST_MILESTONE=0x42 # the byte /init writes to port 0x80

log() { echo "fetch-guest: $*" >&2; }
die() {
    echo "fetch-guest: $*" >&2
    exit 1
}

need_tools() {
    local missing=()
    for t in apt-get apt-cache dpkg-deb cpio gzip; do
        command -v "$t" >/dev/null || missing+=("$t")
    done
    [ ${#missing[@]} -eq 0 ] && return
    if [ "$(id -u)" = 0 ] && [[ " ${missing[*]} " != *" apt-get "* ]]; then
        log "installing ${missing[*]}"
        apt-get install -y -q cpio gzip >&2 || die "cannot install ${missing[*]}"
    else
        die "missing tools: ${missing[*]} (apt-get install cpio gzip)"
    fi
}

# The versioned package a metapackage depends on (linux-image-cloud-amd64 -> linux-image-6.1.0-NN-cloud-amd64).
resolve_kernel() {
    local meta=$1 dep
    dep=$(apt-cache depends "$meta" 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
    if [ -z "$dep" ] && [ "$(id -u)" = 0 ] && [ -z "${FETCH_GUEST_UPDATED:-}" ]; then
        log "no package lists know $meta: running apt-get update"
        apt-get update -q >&2 || true
        FETCH_GUEST_UPDATED=1
        dep=$(apt-cache depends "$meta" 2>/dev/null |
            sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
    fi
    [ -n "$dep" ] || die "cannot resolve $meta (run apt-get update as root first)"
    echo "$dep"
}

# Downloads package $1 into $DEBS once; prints the .deb path.
download() {
    local pkg=$1 deb
    deb=$(ls "$DEBS/${pkg}"_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        log "apt-get download $pkg"
        (cd "$DEBS" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
        deb=$(ls "$DEBS/${pkg}"_*.deb | head -1)
    fi
    echo "$deb"
}

# Unpacks a .deb into $CACHE/root/<name> once; prints the directory.
unpack() {
    local deb=$1 dir
    dir=$CACHE/root/$(basename "$deb" .deb)
    if [ ! -e "$dir/.done" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        dpkg-deb -x "$deb" "$dir"
        touch "$dir/.done"
    fi
    echo "$dir"
}

# Prints the kernel image of metapackage $1, copied to $CACHE/$2.
fetch_kernel() {
    local meta=$1 out=$CACHE/$2 pkg deb dir img
    pkg=$(resolve_kernel "$meta")
    if [ -e "$out" ] && [ -e "$out.pkg" ] && [ "$(cat "$out.pkg")" = "$pkg" ]; then
        echo "$out"
        return
    fi
    deb=$(download "$pkg")
    dir=$(unpack "$deb")
    img=$(ls "$dir"/boot/vmlinuz-* | head -1)
    [ -n "$img" ] || die "$deb has no /boot/vmlinuz-*"
    cp "$img" "$out.tmp" && mv "$out.tmp" "$out"
    echo "$pkg" >"$out.pkg"
    echo "$out"
}

write_init() {
    cat >"$1" <<EOF
#!/bin/busybox sh
# /init of tern's test guest (scripts/fetch-guest.sh)
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The boot-time milestone: one byte to the POST port (tern -d boot reports it).
/bin/post80
if grep -q 'tern.poweroff=1' /proc/cmdline; then
    echo "tern guest: up; powering off"
    poweroff -f
    sleep 2
    reboot -f  # no ACPI power-off: a reset ends a -no-reboot VM too
fi
echo "tern guest: busybox shell; 'poweroff -f' to quit"
exec setsid cttyhack sh
EOF
    chmod 755 "$1"
}

# A static x86-64 ELF (one PT_LOAD at 0x400000, code at 0x400078):
#   mov eax,173 (ioperm); mov edi,0x80; mov esi,1; mov edx,1; syscall; mov edi,eax;
#   test eax,eax; jnz 1f; mov al,POST_MILESTONE; out 0x80,al; 1: mov eax,60 (exit); syscall
write_post80() {
    {
        printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'
        printf '\x02\x00\x3e\x00\x01\x00\x00\x00\x78\x00\x40\x00\x00\x00\x00\x00'
        printf '\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
        printf '\x00\x00\x00\x00\x40\x00\x38\x00\x01\x00\x00\x00\x00\x00\x00\x00'
        printf '\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
        printf '\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00'
        printf '\x9f\x00\x00\x00\x00\x00\x00\x00\x9f\x00\x00\x00\x00\x00\x00\x00'
        printf '\x00\x10\x00\x00\x00\x00\x00\x00'
        printf '\xb8\xad\x00\x00\x00\xbf\x80\x00\x00\x00\xbe\x01\x00\x00\x00'
        printf '\xba\x01\x00\x00\x00\x0f\x05\x89\xc7\x85\xc0\x75\x04'
        printf "\\xb0\\x${POST_MILESTONE#0x}\\xe6\\x80\\xb8\\x3c\\x00\\x00\\x00\\x0f\\x05"
    } >"$1"
    chmod 755 "$1"
}

build_initramfs() {
    local out=$CACHE/initramfs.cpio.gz deb dir tree
    deb=$(download busybox-static)
    dir=$(unpack "$deb")
    if [ -e "$out" ] && [ "$out" -nt "$0" ] && [ "$out" -nt "$deb" ]; then
        echo "$out"
        return
    fi
    tree=$(mktemp -d)
    mkdir -p "$tree"/{bin,dev,proc,sys,tmp,root}
    cp "$dir/bin/busybox" "$tree/bin/busybox"
    ln -s busybox "$tree/bin/sh"
    write_post80 "$tree/bin/post80"
    write_init "$tree/init"
    (cd "$tree" && find . -print0 | cpio --null -o -H newc --owner 0:0 --quiet) | gzip -9 >"$out.tmp"
    mv "$out.tmp" "$out"
    rm -rf "$tree"
    echo "$out"
}

main() {
    need_tools
    mkdir -p "$DEBS" "$CACHE/root"
    local cloud generic initrd
    cloud=$(fetch_kernel linux-image-cloud-amd64 vmlinuz-cloud)
    generic=$(fetch_kernel linux-image-amd64 vmlinuz)
    initrd=$(build_initramfs)
    echo "KERNEL_CLOUD=$cloud"
    echo "KERNEL=$generic"
    echo "INITRD=$initrd"
}

main "$@"
