#!/bin/bash
# run-guest.sh BUILD: `make run`. Fetches the test guest (scripts/fetch-guest.sh)
# and boots it on this terminal with BUILD/tern and the default accelerator:
# serial console on stdio, Ctrl-A x quits, `poweroff -f` in the guest ends tern.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
tern=$build/tern
[ -x "$tern" ] || { echo "run-guest: $tern is not built (make BUILD=$build)" >&2; exit 1; }

paths=$("$src/scripts/fetch-guest.sh") || { echo "run-guest: could not fetch the guest" >&2; exit 1; }
eval "$paths"

echo "run-guest: booting Debian's cloud kernel with a busybox initramfs (Ctrl-A x quits)" >&2
"$tern" -nographic -m 512M -kernel "$KERNEL_CLOUD" -initrd "$INITRD" \
    -append 'console=ttyS0 earlyprintk=serial panic=-1' -no-reboot
rc=$?
if [ $rc -ne 0 ]; then
    echo "run-guest: tern exited with status $rc (see its message above)" >&2
fi
exit $rc
