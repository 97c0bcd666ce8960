# shellcheck shell=bash
# tools/lab/netns.sh: the lab's namespaces and processes, sourced by scenario and lab.sh.
# Every process the lab starts runs inside one of its namespaces, so `ip netns pids`
# finds exactly the lab's processes (also strays after a crash) and nothing else.

LAB_SBC_IP=10.99.0.1
LAB_CARRIER_IP=10.99.0.2

lab_require_root() {
	[ "$(id -u)" -eq 0 ] || { echo "lab: needs root (network namespaces, tcpdump)" >&2; exit 2; }
}

# lab_require_commands CMD...: names the Debian package of each missing command.
lab_require_commands() {
	local cmd missing=()
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 && continue
		case $cmd in
		kamailio) missing+=("kamailio (packages kamailio kamailio-tls-modules)") ;;
		sipp) missing+=("sipp (package sip-tester)") ;;
		tshark) missing+=("tshark (package tshark)") ;;
		ip | ss) missing+=("$cmd (package iproute2)") ;;
		cc) missing+=("cc (package gcc or clang, with libssl-dev)") ;;
		*) missing+=("$cmd") ;;
		esac
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "lab: missing: ${missing[*]}; run 'make deps' (tools/install-deps.sh) as root" >&2
	exit 2
}

# lab_names ID: namespace names of lab instance ID (0: stlab-sbc, stlab-carrier).
lab_names() {
	local suffix=""
	[ "$1" -eq 0 ] || suffix=-$1
	LAB_SBC_NS=stlab-sbc$suffix
	LAB_CARRIER_NS=stlab-carrier$suffix
}

lab_up() {
	local ns
	for ns in "$LAB_SBC_NS" "$LAB_CARRIER_NS"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		# No IPv6 on the veth: keeps router solicitations out of the capture.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	done
	# Made inside the namespaces, so the names never meet in the root namespace.
	ip link add to-carrier netns "$LAB_SBC_NS" type veth peer name to-sbc netns "$LAB_CARRIER_NS"
	ip -n "$LAB_SBC_NS" addr add "$LAB_SBC_IP/24" dev to-carrier
	ip -n "$LAB_CARRIER_NS" addr add "$LAB_CARRIER_IP/24" dev to-sbc
	ip -n "$LAB_SBC_NS" link set to-carrier up
	ip -n "$LAB_CARRIER_NS" link set to-sbc up
}

# lab_down: ends every process in the instance's namespaces, then deletes them.
lab_down() {
	local ns pids i
	for ns in "$LAB_SBC_NS" "$LAB_CARRIER_NS"; do
		[ -e "/run/netns/$ns" ] || continue
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		if [ -n "${pids// /}" ]; then
			# shellcheck disable=SC2086
			kill -TERM $pids 2>/dev/null || true
			for ((i = 0; i < 20; i++)); do
				[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
				sleep 0.1
			done
			pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
			# shellcheck disable=SC2086
			[ -n "${pids// /}" ] && kill -KILL $pids 2>/dev/null
		fi
		ip netns del "$ns" 2>/dev/null || true
	done
	return 0
}

# lab_start NETNS LOG CMD...: CMD in NETNS as its own process group; sets LAB_PID.
lab_start() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" setsid "$@" >"$log" 2>&1 </dev/null &
	LAB_PID=$!
}

