#!/bin/sh
# Installs the Debian 12 packages tern needs, only when something is missing.
#   scripts/install-deps.sh build   what configure and make need
#   scripts/install-deps.sh test    what make check needs (build + test tools)
#   scripts/install-deps.sh run     what make run needs (build + guest images' tools)
# As root it runs apt-get; as a normal user it prints the exact command and fails.
set -u
what=${1:-build}

build_pkgs="gcc make pkg-config libc6-dev linux-libc-dev libglib2.0-dev libpixman-1-dev
libsdl2-dev libcapstone-dev libjson-glib-dev libslirp-dev libpng-dev"
test_pkgs="cpio xz-utils zstd ca-certificates acpica-tools"
case $what in
build) pkgs=$build_pkgs ;;
test | run) pkgs="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 build|test|run" >&2; exit 2 ;;
esac

missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "tern needs these Debian packages:$missing" >&2
    echo "run as root:  apt-get update && $cmd" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || apt-get update
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    echo "install-deps: apt-get install failed for:$missing" >&2
    exit 1
}
