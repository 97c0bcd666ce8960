#!/usr/bin/env bash
# bench/bench_trunk_load.sh: what tracing costs a real SIP trunk. The lab's topology
# (tools/lab/scenario --up-only: two namespaces, Kamailio on each side, record-routing, a TLS
# trunk between them, or plain TCP), a SIPp UAC behind the carrier's Kamailio calling a SIPp
# UAS behind the sbc's at a fixed rate (INVITE, 100, 180, 200, ACK, a short hold, the callee's
# BYE, 200), in rounds of fixed length with no tracer, with `siptrail live` (its defaults) and
# with `tcpdump -w` of the same ports (the anchor), each tracer in the sbc namespace as on a
# real SBC. The modes rotate as in bench_live_overhead. CPU per call = the load's CPU (both
# Kamailio and both SIPp, a cgroup's cpu.stat) + the tracer's (its own cgroup) over the round's
# window, which ends 1.2 s after the last call (siptrail's longest poll round + 200 ms). Each
# round starts a fresh lab, so the trunk's one connection (and its handshake) is one siptrail
# sees open. A round with a failed call is reported and left out. Needs root; run it under
# flock /tmp/siptrail-live.lock. See docs/performance.md ("A real trunk:
# bench/bench_trunk_load.sh").
#
# Environment: BENCH_RATE calls/s (50), BENCH_ROUND_S seconds of calls a round (20),
# BENCH_HOLD_S (1), BENCH_TRACERS (siptrail,tcpdump), BENCH_ROUNDS (a multiple of the modes,
# none included; as many as modes by default), BENCH_ONLY=TLS|plain (both), BENCH_PIN=1 (the
# load on CPU 0, the tracer on CPU 1), SIPTRAIL_BIN (build/siptrail), BENCH_LAB_ID (the lab
# instance, 90), BENCH_KEEP=1 (keep the work folder: logs, journals, captures).
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_DIR=$ROOT_DIR/tools/lab
# shellcheck source=tools/lab/netns.sh
. "$LAB_DIR/netns.sh"

die() {
	echo "bench_trunk_load: $*" >&2
	exit 1
}

positive() { [[ $1 =~ ^[1-9][0-9]*$ ]] || die "$2 must be a positive whole number"; }

rate=${BENCH_RATE:-50} round_s=${BENCH_ROUND_S:-20} hold_s=${BENCH_HOLD_S:-1}
positive "$rate" BENCH_RATE
positive "$round_s" BENCH_ROUND_S
positive "$hold_s" BENCH_HOLD_S
calls=$((rate * round_s))
siptrail=${SIPTRAIL_BIN:-$ROOT_DIR/build/siptrail}
[ -x "$siptrail" ] || die "no $siptrail (make, or SIPTRAIL_BIN)"
siptrail=$(cd "$(dirname "$siptrail")" && pwd)/$(basename "$siptrail")
lab_id=${BENCH_LAB_ID:-90}
# siptrail's default ports; the UAS leg's UDP on 5060 and the trunk on 5061
ports=5060-5061

modes=(none)
IFS=, read -ra wanted <<<"${BENCH_TRACERS:-siptrail,tcpdump}"
for mode in "${wanted[@]}"; do
	case $mode in
	siptrail | tcpdump) modes+=("$mode") ;;
	*) die "BENCH_TRACERS: a comma-separated list of siptrail, tcpdump" ;;
	esac
