#!/usr/bin/env bash
# tests/kernels/run-kernel-tests.sh [SERIES...]: siptrail live on other kernels. For each
# kernel series (default: KERNELS, or 6.1 6.12) it boots the newest Debian 12 cloud kernel of
# that series in a QEMU guest (tools/kernels/), runs tests/kernels/guest.sh there with the
# siptrail binary built on this host (CO-RE: the same binary on every kernel), and asserts
# what the guest recorded. Prints cmocka-like lines and the counts in cmocka's words, so
# tests/run.sh adds them to its total.
#
# Needs root (kernel packages through apt) and qemu-system-x86_64, busybox-static, cpio and
# jq (`make deps`); skips loudly without them, unless SIPTRAIL_REQUIRE_LIVE=1, which makes that
# a failure. SIPTRAIL: the binary (default $BUILD/siptrail); SIPTRAIL_PKI: the tests' PKI maker
# (default $BUILD/tools/pki); KERNEL_TIMEOUT_S: the limit for one guest (120). Logs:
# $BUILD/kernels/logs/SERIES/ (console.log, results.log, live.json, ...).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-build}
siptrail=${SIPTRAIL:-$build/siptrail}
pki=${SIPTRAIL_PKI:-$build/tools/pki}
timeout_s=${KERNEL_TIMEOUT_S:-120}
kernels_dir=$build/kernels
series_list=("$@")
[ ${#series_list[@]} -gt 0 ] || read -r -a series_list <<<"${KERNELS:-6.1 6.12}"

# What each kernel lacks, as siptrail says it: one extended regexp per expected line of
# "siptrail live: without ..." on its stderr. Every notice printed must match one of these,
# and each of these must match a notice.
notice_prefix='siptrail live: without '
declare -A expected_notices=(
	[6.1]='tracepoint sock_send_length: no close_notify timing
the sock_send_length tracepoint .*: SSL objects are tied to their connections through the socket system calls'
	[6.12]=''
)
# Tests of a feature a kernel's notices say is lost: reported as skipped there, with the reason.
declare -A lost_tests=(
	[6.1]='tls-idle: no close_notify timing without sock_send_length/sock_recv_length'
)

skip_all() {
	echo "*** SKIPPING KERNEL TESTS: $1 ***"
	echo "[  SKIPPED ] 1 test(s), listed below:"
	echo "[  SKIPPED ] kernel-matrix"
	[ "${SIPTRAIL_REQUIRE_LIVE:-0}" = 1 ] && exit 1
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip_all "not running as root (kernel packages through apt, eBPF)"
for tool in qemu-system-x86_64 cpio jq; do
	command -v "$tool" >/dev/null || skip_all "no $tool (make deps)"
done
[ -x /bin/busybox ] || skip_all "no /bin/busybox (make deps: busybox-static)"
[ -x "$siptrail" ] || skip_all "no $siptrail (make)"
[ -x "$pki" ] || skip_all "no $pki (make)"

passed=0 failed=0 skipped=0
failed_names=()
current=''

run_test() { # NAME FUNCTION: runs FUNCTION, prints its output and the verdict
	local name=kernel-$current.$1 out rc lost
	echo "[ RUN      ] $name"
	lost=$(echo "${lost_tests[$current]-}" | sed -n "s/^$1: //p")
	if [ -n "$lost" ]; then
		out="lost on this kernel: $lost"
		rc=77
	else
		out=$("$2" 2>&1)
		rc=$?
	fi
	[ -n "$out" ] && echo "$out" | sed 's/^/    /'
	case $rc in
	0)
		echo "[       OK ] $name"
		passed=$((passed + 1))
		;;
	77)
		echo "[  SKIPPED ] $name"
		skipped=$((skipped + 1))
		;;
	*)
		echo "[  FAILED  ] $name"
		failed=$((failed + 1))
		failed_names+=("$name")
		;;
	esac
}

# --- the guest's record: sections between "===== BEGIN NAME" and "===== END NAME rc=N" ---

split_sections() { # RESULTS DIR
	rm -rf "$2"
	mkdir -p "$2"
	tr -d '\r' <"$1" | awk -v dir="$2" '
		/^===== BEGIN / { name = $3; file = dir "/" name; printf "" > file; next }
		/^===== END / { sub(/^rc=/, "", $4); print $4 > (dir "/" $3 ".rc"); close(file); file = ""; next }
		file != "" { print > file }'
}

section() { cat "$sections/$1" 2>/dev/null; }
section_rc() { cat "$sections/$1.rc" 2>/dev/null || echo missing; }

