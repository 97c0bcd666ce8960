#!/usr/bin/env bash
# `make install` and `make install-service` for a source install, into a DESTDIR: the binary,
# man pages and docs under PREFIX; the unit with PREFIX's paths, which systemd-analyze
# accepts; /etc/default/siptrail installed once and then left as the operator edited it.
# Needs no root. Prints cmocka's counting lines for tests/run.sh.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-build}
[ "${build:0:1}" = / ] || build=$top/$build
work=$(mktemp -d /tmp/siptrail-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
prefix=/opt/siptrail
# shellcheck source=tests/lib/shell_cases.sh
. "$top/tests/lib/shell_cases.sh"

install_layout() {
	local path
	make -s -C "$top" BUILD="$build" DESTDIR="$root" PREFIX="$prefix" install-service \
		>"$work/make.log" 2>&1 || echo "!! make install-service: $(tail -n 5 "$work/make.log")"
	for path in bin/siptrail share/man/man1/siptrail.1 share/man/man1/siptrail-live.1 \
		share/doc/siptrail/operations.md lib/systemd/system/siptrail.service; do
		[ -f "$root$prefix/$path" ] || echo "!! make install put no $prefix/$path"
	done
	[ -f "$root/etc/default/siptrail" ] || echo "!! make install-service put no /etc/default/siptrail"
	"$root$prefix/bin/siptrail" --version | grep -q '^siptrail ' || echo "!! the installed binary does not run"
	MANPATH=$root$prefix/share/man LANG=C man siptrail-explain 2>&1 | grep -q -- '--call-id' ||
		echo "!! man does not find siptrail-explain under $prefix/share/man"
}

unit_paths() {
	local unit=$root$prefix/lib/systemd/system/siptrail.service
	grep -q "^ExecStart=$prefix/bin/siptrail live" "$unit" || echo "!! ExecStart is not $prefix/bin/siptrail"
	grep -q "file:$prefix/share/doc/siptrail/live.md" "$unit" || echo "!! Documentation= is not in $prefix"
	grep -q '/usr/bin/siptrail\|/usr/share/doc' "$unit" && echo "!! the unit still names /usr paths"
	# systemd's own check; the binary and the man pages are only in DESTDIR: their paths aside
	systemd-analyze verify --man=no "$unit" 2>&1 | grep -v "$prefix/bin/siptrail is not executable" >"$work/verify"
	[ -s "$work/verify" ] && echo "!! systemd-analyze: $(cat "$work/verify")"
}

settings_kept() {
	echo "SIPTRAIL_PORTS=5070" >"$root/etc/default/siptrail"
	make -s -C "$top" BUILD="$build" DESTDIR="$root" PREFIX="$prefix" install-service \
		>"$work/make.log" 2>&1 || echo "!! make install-service again: $(tail -n 5 "$work/make.log")"
	[ "$(cat "$root/etc/default/siptrail")" = SIPTRAIL_PORTS=5070 ] ||
		echo "!! a second make install-service replaced the edited /etc/default/siptrail"
}

cases_start 3
case_run install_layout install_layout
case_run unit_paths unit_paths
case_run settings_kept settings_kept
cases_end