# lab_alive PID: true while PID runs (a zombie counts as ended).
lab_alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# lab_stop_group PID SIGNAL TIMEOUT_S: signals PID's process group, kills it after
# TIMEOUT_S, and returns PID's exit status.
lab_stop_group() {
	local pid=$1 signal=$2 i
	kill "-$signal" -- "-$pid" 2>/dev/null || true
	for ((i = 0; i < $3 * 10; i++)); do
		lab_alive "$pid" || break
		sleep 0.1
	done
	lab_alive "$pid" && kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# lab_wait_listen NETNS udp|tcp PORT: waits (10 s at most) for a listener on PORT.
lab_wait_listen() {
	local i flag=-Hltn
	[ "$2" = udp ] && flag=-Hlun
	for ((i = 0; i < 100; i++)); do
		[ -n "$(ip netns exec "$1" ss "$flag" "sport = :$3" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# lab_start_capture NETNS PCAP: tcpdump on the sbc's veth; sets LAB_PID.
lab_start_capture() {
	local i
	lab_start "$1" "$2.log" tcpdump -i to-carrier -n -s 0 -U -Z root -w "$2"
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$2.log" 2>/dev/null && return 0
		lab_alive "$LAB_PID" || return 1
		sleep 0.1
	done
	return 1
}

# lab_start_trace NETNS LOG COMMAND: the tracer hook (docs/lab.md). COMMAND runs
# with sh in NETNS, in its own process group with SIGINT not ignored (job control
# on), so lab_stop_group can stop it with SIGINT. Sets LAB_PID.
lab_start_trace() {
	set -m
	ip netns exec "$1" sh -c "$3" >"$2" 2>&1 </dev/null &
	LAB_PID=$!
	set +m
}

# lab_wait_trace LOG READY_REGEX WAIT_S PID: waits until LOG matches READY_REGEX (30 s
# at most), or WAIT_S seconds without a regex; returns 1 if the tracer ended, 2 if it runs
# but did not say READY_REGEX in time.
lab_wait_trace() {
	local i
	if [ -z "$2" ]; then
		sleep "$3"
		lab_alive "$4"
		return
	fi
	for ((i = 0; i < 300; i++)); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		lab_alive "$4" || return 1
		sleep 0.1
	done
	return 2
}

# lab_trace_not_ready STATUS: what lab_wait_trace's failure STATUS means, for a message.
lab_trace_not_ready() {
	if [ "$1" -eq 2 ]; then echo "was not ready within 30 s"; else echo "ended before it was ready"; fi
}

# lab_leftovers_clean RESULTS ID...: removes what an earlier lab run left behind and prints
# what it removed, one line each; returns 1 if there was anything. Recognised: the namespaces
# of instances ID... with every process in them, and any process whose command line names a
# file under RESULTS (Kamailio's -f, SIPp's -sf, tcpdump's -w, siptrail's --write, a
# scenario's --out), which also finds those whose namespace is already gone.
lab_leftovers_clean() {
	local results=$1 id pids found=0
	shift
	for id in "$@"; do
		lab_names "$id"
		[ -e "/run/netns/$LAB_SBC_NS" ] || [ -e "/run/netns/$LAB_CARRIER_NS" ] || continue
		pids=$( (ip netns pids "$LAB_SBC_NS"; ip netns pids "$LAB_CARRIER_NS") 2>/dev/null | wc -l)
		echo "instance $id: namespaces $LAB_SBC_NS $LAB_CARRIER_NS with $pids processes"
		lab_down
		found=1
	done
	pids=$(lab_pids_naming "$results")
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		echo "processes naming $results/: $(ps -o pid=,comm= -p "${pids// /,}" | paste -sd,)"
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null
		sleep 1
		pids=$(lab_pids_naming "$results")
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		found=1
	fi
	return "$found"
}

# lab_pids_naming DIR: the processes (zombies aside) whose command line names a file under
# DIR, this shell and its parents aside, and those of instance 0, which `lab.sh up` leaves
# running on purpose. Builtins only after one grep: a loaded machine forks slowly.
lab_pids_naming() {
	local file pid args state pids="" keep
	keep=" $( (ip netns pids stlab-sbc; ip netns pids stlab-carrier) 2>/dev/null | paste -sd' ') "
	for file in $(grep -laF "$1/" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${file#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || [ "$pid" = "$PPID" ] && continue
		[[ $keep == *" $pid "* ]] && continue
		# grep itself named DIR on its command line, and is gone now
		mapfile -d '' args 2>/dev/null <"/proc/$pid/cmdline" || continue
		[[ " ${args[*]} " == *"$1/"* ]] || continue
		read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" || continue
		[ "$state" = Z ] || pids+="$pid "
	done
	echo "${pids% }"
}
