#!/usr/bin/env bash
# tools/kernels/mkinitramfs.sh OUT SCRIPT [BINARY...]: an initramfs (newc cpio) that is a
# small Debian-like system: busybox-static with its applets, each BINARY in /usr/bin with the
# libraries `ldd` names, OpenSSL's configuration, tools/kernels/init as /init and SCRIPT as
# /guest.sh, which /init runs. No kernel modules and no kernel config file (/boot/config-*):
# the guest has only what the kernel has built in.
#
# The layout is Debian's merged /usr (/lib -> usr/lib, ...), and libraries keep their paths, so
# a uprobe on /usr/lib/x86_64-linux-gnu/libssl.so.3 in the guest is the libssl its programs
# load, as on the host.
set -euo pipefail

out=${1:?usage: mkinitramfs.sh OUT SCRIPT [BINARY...]}
script=${2:?usage: mkinitramfs.sh OUT SCRIPT [BINARY...]}
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}

if [[ "$(ldd "$busybox" 2>&1 || true)" != *"not a dynamic executable"* ]]; then
	echo "mkinitramfs: $busybox is not a static busybox (apt-get install busybox-static)" >&2
	exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/usr/{bin,sbin,lib/x86_64-linux-gnu,lib64,lib/ssl} \
	"$root"/{dev,proc,sys,tmp,run,etc/ssl,root}
for d in bin sbin lib lib64; do
	ln -s usr/$d "$root/$d"
done

# Copies FILE to the same path in the initramfs, following symlinks in its directory
# (/lib/x86_64-linux-gnu/libc.so.6 lands in /usr/lib/x86_64-linux-gnu/libc.so.6).
copy_file() {
	local dest
	dest=$root$(realpath "$(dirname "$1")")/$(basename "$1")
	mkdir -p "$(dirname "$dest")"
	[ -e "$dest" ] || cp -L "$1" "$dest"
}

cp "$busybox" "$root/usr/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	applet=${applet#/}
	case "$applet" in
	bin/* | sbin/*) applet=usr/$applet ;;
	esac
	[ -e "$root/$applet" ] || ln -s /usr/bin/busybox "$root/$applet"
done

for bin in "$@"; do
	rm -f "$root/usr/bin/$(basename "$bin")" # a busybox applet of the same name
	cp -L "$bin" "$root/usr/bin/$(basename "$bin")"
	ldd "$bin" | awk '/=> \// {print $3} /^\t\// {print $1}' | while read -r lib; do
		copy_file "$lib"
	done
done

cp /usr/lib/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
cp "$here/init" "$root/init"
cp "$script" "$root/guest.sh"
chmod 755 "$root/init" "$root/guest.sh"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
