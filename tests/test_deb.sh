#!/usr/bin/env bash
# The Debian package, end to end (docs/operations.md):
#   deb_package  `make deb` (dpkg-buildpackage from debian/) leaves this tree as git saw it;
#                the .deb holds the binary, the man pages, the docs, the unit and its settings
#                as a conffile, and depends on the libraries the binary needs
#   deb_install  dpkg -i installs it here: the binary runs, `man siptrail-live` renders
#   deb_service  the unit as systemd would run it, through a lab call: see below
#   deb_purge    dpkg --purge removes it, and what the service wrote, leaving nothing
# This machine has no systemd as PID 1, so nothing can start the unit. deb_service checks it
# with `systemd-analyze verify`, then runs its ExecStart with /etc/default/siptrail's
# variables (edited as an operator would: the lab's ports, a metrics directory of the test's)
# the way the unit asks: LogsDirectory made 0700, UMask, CapabilityBoundingSet,
# NoNewPrivileges, stopped by SIGTERM as `systemctl stop` does. It runs as the tracer in the
# lab's sbc namespace while a lab call loses its BYE (b-leaf-only-bye-lost), and the call
# must be in the service's journal /var/log/siptrail/siptrail.jsonl (0600), its diagnosis in
# the metrics file and on the service's output. Not applied here (systemd's own sandbox):
# ProtectSystem, ProtectHome, PrivateTmp, ProtectKernelModules, ProtectControlGroups,
# RestrictAddressFamilies, LockPersonality, RestrictRealtime, Restart; the test says so.
# SIPTRAIL_DEB=FILE tests that package instead of building one. Needs root, BPF and the lab:
# run it under the shared lock (flock /tmp/siptrail-live.lock). Prints cmocka's counting
# lines for tests/run.sh.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-build}
[ "${build:0:1}" = / ] || build=$top/$build
unit=/lib/systemd/system/siptrail.service
service_log_dir=/var/log/siptrail
lab_case=b-leaf-only-bye-lost
work=$(mktemp -d /tmp/siptrail-deb-XXXXXX)
installed=no
# shellcheck source=tests/lib/shell_cases.sh
. "$top/tests/lib/shell_cases.sh"

