#!/usr/bin/env bash
# bench/bench_trunk_load.sh: what tracing costs a real SIP trunk. Two copies of the lab's
# topology run side by side (tools/lab/scenario --up-only, instances a and b: two namespaces
# each, Kamailio on each side, record-routing, a TLS trunk between them, or plain TCP), each
# with a SIPp UAC behind the carrier's Kamailio calling a SIPp UAS behind the sbc's at a fixed
# rate (INVITE, 100, 180, 200, ACK, a short hold, the callee's BYE, 200). In a round both carry
# the same calls at the same time and one of them is traced, in its sbc namespace as on a real
# SBC: by `siptrail live` (its defaults), by `tcpdump -w` of the same ports (the anchor) or by
# nothing (mode none: what the method resolves). The round's figure is the traced copy's CPU
# per call (both Kamailio and both SIPp, a cgroup's cpu.stat, + the tracer's own cgroup) over
# the other's: the two share the machine's moment, which rounds run one after another do not
# (their untraced rounds spread ±15-19 % on this VM). The traced copy alternates from round to
# round, the modes rotate. The window ends 1.2 s after the last call (siptrail's longest poll
# round + 200 ms). Each round starts fresh labs, so the trunk's connection (and its handshake)
# is one siptrail sees open. A round with a failed call is reported and left out. Needs root;
# run it under flock /tmp/siptrail-live.lock. See docs/performance.md ("A real trunk:
# bench/bench_trunk_load.sh").
#
# What the other copy pays for the tracer: siptrail's libssl probe attaches to the host's
# libssl and its send/receive tracepoints run host-wide, so the untraced Kamailio hits them
# too and returns at once (another namespace); that is counted against the untraced side,
# as it is a real host's cost for its other programs.
#
# Environment: BENCH_RATE calls/s (50), BENCH_ROUND_S seconds of calls a round (20),
# BENCH_HOLD_S (1), BENCH_TRACERS (siptrail,tcpdump), BENCH_ROUNDS (rounds of every mode, none
# included; 2 by default, the traced copy a then b), BENCH_ONLY=TLS|plain (both),
# SIPTRAIL_BIN (build/siptrail), BENCH_LAB_ID (the first lab instance, 90; the second is the
# next), BENCH_KEEP=1 (keep the work folder: logs, journals, captures).
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
positive "$lab_id" BENCH_LAB_ID
# siptrail's default ports; the UAS leg's UDP on 5060 and the trunk on 5061
ports=5060-5061
[ -z "${BENCH_PIN:-}" ] || die "BENCH_PIN is gone: the two copies share the machine as they run"

modes=(none)
IFS=, read -ra wanted <<<"${BENCH_TRACERS:-siptrail,tcpdump}"
for mode in "${wanted[@]}"; do
	case $mode in
	siptrail | tcpdump) modes+=("$mode") ;;
	*) die "BENCH_TRACERS: a comma-separated list of siptrail, tcpdump" ;;
	esac
done
rounds=${BENCH_ROUNDS:-2}
positive "$rounds" BENCH_ROUNDS

lab_require_root
lab_require_commands ip kamailio sipp tcpdump ss setsid findmnt
cgroup_root=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[ -n "$cgroup_root" ] || die "no cgroup v2 mounted (the load's and the tracer's CPU are read there)"

work=$(mktemp -d /tmp/bench-trunk.XXXXXX)
sides=(a b)
declare -A cg_load sipp_pids
for side in "${sides[@]}"; do cg_load[$side]=$cgroup_root/siptrail-bench-load-$side-$$; done
cg_tracer=$cgroup_root/siptrail-bench-tracer-$$
trace_pid=""

# side_id SIDE: the lab instance of copy a or b.
side_id() { if [ "$1" = a ]; then echo "$lab_id"; else echo $((lab_id + 1)); fi; }

# side_names SIDE: its namespaces (lab_names: LAB_SBC_NS, LAB_CARRIER_NS).
side_names() { lab_names "$(side_id "$1")"; }

# labs_down: both copies' lab instances, with every process in them.
labs_down() {
	local side
	for side in "${sides[@]}"; do
		side_names "$side"
		lab_down
	done
}

