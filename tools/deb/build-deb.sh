#!/usr/bin/env bash
# Builds build/siptrail_VERSION_ARCH.deb with dpkg-deb: the binary, the docs, a systemd unit
# running `siptrail live` with journal rotation and metrics, and its /etc/default settings.
# Usage: tools/deb/build-deb.sh SIPTRAIL_BINARY OUTPUT_DIR. Prints the .deb's path.
set -euo pipefail

binary=$1
out_dir=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
arch=$(dpkg --print-architecture)
# Debian versions start with a digit; a git tree gives the commit date and hash.
version="0.1+git$(git -C "$top" log -1 --format=%cd --date=format:%Y%m%d).$(git -C "$top" rev-parse --short HEAD)"
root="$out_dir/deb-root"

rm -rf "$root"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/doc/siptrail" \
	"$root/lib/systemd/system" "$root/etc/default"
install -m 0755 -s "$binary" "$root/usr/bin/siptrail"
install -m 0644 "$top/README.md" "$top"/docs/*.md "$root/usr/share/doc/siptrail/"
install -m 0644 "$here/siptrail.service" "$root/lib/systemd/system/siptrail.service"
install -m 0644 "$here/default" "$root/etc/default/siptrail"
echo /etc/default/siptrail >"$root/DEBIAN/conffiles"

# Depends: the Debian packages of the shared libraries the binary itself needs (NEEDED).
depends=$(objdump -p "$binary" | awk '$1 == "NEEDED" {print $2}' | while read -r soname; do
	lib=$(ldd "$binary" | awk -v n="$soname" '$1 == n {print $3}')
	dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')

cat >"$root/DEBIAN/control" <<CONTROL
Package: siptrail
Version: $version
Architecture: $arch
Maintainer: siptrail maintainers <siptrail@localhost>
Depends: $depends
Section: net
Priority: optional
Description: explains why SIP calls lose their BYE or die at a session refresh
 siptrail traces the TCP connections, TLS handshakes and SIP dialogs of a SIP host
 (SBC, proxy, PBX) with eBPF, or reads a capture, and names the root cause of failed
 BYEs and session refreshes (idle closes, reverse TLS handshakes, refused connects).
 The siptrail service runs \`siptrail live\` with a rotated journal, metrics for
 node_exporter and optional HEP export to Homer.
CONTROL
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
POSTINST
chmod 0755 "$root/DEBIAN/postinst"
deb="$out_dir/siptrail_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