cleanup() {
	# the service runs in a session of its own: ended here if the test was cut short
	[ -f "$work/service.pid" ] && kill -KILL "$(cat "$work/service.pid")" 2>/dev/null
	[ "$installed" = yes ] && dpkg --purge siptrail >/dev/null 2>&1
	[ "$installed" = yes ] && rm -rf "$service_log_dir"
	if [ ${#cases_failed[@]} -gt 0 ]; then echo "kept for a look: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

deb_package() {
	local path lib
	if [ -z "${SIPTRAIL_DEB:-}" ]; then
		git -C "$top" status --porcelain >"$work/status.before"
		deb=$(make -s -C "$top" BUILD="$build" deb 2>"$work/make.err" | tail -n 1)
		git -C "$top" status --porcelain | diff "$work/status.before" - >"$work/status.diff" ||
			echo "!! make deb changed the tree as git sees it: $(cat "$work/status.diff")"
	else
		deb=$SIPTRAIL_DEB
	fi
	if [ ! -f "$deb" ]; then
		echo "!! make deb made no package: $(tail -n 5 "$work/make.err")"
		return
	fi
	echo "package: $deb"
	dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
	for path in ./usr/bin/siptrail .$unit ./etc/default/siptrail \
		./usr/share/man/man1/siptrail.1.gz ./usr/share/man/man1/siptrail-live.1.gz \
		./usr/share/doc/siptrail/README.md ./usr/share/doc/siptrail/operations.md \
		./usr/share/doc/siptrail/live.md ./usr/share/doc/siptrail/copyright; do
		grep -qx "$path" "$work/contents" || echo "!! $deb lacks $path"
	done
	[ "$(dpkg-deb -f "$deb" Package)" = siptrail ] || echo "!! Package is not siptrail"
	for lib in libbpf1 libssl3 libjansson4 libpcap0.8 libcap2; do
		dpkg-deb -f "$deb" Depends | grep -qw "$lib" || echo "!! Depends lacks $lib"
	done
	dpkg-deb -e "$deb" "$work/control"
	grep -qx /etc/default/siptrail "$work/control/conffiles" ||
		echo "!! /etc/default/siptrail is no conffile"
}

deb_install() {
	local version
	if dpkg-query -W -f='${Status}' siptrail 2>/dev/null | grep -q installed; then
		echo "!! a siptrail package is installed here already: not replacing it"
		return
	fi
	if ! dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
		echo "!! dpkg -i $deb: $(tail -n 5 "$work/dpkg.log")"
		dpkg --purge siptrail >/dev/null 2>&1
		return
	fi
	installed=yes
	version=$(dpkg-deb -f "$deb" Version)
	# the binary's own version is debian/changelog's, before a snapshot's +git suffix
	[ "$(/usr/bin/siptrail --version)" = "siptrail ${version%%+*}" ] ||
		echo "!! /usr/bin/siptrail --version says '$(/usr/bin/siptrail --version)', the package $version"
	LANG=C MANWIDTH=80 man siptrail-live 2>"$work/man.err" | grep -q -- '--metrics-dir' ||
		echo "!! man siptrail-live does not show the page: $(cat "$work/man.err")"
	[ -s "$work/man.err" ] && echo "!! man siptrail-live: $(cat "$work/man.err")"
	dpkg-query -W -f='${Conffiles}\n' siptrail | grep -q '/etc/default/siptrail' ||
		echo "!! dpkg does not hold /etc/default/siptrail as a conffile"
}

# unit_setting KEY: the unit's value for KEY, its continuation lines joined.
unit_setting() {
	awk -v key="$1" '
		joining { line = line " " $0 }
		!joining && index($0, key "=") == 1 { line = substr($0, length(key) + 2); joining = 1 }
		joining && !/\\$/ { print line; exit }
		joining { sub(/\\$/, "", line) }' "$unit" | tr -s ' \t' ' '
}

# write_service_runner: $work/service.sh, the unit's ExecStart run as systemd would. It runs
# the service in a session of its own and turns the SIGINT the lab stops its tracer with into
# SIGTERM (KillSignal's default), writing the exit status to $work/service.rc.
write_service_runner() {
	local caps
	caps=$(unit_setting CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
	cat >"$work/service.sh" <<EOF
#!/bin/bash
set -a
. $(unit_setting EnvironmentFile | sed 's/^-//')
set +a
install -d -m 0700 $service_log_dir
umask $(unit_setting UMask)
setsid setpriv --no-new-privs --bounding-set=-all,$caps -- $(unit_setting ExecStart) &
service=\$!
echo \$service >$work/service.pid
trap 'kill -TERM \$service' INT TERM
# a signal ends the wait early: wait again until the service has ended
while wait \$service; rc=\$?; kill -0 \$service 2>/dev/null; do :; done
echo \$rc >$work/service.rc
rm $work/service.pid
EOF
	chmod 0755 "$work/service.sh"
}

deb_service() {
	local pid1 journal metrics_line call_id
	[ "$installed" = yes ] || { echo "!! not installed"; return; }
	systemd-analyze verify "$unit" >"$work/verify" 2>&1 ||
		echo "!! systemd-analyze verify $unit: $(cat "$work/verify")"
	[ -s "$work/verify" ] && echo "!! systemd-analyze: $(cat "$work/verify")"
	pid1=$(ps -p 1 -o comm=)
	echo "no systemd as PID 1 here (PID 1 is $pid1): the unit's ExecStart runs with its" \
		"EnvironmentFile, LogsDirectory, UMask, CapabilityBoundingSet and NoNewPrivileges;" \
		"its ProtectSystem, ProtectHome, PrivateTmp, ProtectKernelModules," \
		"ProtectControlGroups, RestrictAddressFamilies, LockPersonality, RestrictRealtime" \
		"and Restart are not applied"
	# what an operator edits: the lab's ports (5062 takes its reverse connections), metrics
	mkdir -p "$work/metrics"
	sed -i -e 's/^SIPTRAIL_PORTS=.*/SIPTRAIL_PORTS=5060-5062/' \
		-e "s|^SIPTRAIL_METRICS_DIR=.*|SIPTRAIL_METRICS_DIR=$work/metrics|" /etc/default/siptrail
	write_service_runner
	# the lab case's options, its PKI made afresh; its tracer is the service
	LAB_TRACE_CMD="exec $work/service.sh" LAB_TRACE_READY='Ctrl-C to stop' LAB_CASE=$lab_case \
		"$top/tools/lab/scenario" --id 97 --out "$work/lab" \
		$(awk -F'|' -v c="$lab_case" '$1 ~ "^" c " *$" {print $2}' "$top/tools/lab/cases") \
		>"$work/lab.log" 2>&1 || echo "!! the lab call failed: $(tail -n 3 "$work/lab.log")"
	grep -q '^call=failed' "$work/lab/outcome" 2>/dev/null ||
		echo "!! the lab's $lab_case call did not fail as it should: $work/lab/outcome"
	[ "$(cat "$work/service.rc" 2>/dev/null)" = 0 ] ||
		echo "!! the service did not exit 0 on SIGTERM: $(cat "$work/service.rc" 2>/dev/null);" \
			"its output: $(tail -n 5 "$work/lab/trace.log")"
	journal=$service_log_dir/siptrail.jsonl
	[ "$(stat -c %a "$service_log_dir" 2>/dev/null)" = 700 ] || echo "!! $service_log_dir is not 0700"
	[ "$(stat -c %a "$journal" 2>/dev/null)" = 600 ] || echo "!! $journal is missing or not 0600"
	/usr/bin/siptrail explain "$journal" >"$work/explain.txt" 2>&1
	grep -q "BYE_FAILED" "$work/explain.txt" ||
		echo "!! explain on the service's journal finds no BYE_FAILED: $(head -n 3 "$work/explain.txt")"
	call_id=$(sed -n 's/^call \([^ ]*\) .*/\1/p' "$work/explain.txt" | head -n 1)
	grep -qF "DIAG  call $call_id " "$work/lab/trace.log" ||
		echo "!! the service's output (journald's, under systemd) has no diagnosis of call $call_id"
	metrics_line=$(grep '^siptrail_diagnoses_total{diagnosis="BYE_FAILED"' "$work/metrics/siptrail.prom")
	[ "${metrics_line##* }" = 1 ] ||
		echo "!! $work/metrics/siptrail.prom does not count 1 BYE_FAILED: ${metrics_line:-no line}"
	echo "call $call_id in $journal; metrics: $metrics_line"
}

deb_purge() {
	[ "$installed" = yes ] || { echo "!! not installed"; return; }
	dpkg --purge siptrail >"$work/purge.log" 2>&1 || echo "!! dpkg --purge: $(tail -n 3 "$work/purge.log")"
	# the journal is the service's (LogsDirectory), not the package's: a purge leaves it
	rm -rf "$service_log_dir"
	installed=no
	for path in /usr/bin/siptrail "$unit" /etc/default/siptrail /usr/share/doc/siptrail \
		/usr/share/man/man1/siptrail.1.gz; do
		[ -e "$path" ] && echo "!! $path is left after dpkg --purge"
	done
	dpkg-query -W siptrail >/dev/null 2>&1 && echo "!! dpkg still knows siptrail"
}

cases_start 4
if [ "$(id -u)" -ne 0 ]; then
	echo "*** SKIPPING PACKAGE TESTS: not running as root (dpkg -i, eBPF, the lab) ***"
	echo "[  SKIPPED ] 4 test(s), listed below:"
	[ "${SIPTRAIL_REQUIRE_LIVE:-0}" = 1 ] && exit 1
	exit 0
fi
deb=""
case_run deb_package deb_package
case_run deb_install deb_install
case_run deb_service deb_service
case_run deb_purge deb_purge
cases_end