done
rounds=${BENCH_ROUNDS:-${#modes[@]}}
positive "$rounds" BENCH_ROUNDS
[ $((rounds % ${#modes[@]})) -eq 0 ] ||
	die "BENCH_ROUNDS must be a multiple of the number of modes (${#modes[@]}, none included)"

lab_require_root
lab_require_commands ip kamailio sipp tcpdump ss setsid taskset findmnt
cgroup_root=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[ -n "$cgroup_root" ] || die "no cgroup v2 mounted (the load's and the tracer's CPU are read there)"

pin_load=()
[ -n "${BENCH_PIN:-}" ] && pin_load=(taskset -c 0)
lab_names "$lab_id"

work=$(mktemp -d /tmp/bench-trunk.XXXXXX)
cg_load=$cgroup_root/siptrail-bench-load-$$
cg_tracer=$cgroup_root/siptrail-bench-tracer-$$
trace_pid="" uas_pid="" uac_pid=""

# The teardown on every exit: the tracer, both SIPp, the lab instance, the cgroups (empty
# once their processes are gone), the work folder.
cleanup() {
	local rc=$? cg i
	trap - EXIT
	trap '' INT TERM
	set +e
	[ -n "$trace_pid" ] && lab_stop_group "$trace_pid" INT 10
	[ -n "$uac_pid" ] && lab_stop_group "$uac_pid" TERM 2
	[ -n "$uas_pid" ] && lab_stop_group "$uas_pid" TERM 2
	lab_down
	for cg in "$cg_load" "$cg_tracer"; do
		for ((i = 0; i < 50; i++)); do
			[ -d "$cg" ] || break
			rmdir "$cg" 2>/dev/null && break
			sleep 0.1
		done
		[ -d "$cg" ] && echo "bench_trunk_load: could not remove $cg" >&2
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench_trunk_load: logs kept in $work" >&2
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir "$cg_load" "$cg_tracer"
"$LAB_DIR/pki.sh" "$work/pki" >/dev/null || die "making the lab's PKI failed"

# cpu_us CGROUP: the CPU its processes used so far, µs.
cpu_us() { sed -n 's/^usage_usec //p' "$1/cpu.stat"; }

# kamailio_us: the CPU both Kamailio's processes used so far, µs (clock ticks: the split of the
# load between Kamailio and SIPp is only printed).
kamailio_us() {
	local pids
	pids=$( (ip netns pids "$LAB_SBC_NS"; ip netns pids "$LAB_CARRIER_NS") 2>/dev/null |
		sed 's|.*|/proc/&/stat|')
	# shellcheck disable=SC2086
	awk -v tick_us=$((1000000 / $(getconf CLK_TCK))) '/ \(kamailio\) / {
		sub(/.*\) /, ""); ticks += $12 + $13 } END { print ticks * tick_us }' $pids 2>/dev/null
}

# wakeups PID: how often PID's threads have slept and been woken so far (a tracer that wakes
# per message pays a poll round each time).
wakeups() {
	awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }' /proc/"$1"/task/*/status \
		2>/dev/null || echo 0
}

# join CGROUP CPU PID: PID (all its threads, and what it starts from now on) into CGROUP, and
# with BENCH_PIN onto CPU. From outside: `ip netns exec` mounts its own /sys, where no cgroup
# file system is.
join() {
	echo "$3" >"$1/cgroup.procs"
	[ -z "${BENCH_PIN:-}" ] || taskset -a -p -c "$2" "$3" >/dev/null
}

# sipp_start NETNS LOG SCENARIO PORT [UAC options...]: one side's SIPp in the load's cgroup,
# for the round's calls; sets LAB_PID. No message trace: its writes would be load.
sipp_start() {
	local ns=$1 log=$2 scenario=$3 port=$4
	shift 4
	lab_start "$ns" "$log" sipp "$@" -sf "$scenario" -i 127.0.0.1 -p "$port" -t u1 \
		-m "$calls" -nostdin -default_behaviors abortunexp \
		-timeout "$((round_s + hold_s + 30))s" -timeout_error \
		-trace_screen -screen_file "$log.screen" -trace_err -error_file "$log.errors"
	join "$cg_load" 0 "$LAB_PID"
}

# failed_calls LOG: SIPp's count of failed calls from its last screen.
failed_calls() {
	awk '/Failed call/ { n = $NF } END { print n + 0 }' "$1.screen" 2>/dev/null || echo "?"
}

# run_round TRUNK MODE ROUND: one round; appends a line to $work/results:
# ROUND MODE LOAD_US TRACER_US CALLS SIP HANDSHAKES LOST OK.
run_round() {
	local trunk=$1 mode=$2 round=$3 dir=$work/round-$3-$2 cmd ready="" start_load start_tracer
	local uac_rc=0 uas_rc=0 i load_us tracer_us kamailio_start kamailio_cpu woken=0 sip=0
	local handshakes=0 lost=0 ok=yes
	(
		echo "$BASHPID" >"$cg_load/cgroup.procs"
		exec "${pin_load[@]}" "$LAB_DIR/scenario" --up-only --id "$lab_id" --out "$dir" \
			--pki "$work/pki" --hold "$hold_s" --trunk "$trunk" --siptrail none
	) >"$dir.lab.log" 2>&1 || die "the lab did not come up: $dir.lab.log"
	case $mode in
	siptrail)
		cmd="exec '$siptrail' live --json --ports $ports >'$dir/trace.jsonl'"
		ready='Ctrl-C to stop'
		;;
	tcpdump)
		# as a user would keep the trunk's packets: every interface, whole packets, a file
		cmd="exec tcpdump -i any -Z root -w '$dir/trace.pcap' portrange $ports"
		ready='listening on'
		;;
	esac
	if [ -n "$ready" ]; then
		lab_start_trace "$LAB_SBC_NS" "$dir/trace.log" "$cmd"
		trace_pid=$LAB_PID
		join "$cg_tracer" 1 "$trace_pid"
		lab_wait_trace "$dir/trace.log" "$ready" 0 "$trace_pid" ||
			die "$mode did not start: $dir/trace.log"
		sleep 0.5 # its start-up (BPF load and verification) is not overhead
	fi
	sipp_start "$LAB_SBC_NS" "$dir/uas.log" "$dir/sbc/sipp.xml" 5070
	uas_pid=$LAB_PID
	lab_wait_listen "$LAB_SBC_NS" udp 5070 || die "the UAS did not start: $dir/uas.log"
	start_load=$(cpu_us "$cg_load") start_tracer=$(cpu_us "$cg_tracer")
	kamailio_start=$(kamailio_us)
	[ -z "$trace_pid" ] || woken=$(wakeups "$trace_pid")
	sipp_start "$LAB_CARRIER_NS" "$dir/uac.log" "$dir/carrier/sipp.xml" 5080 \
		127.0.0.1:5060 -s callee -r "$rate" -rp 1000
	uac_pid=$LAB_PID
	wait "$uac_pid" || uac_rc=$?
	uac_pid=""
	for ((i = 0; i < 100; i++)); do
		lab_alive "$uas_pid" || break
		sleep 0.1
	done
	lab_stop_group "$uas_pid" TERM 2 || uas_rc=$?
	uas_pid=""
	sleep 1.2
	load_us=$(($(cpu_us "$cg_load") - start_load))
	tracer_us=$(($(cpu_us "$cg_tracer") - start_tracer))
	kamailio_cpu=$(($(kamailio_us) - kamailio_start))
	[ -z "$trace_pid" ] || woken=$(($(wakeups "$trace_pid") - woken))
	if [ -n "$trace_pid" ]; then
		lab_stop_group "$trace_pid" INT 10 || true
		trace_pid=""
	fi
	if [ "$mode" = siptrail ]; then
		sip=$(grep -c '"event":"sip"' "$dir/trace.jsonl" || true)
		handshakes=$(grep -c '"event":"tls_handshake"' "$dir/trace.jsonl" || true)
		lost=$(sed -n 's/^siptrail live: [0-9]* events, \([0-9]*\) lost.*/\1/p' \
			"$dir/trace.log" | tail -1)
	fi
	lab_down
	if [ "$uac_rc" -ne 0 ] || [ "$uas_rc" -ne 0 ]; then
		ok=no
		echo "  ROUND $round $mode DISCARDED: failed calls (UAC $(failed_calls "$dir/uac.log")," \
			"exit $uac_rc; UAS $(failed_calls "$dir/uas.log"), exit $uas_rc); logs in $dir"
		BENCH_KEEP=1
	fi
	awk -v m="$mode" -v r="$round" -v l="$load_us" -v t="$tracer_us" -v c="$calls" \
		-v k="$kamailio_cpu" -v w="$woken" -v s="$sip" -v h="$handshakes" -v lost="${lost:-?}" 'BEGIN {
		printf "  round %d %-8s %7.1f us CPU/call (load %.1f: Kamailio %.0f, SIPp %.0f; tracer %.1f)",
			r, m, (l + t) / c, l / c, k / c, (l - k) / c, t / c
		if (m != "none")
			printf ", %.1f tracer wakeups a call", w / c
		if (m == "siptrail")
			printf "; %d SIP messages, %d handshakes, %s lost, %.2f us a SIP message", s, h,
				lost, s ? t / s : 0
		printf "\n"
	}'
	printf '%s %s %s %s %s %s %s %s %s\n' "$round" "$mode" "$load_us" "$tracer_us" "$calls" \
		"$sip" "$handshakes" "${lost:-?}" "$ok" >>"$work/results"
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir" "$dir.lab.log"
}

# report: the figures of $work/results, per mode and paired by round.
report() {
	awk -v modes="${modes[*]}" '
	function median(a, n,   i, j, t) { # sorts a[1..n]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$9 == "yes" {
		per_call[$2, $1] = ($3 + $4) / $5
		tracer_per_call[$2, $1] = $4 / $5
		if ($2 == "siptrail" && $6 > 0) per_sip[$1] = $4 / $6
		if ($1 > last) last = $1
	}
	$9 == "no" { discarded[$2]++ }
	END {
		n_modes = split(modes, mode, " ")
		for (m = 1; m <= n_modes; m++) {
			n = 0
			for (r = 1; r <= last; r++) if ((mode[m], r) in per_call) v[++n] = per_call[mode[m], r]
			if (n == 0) { printf "  %-9s no round without failed calls\n", mode[m]; continue }
			med = median(v, n)
			printf "  %-9s %7.1f us CPU/call, median of %d rounds (%.1f-%.1f)%s\n", mode[m], med,
				n, v[1], v[n], discarded[mode[m]] ? sprintf(", %d DISCARDED", discarded[mode[m]]) : ""
			if (m == 1)
				printf "  %-9s its rounds against their median: x%.3f to x%.3f\n", "none",
					v[1] / med, v[n] / med
		}
		for (m = 2; m <= n_modes; m++) {
			n = 0
			for (r = 1; r <= last; r++)
				if ((mode[m], r) in per_call && ("none", r) in per_call)
					v[++n] = per_call[mode[m], r] / per_call["none", r]
			if (n == 0) continue
			p = median(v, n)
			printf "  paired: %-9s x%.3f (%+.1f %%; median of %d rounds'"'"' own ratios, x%.3f to x%.3f)\n",
				mode[m], p, (p - 1) * 100, n, v[1], v[n]
			n = 0
			for (r = 1; r <= last; r++)
				if ((mode[m], r) in tracer_per_call) v[++n] = tracer_per_call[mode[m], r]
			printf "          %-9s its own CPU %.1f us a call (median; %.1f-%.1f)\n", "", median(v, n),
				v[1], v[n]
		}
		n = 0
		for (r = 1; r <= last; r++) if (r in per_sip) v[++n] = per_sip[r]
		if (n)
			printf "  siptrail: its own CPU %.2f us a SIP message (median of %d rounds; %.2f-%.2f)\n",
				median(v, n), n, v[1], v[n]
	}' "$work/results"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

for variant in TLS plain; do
	[ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = "$variant" ] || continue
	trunk=tls title="TLS trunk (TLS 1.3 between the two Kamailio)"
	[ "$variant" = plain ] && trunk=tcp title="plain TCP trunk (TCP between the two Kamailio)"
	echo "$title: $rate calls/s for $round_s s a round ($calls calls, hold $hold_s s)," \
		"$rounds rounds of ${modes[*]} rotating${BENCH_PIN:+, load on CPU 0, tracer on CPU 1}"
	echo "  load average before: $(loadavg)"
	: >"$work/results"
	for ((round = 1; round <= rounds; round++)); do
		for ((i = 0; i < ${#modes[@]}; i++)); do
			run_round "$trunk" "${modes[(round - 1 + i) % ${#modes[@]}]}" "$round"
		done
	done
	report
	echo "  load average after: $(loadavg)"
done