# stop_sipp SIGNAL: every SIPp still running, of either copy.
stop_sipp() {
	local pid
	for pid in "${sipp_pids[@]}"; do
		lab_stop_group "$pid" "$1" 2 || true
	done
	sipp_pids=()
}

# The teardown on every exit: the tracer, the SIPp, both lab instances, the cgroups (empty
# once their processes are gone), the work folder.
cleanup() {
	local rc=$? cg i
	trap - EXIT
	trap '' INT TERM
	set +e
	[ -n "$trace_pid" ] && lab_stop_group "$trace_pid" INT 10
	stop_sipp TERM
	labs_down
	for cg in "${cg_load[@]}" "$cg_tracer"; do
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

mkdir "${cg_load[@]}" "$cg_tracer"
"$LAB_DIR/pki.sh" "$work/pki" >/dev/null || die "making the lab's PKI failed"

# cpu_us CGROUP: the CPU its processes used so far, µs.
cpu_us() { sed -n 's/^usage_usec //p' "$1/cpu.stat"; }

# kamailio_us SIDE: the CPU that copy's Kamailio processes used so far, µs (clock ticks: the
# split of the load between Kamailio and SIPp is only printed).
kamailio_us() {
	local pids
	side_names "$1"
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

# join CGROUP PID: PID (all its threads, and what it starts from now on) into CGROUP. From
# outside: `ip netns exec` mounts its own /sys, where no cgroup file system is.
join() { echo "$2" >"$1/cgroup.procs"; }

# sipp_start SIDE NETNS LOG SCENARIO PORT [UAC options...]: one SIPp of a copy in its load's
# cgroup, for the round's calls. No message trace: its writes would be load.
sipp_start() {
	local side=$1 ns=$2 log=$3 scenario=$4 port=$5
	shift 5
	lab_start "$ns" "$log" sipp "$@" -sf "$scenario" -i 127.0.0.1 -p "$port" -t u1 \
		-m "$calls" -nostdin -default_behaviors abortunexp \
		-timeout "$((round_s + hold_s + 30))s" -timeout_error \
		-trace_screen -screen_file "$log.screen" -trace_err -error_file "$log.errors"
	join "${cg_load[$side]}" "$LAB_PID"
	sipp_pids[$side-$(basename "$log" .log)]=$LAB_PID
}

# failed_calls LOG: SIPp's count of failed calls from its last screen.
failed_calls() {
	awk '/Failed call/ { n = $NF } END { print n + 0 }' "$1.screen" 2>/dev/null || echo "?"
}

# run_round TRUNK MODE ROUND TRACED: one round, both copies, the tracer of MODE on copy TRACED
# (a or b); appends a line to $work/results:
# ROUND MODE TRACED TRACED_LOAD_US OTHER_LOAD_US TRACER_US CALLS SIP HANDSHAKES LOST OK.
run_round() {
	local trunk=$1 mode=$2 round=$3 traced=$4 other=a cmd ready="" side dir failed=""
	local i woken=0 sip=0 handshakes=0 lost=0 ok=yes start_tracer tracer_us rc
	local -A start_load load_us kamailio_start kamailio_cpu
	[ "$traced" = a ] && other=b
	for side in "${sides[@]}"; do
		dir=$work/round-$round-$mode-$side
		(
			echo "$BASHPID" >"${cg_load[$side]}/cgroup.procs"
			exec "$LAB_DIR/scenario" --up-only --id "$(side_id "$side")" --out "$dir" \
				--pki "$work/pki" --hold "$hold_s" --trunk "$trunk" --siptrail none
		) >"$dir.lab.log" 2>&1 || die "lab copy $side did not come up: $dir.lab.log"
	done
	dir=$work/round-$round-$mode-$traced
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
		side_names "$traced"
		lab_start_trace "$LAB_SBC_NS" "$dir/trace.log" "$cmd"
		trace_pid=$LAB_PID
		join "$cg_tracer" "$trace_pid"
		rc=0
		lab_wait_trace "$dir/trace.log" "$ready" 0 "$trace_pid" || rc=$?
		[ "$rc" -eq 0 ] || die "$mode $(lab_trace_not_ready "$rc"): $dir/trace.log"
		sleep 0.5 # its start-up (BPF load and verification) is not overhead
	fi
	for side in "${sides[@]}"; do
		dir=$work/round-$round-$mode-$side
		side_names "$side"
		sipp_start "$side" "$LAB_SBC_NS" "$dir/uas.log" "$dir/sbc/sipp.xml" 5070
		lab_wait_listen "$LAB_SBC_NS" udp 5070 || die "copy $side's UAS did not start: $dir/uas.log"
	done
	for side in "${sides[@]}"; do
		start_load[$side]=$(cpu_us "${cg_load[$side]}")
		kamailio_start[$side]=$(kamailio_us "$side")
	done
	start_tracer=$(cpu_us "$cg_tracer")
	[ -z "$trace_pid" ] || woken=$(wakeups "$trace_pid")
	for side in "${sides[@]}"; do
		dir=$work/round-$round-$mode-$side
		side_names "$side"
		sipp_start "$side" "$LAB_CARRIER_NS" "$dir/uac.log" "$dir/carrier/sipp.xml" 5080 \
			127.0.0.1:5060 -s callee -r "$rate" -rp 1000
	done
	# each UAC ends after its calls, its UAS right after (its last BYE's 200)
	for side in "${sides[@]}"; do
		rc=0
		wait "${sipp_pids[$side-uac]}" || rc=$?
		[ "$rc" -eq 0 ] || failed+=" copy $side's UAC: $(failed_calls "$work/round-$round-$mode-$side/uac.log") failed, exit $rc;"
		unset "sipp_pids[$side-uac]"
	done
	for side in "${sides[@]}"; do
		for ((i = 0; i < 100; i++)); do
			lab_alive "${sipp_pids[$side-uas]}" || break
			sleep 0.1
		done
		rc=0
		lab_stop_group "${sipp_pids[$side-uas]}" TERM 2 || rc=$?
		[ "$rc" -eq 0 ] || failed+=" copy $side's UAS: $(failed_calls "$work/round-$round-$mode-$side/uas.log") failed, exit $rc;"
		unset "sipp_pids[$side-uas]"
	done
	sleep 1.2
	for side in "${sides[@]}"; do
		load_us[$side]=$(($(cpu_us "${cg_load[$side]}") - start_load[$side]))
		kamailio_cpu[$side]=$(($(kamailio_us "$side") - kamailio_start[$side]))
	done
	tracer_us=$(($(cpu_us "$cg_tracer") - start_tracer))
	[ -z "$trace_pid" ] || woken=$(($(wakeups "$trace_pid") - woken))
	if [ -n "$trace_pid" ]; then
		lab_stop_group "$trace_pid" INT 10 || true
		trace_pid=""
	fi
	dir=$work/round-$round-$mode-$traced
	if [ "$mode" = siptrail ]; then
		sip=$(grep -c '"event":"sip"' "$dir/trace.jsonl" || true)
		handshakes=$(grep -c '"event":"tls_handshake"' "$dir/trace.jsonl" || true)
		lost=$(sed -n 's/^siptrail live: [0-9]* events, \([0-9]*\) lost.*/\1/p' \
			"$dir/trace.log" | tail -1)
	fi
	labs_down
	if [ -n "$failed" ]; then
		ok=no
		echo "  ROUND $round $mode DISCARDED: failed calls ($failed); logs in $work"
		BENCH_KEEP=1
	fi
	awk -v m="$mode" -v r="$round" -v side="$traced" -v lt="${load_us[$traced]}" \
		-v lo="${load_us[$other]}" -v t="$tracer_us" -v c="$calls" \
		-v kt="${kamailio_cpu[$traced]}" -v ko="${kamailio_cpu[$other]}" -v w="$woken" \
		-v s="$sip" -v h="$handshakes" -v lost="${lost:-?}" 'BEGIN {
		printf "  round %d %-8s on %s: x%.3f, %.1f us CPU/call (load %.1f: Kamailio %.0f, SIPp %.0f;" \
			" tracer %.1f), the other %.1f (Kamailio %.0f, SIPp %.0f)", r, m, side,
			(lt + t) / lo, (lt + t) / c, lt / c, kt / c, (lt - kt) / c, t / c, lo / c, ko / c,
			(lo - ko) / c
		if (m != "none")
			printf ", %.1f tracer wakeups a call", w / c
		if (m == "siptrail")
			printf "; %d SIP messages, %d handshakes, %s lost, %.2f us a SIP message", s, h,
				lost, s ? t / s : 0
		printf "\n"
	}'
	printf '%s %s %s %s %s %s %s %s %s %s %s\n' "$round" "$mode" "$traced" "${load_us[$traced]}" \
		"${load_us[$other]}" "$tracer_us" "$calls" "$sip" "$handshakes" "${lost:-?}" "$ok" \
		>>"$work/results"
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"/round-"$round"-"$mode"-*
}

# report: the figures of $work/results, per mode: the rounds' own ratios (traced copy over
# the other), the traced copy's CPU per call, the tracer's own.
report() {
	awk -v modes="${modes[*]}" '
	function median(a, n,   i, j, t) { # sorts a[1..n]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$11 == "yes" {
		n = ++rounds[$2]
		ratio[$2, n] = ($4 + $6) / $5
		per_call[$2, n] = ($4 + $6) / $7
		tracer_per_call[$2, n] = $6 / $7
		if ($8 > 0) per_sip[$2, n] = $6 / $8
	}
	$11 == "no" { discarded[$2]++ }
	END {
		n_modes = split(modes, mode, " ")
		for (m = 1; m <= n_modes; m++) {
			n = rounds[mode[m]]
			if (!n) { printf "  %-9s no round without failed calls\n", mode[m]; continue }
			for (i = 1; i <= n; i++) v[i] = ratio[mode[m], i]
			p = median(v, n)
			printf "  %-9s x%.3f (%+.1f %%; median of %d rounds, x%.3f to x%.3f)%s\n", mode[m], p,
				(p - 1) * 100, n, v[1], v[n],
				discarded[mode[m]] ? sprintf(", %d DISCARDED", discarded[mode[m]]) : ""
			for (i = 1; i <= n; i++) v[i] = per_call[mode[m], i]
			printf "  %-9s the traced copy %.1f us CPU/call (median; %.1f-%.1f)", "", median(v, n),
				v[1], v[n]
			if (mode[m] != "none") {
				for (i = 1; i <= n; i++) v[i] = tracer_per_call[mode[m], i]
				printf ", the tracer its own %.1f us a call (%.1f-%.1f)", median(v, n), v[1], v[n]
			}
			k = 0
			for (i = 1; i <= n; i++) if ((mode[m], i) in per_sip) v[++k] = per_sip[mode[m], i]
			if (k) printf ", %.2f us a SIP message", median(v, k)
			printf "\n"
		}
	}' "$work/results"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

for variant in TLS plain; do
	[ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = "$variant" ] || continue
	trunk=tls title="TLS trunk (TLS 1.3 between the two Kamailio)"
	[ "$variant" = plain ] && trunk=tcp title="plain TCP trunk (TCP between the two Kamailio)"
	echo "$title: two copies side by side, $rate calls/s each for $round_s s a round" \
		"($calls calls, hold $hold_s s), $rounds rounds of ${modes[*]} rotating, the traced copy" \
		"alternating"
	echo "  load average before: $(loadavg)"
	: >"$work/results"
	for ((round = 1; round <= rounds; round++)); do
		traced=a
		[ $((round % 2)) -eq 0 ] && traced=b
		for ((i = 0; i < ${#modes[@]}; i++)); do
			run_round "$trunk" "${modes[(round - 1 + i) % ${#modes[@]}]}" "$round" "$traced"
		done
	done
	echo "  per mode: the traced copy's CPU per call (with the tracer's) over the untraced copy's" \
		"in the same round (none: the two copies, nothing traced)"
	report
	echo "  load average after: $(loadavg)"
done