# jq over the guest's JSON lines, slurped; exit status 0 when FILTER yields true.
json_true() { jq -e -s "$jq_lib $1" "$sections/live-json" >/dev/null 2>&1; }

jq_lib='
def ends(f): [.[] | select(.event == "conn_end") | select(f)];
def of(c; name): [.[] | select(.conn == c and .event == name)];
def brief: {event, conn, laddr, lport, raddr, rport, direction, role, dir, transport, ok,
	closed_by, how, idle_ns, bytes_sent, bytes_received} | with_entries(select(.value != null));
'

show_events() { # jq selection of the events to print, e.g. 'select(.lport == 5060)'
	echo "events:"
	jq -c -s "$jq_lib .[] | $1 | brief" "$sections/live-json" 2>/dev/null | sed 's/^/  /'
}

# A connection on port 5060 (the socket picked by PICK, a jq condition on its conn_end) was
# opened in DIRECTION, closed first by CLOSED_BY with a FIN after >= 1 s idle, and ended.
check_conn() { # WHAT PICK DIRECTION CLOSED_BY
	json_true "ends($2) | length == 1" || {
		echo "$1: no single conn_end where $2"
		return 1
	}
	json_true "ends($2)[0].conn as \$c | of(\$c; \"conn_open\") | length == 1 and
		.[0].direction == \"$3\"" || {
		echo "$1: no conn_open with direction $3"
		return 1
	}
	json_true "ends($2)[0].conn as \$c | of(\$c; \"conn_close\") | length == 1 and
		.[0].closed_by == \"$4\" and .[0].how == \"fin\" and .[0].idle_ns >= 1000000000" || {
		echo "$1: no conn_close with closed_by $4, how fin, idle_ns >= 1 s"
		return 1
	}
	json_true "ends($2)[0] | .closed_by == \"$4\" and .how == \"fin\" and
		.direction == \"$3\"" || {
		echo "$1: conn_end is not direction $3, closed_by $4, how fin"
		return 1
	}
}

# --- the tests, on the sections of one guest ---

test_fetch() {
	cat "$logs/fetch.log"
	return 1
}

test_guest() {
	if [ "$guest_rc" = 124 ]; then
		echo "the guest did not finish in $timeout_s s: killed"
	elif ! grep -q '^===== done' "$logs/results.log"; then
		echo "the guest ended (qemu status $guest_rc) before its tests did"
	else
		return 0
	fi
	echo "console, last lines:"
	tail -n 40 "$logs/console.log" | sed 's/^/  /'
	echo "results, last lines:"
	tail -n 20 "$logs/results.log" | sed 's/^/  /'
	return 1
}

test_live() {
	local started rc
	started=$(grep -c 'tracing TCP ports' "$sections/live-stderr" 2>/dev/null)
	rc=$(sed -n 's/^===== live-exit rc=//p' "$logs/results.log" | tr -d '\r')
	if [ "${started:-0}" -gt 0 ] && [ "$rc" = 0 ]; then
		grep -o 'live_start_s [0-9.]* [0-9.]*' "$logs/results.log" |
			awk '{printf "started in %.1f s\n", $3 - $2}'
		return 0
	fi
	[ "${started:-0}" -gt 0 ] || echo "siptrail live did not start tracing"
	[ "$rc" = 0 ] || echo "siptrail live exited with status ${rc:-unknown}"
	echo "its stderr:"
	section live-stderr | sed 's/^/  /'
	if [ -s "$sections/live-verbose" ]; then
		echo "siptrail live -v, what libbpf and the verifier refused (all of it in $logs/live-verbose.log):"
		grep -E -i -B12 'libbpf: prog .*(failed|load)|-- END PROG LOAD LOG|invalid|unknown|refused|error' \
			"$sections/live-verbose" | tail -n 60 | sed 's/^/  /'
	fi
	return 1
}

test_sockets() {
	local ok=0
	check_conn "conn-a client (closes first)" '.rport == 5060 and .bytes_sent >= 100' out local || ok=1
	check_conn "conn-a server" '.lport == 5060 and .bytes_received >= 100' in peer || ok=1
	check_conn "conn-b client" '.rport == 5060 and .bytes_sent == 5' out peer || ok=1
	check_conn "conn-b server (closes first)" '.lport == 5060 and .bytes_received == 5' in local || ok=1
	[ $ok = 0 ] || show_events 'select(.lport == 5060 or .rport == 5060)'
	return $ok
}

test_sip_tcp() {
	json_true 'ends(.rport == 5060 and .bytes_sent >= 100)[0].conn as $c |
		[.[] | select(.event == "sip" and .transport == "tcp" and
			(.raw | startswith("OPTIONS sip:kernels@127.0.0.1 SIP/2.0\r\n")) and
			(.conn == $c or .rport == 5060 or .lport == 5060))] | length >= 1' && return 0
	echo "no sip event (transport tcp) with the OPTIONS sent in clear to 5060"
	show_events 'select(.event == "sip")'
	return 1
}

