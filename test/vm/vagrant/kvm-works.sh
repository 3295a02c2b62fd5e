#!/usr/bin/env bash
# Exits 0 when qemu can run a Linux guest with KVM here. /dev/kvm can exist, and even run
# firmware, while a kernel hangs as soon as it leaves real mode (nested KVM on some hosts),
# so this boots KERNEL with no root disk under KVM and waits for its panic; -no-reboot
# ends qemu there. A working KVM gets there in a second or two; the timeout is the
# verdict for one that hangs.
#
# Usage: kvm-works.sh KERNEL
set -euo pipefail

kernel=$1
[ -c /dev/kvm ] || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout 10 qemu-system-x86_64 -accel kvm -nodefaults -display none -m 256 -no-reboot \
  -kernel "$kernel" -append 'console=ttyS0 panic=-1' -serial "file:$log" >/dev/null 2>&1 || true
grep -q 'Kernel panic' "$log"
