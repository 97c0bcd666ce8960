#!/usr/bin/env bash
# `make deb`: the package holds the binary (which runs), the docs, the systemd unit (which
# systemd-analyze accepts) and its settings as a conffile, and names the libraries it needs.
# Prints cmocka's counting lines for tests/run.sh.
set -u

BUILD=${BUILD:-build}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/siptrail-deb-XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
fail() {
	echo "!! $*"
	failed=1
}

echo "[==========] Running 1 test(s)."
echo "[ RUN      ] deb_package"
deb=$(make -s -C "$top" BUILD="$BUILD" deb 2>"$work/make.err" | tail -n 1)
[ -f "$top/$deb" ] && deb="$top/$deb"
if [ ! -f "$deb" ]; then
	fail "make deb made no package: $(tail -n 5 "$work/make.err")"
else
	dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
	for path in ./usr/bin/siptrail ./lib/systemd/system/siptrail.service ./etc/default/siptrail \
		./usr/share/doc/siptrail/README.md ./usr/share/doc/siptrail/operations.md \
		./usr/share/doc/siptrail/hep.md ./usr/share/doc/siptrail/metrics.md; do
		grep -qx "$path" "$work/contents" || fail "$deb lacks $path"
	done
	[ "$(dpkg-deb -f "$deb" Package)" = siptrail ] || fail "Package is not siptrail"
	for lib in libbpf1 libssl3 libjansson4 libpcap0.8; do
		dpkg-deb -f "$deb" Depends | grep -qw "$lib" || fail "Depends lacks $lib"
	done
	dpkg-deb -e "$deb" "$work/control"
	grep -qx /etc/default/siptrail "$work/control/conffiles" || fail "/etc/default/siptrail is no conffile"
	dpkg-deb -x "$deb" "$work/root"
	"$work/root/usr/bin/siptrail" --help >/dev/null || fail "the packaged binary does not run"
	# systemd's own check of the unit; only the binary, not installed here, may be missing
	systemd-analyze verify "$work/root/lib/systemd/system/siptrail.service" 2>&1 |
		grep -v "/usr/bin/siptrail is not executable" >"$work/verify"
	[ -s "$work/verify" ] && fail "systemd-analyze: $(cat "$work/verify")"
	grep -q -- "--rotate \${SIPTRAIL_ROTATE}" "$work/root/lib/systemd/system/siptrail.service" ||
		fail "the unit does not rotate the journal"
	grep -q -- "--metrics-dir \${SIPTRAIL_METRICS_DIR}" "$work/root/lib/systemd/system/siptrail.service" ||
		fail "the unit writes no metrics"
fi
if [ "$failed" -ne 0 ]; then
	echo "[  FAILED  ] deb_package"
	echo "[  FAILED  ] 1 test(s), listed below:"
	exit 1
fi
echo "[       OK ] deb_package"
echo "[  PASSED  ] 1 test(s)."