test_tls() {
	local ok=0 side dir role pick
	for side in client server; do
		if [ $side = client ]; then
			pick='.rport == 5061 and .direction == "out"' dir=out
		else
			pick='.lport == 5061 and .direction == "in"' dir=in
		fi
		json_true "ends($pick) | length == 1" || {
			echo "$side: no single conn_end on 5061"
			ok=1
			continue
		}
		json_true "ends($pick)[0].conn as \$c | of(\$c; \"tls_handshake\") |
			length == 1 and .[0].ok == true and .[0].role == \"$side\"" || {
			echo "$side: no ok tls_handshake as $side on the socket's conn"
			ok=1
		}
		json_true "ends($pick)[0].conn as \$c | of(\$c; \"sip\") |
			map(select(.transport == \"tls\" and .dir == \"$dir\" and
				(.raw | startswith(\"OPTIONS sip:kernels@127.0.0.1 SIP/2.0\r\n\")))) |
			length == 1" || {
			echo "$side: no sip event (transport tls, dir $dir) with the OPTIONS on the socket's conn"
			ok=1
		}
	done
	[ $ok = 0 ] || show_events 'select(.lport == 5061 or .rport == 5061 or .event == "tls_handshake" or .transport == "tls")'
	return $ok
}

# An idle TLS connection closed with a close_notify: both sockets' conn_close say how long
# the connection sat idle before the alert, not 0 (journal.md, "Idle time and TLS
# close_notify").
test_tls_idle() {
	local side pick ok=0
	for side in client server; do
		if [ $side = client ]; then
			pick='.rport == 5061 and .direction == "out"'
		else
			pick='.lport == 5061 and .direction == "in"'
		fi
		json_true "ends($pick)[0].conn as \$c | of(\$c; \"conn_close\") | length == 1 and
			.[0].idle_ns >= 1000000000" || {
			echo "$side: no conn_close with idle_ns >= 1 s"
			ok=1
		}
	done
	[ $ok = 0 ] || show_events 'select(.event == "conn_close" and (.lport == 5061 or .rport == 5061))'
	return $ok
}

# siptrail live in a PID namespace of its own (guest.sh pidns_inside): the connection's two
# sockets carry the pids of the namespace (the listener's and the client's), not the host's.
test_pidns() {
	local pids server client
	pids=$(section pidns | sed -n 's/^pidns pids: //p')
	server=$(echo "$pids" | sed -n 's/.*server=\([0-9]*\).*/\1/p')
	client=$(echo "$pids" | sed -n 's/.*client=\([0-9]*\).*/\1/p')
	if [ "$(section_rc pidns)" != 0 ] || ! echo "$pids" | grep -q 'self=1 .*live_rc=0'; then
		echo "siptrail live did not run in the PID namespace (status $(section_rc pidns)):"
		section pidns | tail -n 30 | sed 's/^/  /'
		return 1
	fi
	section pidns | grep '^{' >"$sections/pidns-json"
	jq -e -s "$jq_lib ends(.lport == 5062 and .direction == \"in\") | length == 1 and
		.[0].pid == $server" "$sections/pidns-json" >/dev/null 2>&1 &&
		jq -e -s "$jq_lib ends(.rport == 5062 and .direction == \"out\") | length == 1 and
		.[0].pid == $client" "$sections/pidns-json" >/dev/null 2>&1 && {
		echo "pids of the namespace: server $server, client $client"
		return 0
	}
	echo "the conn_end pids are not the namespace's (server $server, client $client):"
	jq -c -s "$jq_lib .[] | select(.event == \"conn_end\") | {conn, lport, rport, direction, pid, comm}" \
		"$sections/pidns-json" 2>/dev/null | sed 's/^/  /'
	return 1
}

test_notices() {
	local expected=${expected_notices[$current]-} notices pattern line ok=0
	notices=$(section live-stderr | grep -F "$notice_prefix" | sed "s/^$notice_prefix//")
	while IFS= read -r pattern; do
		[ -n "$pattern" ] || continue
		echo "$notices" | grep -q -E -- "$pattern" || {
			echo "missing notice: $notice_prefix/$pattern/"
			ok=1
		}
	done <<<"$expected"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		matched=0
		while IFS= read -r pattern; do
			[ -n "$pattern" ] && echo "$line" | grep -q -E -- "$pattern" && matched=1
		done <<<"$expected"
		if [ $matched = 1 ]; then
			echo "notice: $notice_prefix$line"
		else
			echo "unexpected notice: $notice_prefix$line"
			ok=1
		fi
	done <<<"$notices"
	[ -n "$notices" ] || echo "no notices"
	return $ok
}

# siptrail check says live can run, and lists word for word the notices live printed.
test_check() {
	local rc
	rc=$(section_rc check)
	section check
	[ "$rc" = 0 ] || {
		echo "siptrail check exited with status $rc"
		return 1
	}
	[ "$(section check | grep -F "$notice_prefix")" = \
		"$(section live-stderr | grep -F "$notice_prefix")" ] || {
		echo "siptrail check and siptrail live list different notices"
		return 1
	}
}

# --- one guest per kernel ---

start=$(date +%s)
mkdir -p "$kernels_dir"
initrd=$kernels_dir/initramfs.cpio
if ! "$root/tools/kernels/mkinitramfs.sh" "$initrd" "$root/tests/kernels/guest.sh" \
	"$siptrail" "$pki" "$(command -v openssl)"; then
	echo "[ RUN      ] kernel-matrix.initramfs"
	echo "[  FAILED  ] kernel-matrix.initramfs"
	echo "[  FAILED  ] 1 test(s), listed above."
	exit 1
fi

for current in "${series_list[@]}"; do
	logs=$kernels_dir/logs/$current
	sections=$logs/sections
	rm -rf "$logs"
	mkdir -p "$logs"
	if ! kernel=$("$root/tools/kernels/fetch-kernel.sh" "$current" "$kernels_dir" 2>"$logs/fetch.log"); then
		run_test fetch test_fetch
		continue
	fi
	echo "[----------] kernel-$current: $(basename "$kernel") $(cat "$kernel/version"), uname -r $(cat "$kernel/release")"
	for attempt in 1 2; do
		guest_start=$(date +%s.%N)
		"$root/tools/kernels/boot.sh" "$kernel" "$initrd" "$logs/results.log" \
			"$logs/console.log" "$timeout_s"
		guest_rc=$?
		guest_s=$(echo "$(date +%s.%N) $guest_start" | awk '{printf "%.1f", $1 - $2}')
		# Software emulation now and then crashes a guest kernel on the int3 of its own code
		# patching (a static key or static call changed while the other vCPU runs that code:
		# seen once in about 30 boots, and once while the libssl probe attached its
		# sock_recv_length program; TCG does not keep cross-modified code coherent as CPUs
		# do). The same shows as both vCPUs in a soft lockup (seen once on 6.1 while the TLS
		# case attached its programs; the next boot passed). One more boot tells that from a
		# real failure. Any other crash is booted again only when it came before the tests
		# started.
		if [ $attempt = 1 ] && grep -q -E 'Kernel panic|Oops|BUG: soft lockup' "$logs/console.log" &&
			{ grep -q -E 'Oops: int3|BUG: soft lockup' "$logs/console.log" ||
				! grep -q '^===== BEGIN' "$logs/results.log"; }; then
			echo "[----------] kernel-$current: the guest kernel crashed (emulator), booting it again:"
			grep -m 3 -E 'Kernel panic|Oops|RIP:|soft lockup' "$logs/console.log" | sed 's/^/    /'
			mv "$logs/console.log" "$logs/console-crashed.log"
			continue
		fi
		break
	done
	split_sections "$logs/results.log" "$sections"
	cp "$sections/live-json" "$logs/live.json" 2>/dev/null
	cp "$sections/live-stderr" "$logs/live-stderr.log" 2>/dev/null
	cp "$sections/live-verbose" "$logs/live-verbose.log" 2>/dev/null
	echo "[----------] kernel-$current: guest ran $guest_s s (qemu status $guest_rc), logs in $logs"

	run_test guest test_guest
	grep -q '^===== done' "$logs/results.log" || continue # the rest would only repeat it
	run_test live test_live
	run_test sockets test_sockets
	run_test sip-tcp test_sip_tcp
	run_test tls test_tls
	run_test tls-idle test_tls_idle
	run_test notices test_notices
	run_test pidns test_pidns
	run_test check test_check
done

echo "[==========] kernel matrix: ${series_list[*]}: $passed passed, $failed failed, in $(($(date +%s) - start)) s"
echo "[  PASSED  ] $passed test(s)."
[ "$skipped" -gt 0 ] && echo "[  SKIPPED ] $skipped test(s)."
if [ "$failed" -gt 0 ]; then
	echo "[  FAILED  ] $failed test(s), listed above:"
	printf '[  FAILED  ] %s\n' "${failed_names[@]}"
	exit 1
fi
