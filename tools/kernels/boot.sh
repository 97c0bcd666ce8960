#!/usr/bin/env bash
# tools/kernels/boot.sh [--shell] KERNEL_DIR INITRD [RESULTS CONSOLE [TIMEOUT_S]]: boots
# KERNEL_DIR/vmlinuz (as tools/kernels/fetch-kernel.sh leaves it) with INITRD in QEMU, by
# software emulation (no KVM needed). The guest's /init writes its results to the second
# serial port, saved to RESULTS; the console (kernel messages) goes to CONSOLE. QEMU is killed
# after TIMEOUT_S seconds (120), and the exit status is then 124, as timeout(1)'s.
#
# --shell: the console on this terminal and a shell in the guest instead of its tests (try
# `siptrail live -v`); `poweroff -f` or Ctrl-A x ends it.
set -euo pipefail

shell=0
if [ "${1:-}" = --shell ]; then
	shell=1
	shift
fi
kernel_dir=${1:?usage: boot.sh [--shell] KERNEL_DIR INITRD [RESULTS CONSOLE [TIMEOUT_S]]}
initrd=${2:?usage: boot.sh [--shell] KERNEL_DIR INITRD [RESULTS CONSOLE [TIMEOUT_S]]}
append="console=ttyS0 panic=-1 quiet"
qemu=(qemu-system-x86_64 -machine q35 -cpu max -m 2048 -smp 2 -no-reboot -nodefaults
	-kernel "$kernel_dir/vmlinuz" -initrd "$initrd")
# TCG even where /dev/kvm exists: a nested KVM here stopped the 6.12 guest with "KVM internal
# error ... emulation failure" and hung the 6.1 guest (2026-12-06); software emulation is
# what every machine here has, and the time limits are set for it
qemu+=(-accel tcg)

if [ "$shell" = 1 ]; then
	exec "${qemu[@]}" -nographic -serial mon:stdio -append "$append siptrail.shell"
fi
results=${3:?usage: boot.sh KERNEL_DIR INITRD RESULTS CONSOLE [TIMEOUT_S]}
console=${4:?usage: boot.sh KERNEL_DIR INITRD RESULTS CONSOLE [TIMEOUT_S]}
timeout_s=${5:-120}
exec timeout -k 5 "$timeout_s" "${qemu[@]}" -display none -monitor none \
	-serial "file:$console" -serial "file:$results" -append "$append" </dev/null
