#!/usr/bin/env bash
# tools/kernels/fetch-kernel.sh SERIES [CACHE]: the newest Debian 12 cloud kernel of SERIES,
# unpacked into CACHE/PACKAGE/ (default build/kernels) as vmlinuz, config, release (its
# `uname -r`) and version (the package's); prints that directory. SERIES is 6.1 (Debian 12's
# own kernel), 6.12 (bookworm-security's) or a package, e.g. linux-image-6.1.0-57-cloud-amd64.
#
# The newest package is the one the series' metapackage depends on, read from the local apt
# lists (no network). A kernel already unpacked is used as it is, so a second run fetches
# nothing. Else `apt-get download` and `dpkg-deb -x`: nothing is installed, /boot is
# untouched. Without apt lists (offline, fresh machine) the newest kernel of the series
# already in CACHE is used.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh SERIES [CACHE]}
cache=${2:-build/kernels}

case "$series" in
6.1) meta=linux-image-cloud-amd64 pattern='linux-image-6.1.0-*-cloud-amd64' ;;
6.12) meta=linux-image-6.12-cloud-amd64 pattern='linux-image-6.12.*+deb12-cloud-amd64' ;;
linux-image-*) meta='' pattern=$series ;;
*)
	echo "fetch-kernel: unknown series $series (6.1, 6.12 or a linux-image package)" >&2
	exit 2
	;;
esac

resolve() {
	if [ -z "$meta" ]; then
		echo "$series"
		return
	fi
	apt-cache depends "$meta" 2>/dev/null |
		awk '$1 ~ /Depends:$/ && $2 ~ /^linux-image-/ {print $2; exit}'
}

refresh_lists() {
	[ -n "$meta" ] && [ "$(id -u)" -eq 0 ] && apt-get update -qq >/dev/null 2>&1
}

package=$(resolve)
if [ -z "$package" ] && refresh_lists; then
	package=$(resolve)
fi
if [ -z "$package" ]; then
	package=$(cd "$cache" 2>/dev/null && ls -d $pattern 2>/dev/null | sort -V | tail -n 1) || true
	if [ -z "$package" ]; then
		echo "fetch-kernel: cannot resolve $series: apt knows no $meta, $cache has none" >&2
		exit 1
	fi
	echo "fetch-kernel: apt cannot resolve $series; using $package from $cache" >&2
fi

if [ -s "$cache/$package/vmlinuz" ] && [ -s "$cache/$package/release" ]; then
	echo "$cache/$package"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt's download user (_apt) writes here
download() { (cd "$work" && apt-get download -qq "$1" >/dev/null 2>"$work/apt.err"); }
if ! download "$package"; then
	# The lists may name a package the mirror no longer has: refresh them once.
	refresh_lists && package=$(resolve)
	if ! download "$package"; then
		echo "fetch-kernel: apt-get download $package failed:" >&2
		cat "$work/apt.err" >&2
		exit 1
	fi
fi

deb=$(ls "$work"/"$package"_*.deb)
dpkg-deb -x "$deb" "$work/root"
vmlinuz=$(ls "$work"/root/boot/vmlinuz-*)
release=${vmlinuz##*/vmlinuz-}
dir=$cache/$package
mkdir -p "$dir.tmp"
cp "$vmlinuz" "$dir.tmp/vmlinuz"
cp "$work/root/boot/config-$release" "$dir.tmp/config"
echo "$release" >"$dir.tmp/release"
dpkg-deb -f "$deb" Version >"$dir.tmp/version"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
