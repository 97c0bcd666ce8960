#!/usr/bin/env bash
# The Debian package, end to end (docs/operations.md):
#   deb_package  `make deb` (dpkg-buildpackage from debian/) leaves this tree as git saw it;
#                the .deb holds the binary, the man pages, the docs, the unit and its settings
#                as a conffile, and depends on the libraries the binary needs
#   deb_install  a real systemd is booted (tests/lib/systemd_ns.sh: this machine's PID 1 is
#                not systemd), dpkg -i installs the package here with that systemd running:
#                the unit is installed disabled and not started (it must be configured
#                first); the binary runs, `man siptrail-live` renders
#   deb_service  /etc/default/siptrail edited as an operator would (the lab's ports), then
#                the lab's tracer is the unit: `systemctl start siptrail` in the lab's sbc
#                namespace while a lab call loses its BYE (b-leaf-only-bye-lost),
#                `systemctl stop` after it. The unit must have exited 0 on SIGTERM, the call
#                must be in its journal /var/log/siptrail/siptrail.jsonl (0600), its
#                diagnosis in `journalctl -u siptrail` and in the metrics file in
#                node_exporter's directory (the test's own directory mounted there)
#   deb_purge    dpkg --purge removes it, and what the service wrote, leaving nothing
# SIPTRAIL_DEB=FILE tests that package instead of building one. Needs root, BPF and the lab:
# run it under the shared lock (flock /tmp/siptrail-live.lock). Prints cmocka's counting
# lines for tests/run.sh.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-build}
[ "${build:0:1}" = / ] || build=$top/$build
unit=/lib/systemd/system/siptrail.service
service_log_dir=/var/log/siptrail
metrics_dir=/var/lib/prometheus/node-exporter
lab_case=b-leaf-only-bye-lost
work=$(mktemp -d /tmp/siptrail-deb-XXXXXX)
installed=no
# shellcheck source=tests/lib/shell_cases.sh
. "$top/tests/lib/shell_cases.sh"
# shellcheck source=tests/lib/lab_case.sh
. "$top/tests/lib/lab_case.sh"
# shellcheck source=tests/lib/systemd_ns.sh
. "$top/tests/lib/systemd_ns.sh"

cleanup() {
	# systemd and the service end with their PID namespace
	systemd_ns_halt
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
	systemd_ns_boot || return
	echo "systemd $(systemd_ns systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')" \
		"booted as PID 1 of the test's namespaces:" \
		"$(systemd_ns systemd-analyze time 2>/dev/null | sed -n '1s/^Startup finished in //p')"
	if ! systemd_ns dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
		echo "!! dpkg -i $deb: $(tail -n 5 "$work/dpkg.log")"
		dpkg --purge siptrail >/dev/null 2>&1
		return
	fi
	installed=yes
	[ "$(systemd_ns systemctl is-enabled siptrail)" = disabled ] ||
		echo "!! dpkg -i enabled the unit: $(systemd_ns systemctl is-enabled siptrail 2>&1)"
	[ "$(systemd_ns systemctl is-active siptrail)" = inactive ] ||
		echo "!! dpkg -i started the unit before it is configured:" \
			"$(systemd_ns systemctl is-active siptrail 2>&1)"
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

# write_service_runner: $work/service.sh, the lab's tracer, run in the sbc's network
# namespace: the unit, joining that namespace (a runtime drop-in, gone with the test's /run),
# started by `systemctl start`, its journal polled until the lab stops the tracer with
# SIGINT, then `systemctl stop` (SIGTERM to siptrail); the service's sandbox as /proc shows
# it goes to the lab's service.status.
write_service_runner() {
	cat >"$work/service.sh" <<'EOF2'
#!/bin/bash
mkdir -p /run/systemd/system/siptrail.service.d
printf '[Service]\nNetworkNamespacePath=/proc/%s/ns/net\n' $$ \
	>/run/systemd/system/siptrail.service.d/lab-netns.conf
# each step timed in the lab's trace.log, which the test prints when the lab gives up
step() { echo "service.sh: $(date +%T.%3N) $*"; }
step "systemctl daemon-reload"
systemctl daemon-reload || step "systemctl daemon-reload failed"
step "systemctl start siptrail"
systemctl start siptrail || { step "systemctl start failed"; exit 1; }
step "started; polling the unit's journal"
# the unit's lines, polled from a cursor until the lab stops the tracer
while :; do
	journalctl -u siptrail -o cat --cursor-file="$LAB_OUT/journal.cursor"
	sleep 0.2
done &
follower=$!
stop() {
	# the sandbox the unit runs in, as the kernel holds it, before it stops
	grep -E '^(NoNewPrivs|Seccomp|CapEff|CapBnd):' \
		"/proc/$(systemctl show -P MainPID siptrail)/status" >"$LAB_OUT/service.status"
	# systemd logs the main process's exit at debug level when it is 0. Not before: at debug
	# level the unit's child logs before it joins the unit's cgroup, journald caches that
	# PID's cgroup (init.scope) for a while, and siptrail's start lines then miss
	# `journalctl -u siptrail`, which the lab waits on (CI, 2026-12-06)
	systemd-analyze log-level debug
	systemctl stop siptrail
	kill $follower
	exit
}
trap stop INT TERM
wait $follower
EOF2
	chmod 0755 "$work/service.sh"
}

deb_service() {
	local journal metrics_line call_id verdict expected
	[ "$installed" = yes ] || { echo "!! not installed"; return; }
	systemd-analyze verify "$unit" >"$work/verify" 2>&1 ||
		echo "!! systemd-analyze verify $unit: $(cat "$work/verify")"
	[ -s "$work/verify" ] && echo "!! systemd-analyze: $(cat "$work/verify")"
	# what an operator edits: the lab's ports (5062 takes its reverse connections); the
	# metrics go to node_exporter's directory, here one of the test's in its place
	sed -i 's/^SIPTRAIL_PORTS=.*/SIPTRAIL_PORTS=5060-5062/' /etc/default/siptrail
	mkdir -p "$work/metrics"
	systemd_ns mount --bind "$work/metrics" "$metrics_dir" ||
		echo "!! cannot put $work/metrics in place of $metrics_dir"
	write_service_runner
	# the lab case's options, its PKI made afresh; its tracer is the unit. The lab runs in
	# systemd's PID namespace, as the SIP server and siptrail share one PID 1 on a real host.
	# shellcheck disable=SC2046 # the case's options, one word each
	systemd_ns_lab env LAB_TRACE_CMD="exec $work/service.sh" LAB_TRACE_READY='Ctrl-C to stop' \
		LAB_CASE=$lab_case "$top/tools/lab/scenario" --id 97 --out "$work/lab" \
		$(lab_case_field "$lab_case" 2) \
		>"$work/lab.log" 2>&1 || echo "!! the lab call failed: $(tail -n 3 "$work/lab.log")" \
		"the tracer's log: $(grep -v 'Failed to parse system call' "$work/lab/trace.log" | tail -n 8)"
	grep -q '^call=failed' "$work/lab/outcome" 2>/dev/null ||
		echo "!! the lab's $lab_case call did not fail as it should: $work/lab/outcome"
	systemd_ns journalctl -u siptrail -o cat >"$work/unit-journal.txt" 2>&1
	grep -qx 'siptrail.service: Main process exited, code=exited, status=0/SUCCESS (success)' \
		"$work/unit-journal.txt" && grep -qx 'siptrail.service: Deactivated successfully.' \
		"$work/unit-journal.txt" ||
		echo "!! the unit did not exit 0 on systemctl stop: $(tail -n 5 "$work/unit-journal.txt")"
	journal=$service_log_dir/siptrail.jsonl
	[ "$(stat -c %a "$service_log_dir" 2>/dev/null)" = 700 ] || echo "!! $service_log_dir is not 0700"
	[ "$(stat -c %a "$journal" 2>/dev/null)" = 600 ] || echo "!! $journal is missing or not 0600"
	/usr/bin/siptrail explain "$journal" >"$work/explain.txt" 2>&1
	grep -q "BYE_FAILED" "$work/explain.txt" ||
		echo "!! explain on the service's journal finds no BYE_FAILED: $(head -n 3 "$work/explain.txt")"
	# the case's whole verdict: the TLS cause chain read by the unit's libssl probes too
	verdict=$(/usr/bin/siptrail explain --json "$journal" 2>/dev/null |
		sed -n 's/^{"id":"\([A-Z_]*\)".*"severity":"failure".*/\1/p' | sort -u | paste -sd,)
	expected=$(lab_case_field "$lab_case" 3 |
		grep -o 'verdict=[^ ]*')
	[ "verdict=$verdict" = "$expected" ] ||
		echo "!! the service's journal gives verdict=$verdict, the lab case $expected"
	# siptrail's own lines (the manager's debug lines on the unit have their own identifier)
	systemd_ns journalctl -t siptrail -o cat >"$work/unit-output.txt" 2>&1
	grep -i 'not permitted' "$work/unit-output.txt" | sed 's/^/!! siptrail in the unit: /'
	# after the start: no capability left, no new privileges, the system call filter on
	grep -qx 'CapEff:	0000000000000000' "$work/lab/service.status" &&
		grep -qx 'NoNewPrivs:	1' "$work/lab/service.status" &&
		grep -qx 'Seccomp:	2' "$work/lab/service.status" ||
		echo "!! the running unit's sandbox: $(paste -sd' ' "$work/lab/service.status")"
	call_id=$(sed -n 's/^call \([^ ]*\) .*/\1/p' "$work/explain.txt" | head -n 1)
	grep -qF "DIAG  call $call_id " "$work/unit-journal.txt" ||
		echo "!! journalctl -u siptrail has no diagnosis of call $call_id:" \
			"$(tail -n 5 "$work/unit-journal.txt")"
	metrics_line=$(grep '^siptrail_diagnoses_total{diagnosis="BYE_FAILED"' "$work/metrics/siptrail.prom")
	[ "${metrics_line##* }" = 1 ] ||
		echo "!! $metrics_dir/siptrail.prom does not count 1 BYE_FAILED: ${metrics_line:-no line}"
	echo "call $call_id in $journal ($verdict) and in journalctl -u siptrail; metrics:" \
		"$metrics_line; the running unit: $(paste -sd' ' "$work/lab/service.status")"
}

deb_purge() {
	[ "$installed" = yes ] || { echo "!! not installed"; return; }
	systemd_ns dpkg --purge siptrail >"$work/purge.log" 2>&1 ||
		echo "!! dpkg --purge: $(tail -n 3 "$work/purge.log")"
	systemd_ns_halt
	# the journal is the service's (LogsDirectory), not the package's: a purge leaves it
	rm -rf "$service_log_dir"
	installed=no
	for path in /usr/bin/siptrail "$unit" /etc/default/siptrail /usr/share/doc/siptrail \
		/usr/share/man/man1/siptrail.1.gz /etc/systemd/system/multi-user.target.wants/siptrail.service; do
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
