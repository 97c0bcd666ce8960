#!/usr/bin/env bash
# tools/lab/lab.sh: runs the lab's cases (tools/lab/cases) and checks their outcomes.
#   lab.sh list                       the cases, their options and expectations
#   lab.sh run [-j N] CASE...|all     runs cases (N at a time, each in its own lab
#                                     instance), prints one line each, exit 0 if all
#                                     reproduced as expected
#   lab.sh up [scenario options]      sets up instance 0 and leaves it running
#   lab.sh down [--id N | --all]      tears down an instance (or every stlab instance)
#   lab.sh clean [-j N]               removes what an earlier run left (as run does first);
#                                     exit 1 if there was anything
# Results: build/lab/CASE/ (logs, capture, outcome), or LAB_RESULTS/CASE/. See docs/lab.md.
# Each case runs under a time limit, LAB_CASE_TIMEOUT_S (180; the longest took 31 s, five at
# a time on 2 cores): then SIGTERM (the scenario tears down), SIGKILL after
# LAB_CASE_KILL_AFTER_S (30), and the case fails as result=timeout with its last step.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$LAB_DIR/../.." && pwd)
LAB_RESULTS=${LAB_RESULTS:-$ROOT_DIR/build/lab}
# shellcheck source=tools/lab/netns.sh
. "$LAB_DIR/netns.sh"

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	printf '%s' "${s%"${s##*[![:space:]]}"}"
}

declare -A case_options case_expect case_about
case_names=()
while IFS='|' read -r name options expect about; do
	name=$(trim "$name")
	[ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
	case_names+=("$name")
	case_options[$name]=$(trim "$options")
	case_expect[$name]=$(trim "$expect")
	case_about[$name]=$(trim "$about")
done <"$LAB_DIR/cases"

# check_case NAME ID: runs one case in lab instance ID under its time limit, prints one
# line, returns 0 if the outcome matches every expectation. SIGTERM (lab.sh interrupted)
# goes on to the scenario, whose teardown is then waited for.
check_case() {
	local name=$1 id=$2 out=$LAB_RESULTS/$1 word key pattern value missed="" rc=0 pid left
	local options expect limit=${LAB_CASE_TIMEOUT_S:-180}
	read -ra options <<<"${case_options[$name]}"
	read -ra expect <<<"${case_expect[$name]}"
	LAB_CASE=$name timeout --kill-after="${LAB_CASE_KILL_AFTER_S:-30}" "$limit" \
		"$LAB_DIR/scenario" --id "$id" --out "$out" --pki "$lab_pki" "${options[@]}" \
		>"$out.log" 2>&1 </dev/null &
	pid=$!
	trap 'kill -TERM "$pid" 2>/dev/null' TERM
	wait "$pid" || rc=$?
	while [ -n "$(jobs -rp)" ]; do # woken by the trap: the scenario is still tearing down
		rc=0
		wait "$pid" || rc=$?
	done
	trap - TERM
	# The scenario tears its instance down on every exit; SIGKILL is the one it cannot.
	left=$(lab_leftovers_clean "$LAB_RESULTS/$name" "$id" | paste -sd';') || true
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "lab-case $name result=timeout limit_s=$limit log=$out.log: timed out after" \
			"$(grep '^scenario: step at' "$out.log" | grep -v 'tearing down' | tail -1 |
				sed 's/^scenario: step at [0-9.]* s: //' || true)${left:+; left behind: $left}"
		return 1
	fi
	if [ -n "$left" ]; then
		echo "lab-case $name result=leftovers rc=$rc log=$out.log: left behind: $left"
		return 1
	fi
	if [ ! -s "$out/outcome" ]; then
		echo "lab-case $name result=error rc=$rc log=$out.log:" \
			"$(grep -v '^scenario: step at' "$out.log" | tail -1)"
		return 1
	fi
	for word in "${expect[@]}"; do
		key=${word%%=*}
		pattern=${word#*=}
		value=$(sed -n "s/^$key=//p" "$out/outcome")
		# shellcheck disable=SC2053
		[[ $value == $pattern ]] || missed+=" $key=$value(expected:$pattern)"
	done
	if [ -n "$missed" ]; then
		echo "lab-case $name result=unexpected$missed elapsed_s=$(sed -n 's/^elapsed_s=//p' "$out/outcome") dir=$out"
		return 1
	fi
	echo "lab-case $name result=reproduced $(grep -v '^elapsed_s=' "$out/outcome" | paste -sd' ') elapsed_s=$(sed -n 's/^elapsed_s=//p' "$out/outcome")"
}

cmd_list() {
	local name
	for name in "${case_names[@]}"; do
		printf '%s\n  %s\n  options: %s\n  expect:  %s\n' "$name" "${case_about[$name]}" \
			"${case_options[$name]}" "${case_expect[$name]}"
	done
}

cmd_run() {
	local jobs=${LAB_JOBS:-4} names=() name slot pid failed=0
	if [ "${1:-}" = -j ]; then
		jobs=$2
		shift 2
	fi
	[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "lab: -j needs a positive number" >&2; exit 2; }
	[ $# -gt 0 ] || { echo "lab: run CASE...|all (lab.sh list)" >&2; exit 2; }
	if [ "$1" = all ]; then names=("${case_names[@]}"); else names=("$@"); fi
	for name in "${names[@]}"; do
		[ -n "${case_options[$name]+set}" ] || { echo "lab: no case '$name' (lab.sh list)" >&2; exit 2; }
	done
	lab_require_root
	mkdir -p "$LAB_RESULTS"
	cmd_clean -j "$jobs" || true
	# One PKI for the whole run; each case copies it into its result folder.
	lab_pki=$LAB_RESULTS/pki
	rm -rf "$lab_pki"
	"$LAB_DIR/pki.sh" "$lab_pki" || { echo "lab: making the PKI in $lab_pki failed" >&2; exit 2; }
	# A pool of instance ids BASE+1..BASE+jobs: each running case owns one, so the
	# namespaces of cases that run at the same time never collide. LAB_ID_BASE keeps two
	# lab runs on one machine apart.
	local -A slot_of
	local free=()
	for ((slot = lab_id_base + jobs; slot > lab_id_base; slot--)); do free+=("$slot"); done
	# Interrupted: each running case passes SIGTERM on to its scenario, which tears its
	# instance down; then whatever is left goes. Output may have no reader by then.
	trap 'trap "" INT TERM PIPE; set +e; kill -TERM "${!slot_of[@]}" 2>/dev/null; wait
		cmd_clean -j "$jobs" >&2; exit 143' INT TERM
	for name in "${names[@]}"; do
		if [ ${#free[@]} -eq 0 ]; then
			wait -n -p pid || failed=$((failed + 1))
			free+=("${slot_of[$pid]}")
			unset "slot_of[$pid]"
		fi
		slot=${free[-1]}
		unset 'free[-1]'
		check_case "$name" "$slot" &
		slot_of[$!]=$slot
	done
	while [ ${#slot_of[@]} -gt 0 ]; do
		wait -n -p pid || failed=$((failed + 1))
		unset "slot_of[$pid]"
	done
	[ "$failed" -eq 0 ]
}

# cmd_clean [-j N]: the leftovers of an earlier run with N cases at a time (LAB_JOBS, 4):
# instances LAB_ID_BASE+1..+N, and processes naming files in the results folder.
cmd_clean() {
	local jobs=${LAB_JOBS:-4} ids=() id removed line
	[ "${1:-}" = -j ] && jobs=$2
	lab_require_root
	for ((id = lab_id_base + 1; id <= lab_id_base + jobs; id++)); do ids+=("$id"); done
	if removed=$(lab_leftovers_clean "$LAB_RESULTS" "${ids[@]}"); then
		return 0
	fi
	echo "lab: removed leftovers of an earlier run:"
	while read -r line; do echo "  $line"; done <<<"$removed"
	return 1
}

cmd_down() {
	local ns id=0
	lab_require_root
	if [ "${1:-}" = --all ]; then
		for ns in $(ip netns list | awk '/^stlab-sbc(-[0-9]+)?( |$)/ { print $1 }'); do
			id=${ns#stlab-sbc}
			id=${id#-}
			lab_names "${id:-0}"
			lab_down
		done
		return 0
	fi
	[ "${1:-}" = --id ] && id=${2:?--id needs a number}
	lab_names "$id"
	lab_down
}

# A pool of instance ids LAB_ID_BASE+1..: LAB_ID_BASE keeps two lab runs on one machine apart.
lab_id_base=${LAB_ID_BASE:-0}
[[ $lab_id_base =~ ^[0-9]+$ ]] || { echo "lab: LAB_ID_BASE must be a number" >&2; exit 2; }

case ${1:-} in
list) cmd_list ;;
clean) shift; cmd_clean "$@" ;;
run) shift; cmd_run "$@" ;;
up) shift; exec "$LAB_DIR/scenario" --up-only --out "$ROOT_DIR/build/lab/up" "$@" ;;
down) shift; cmd_down "$@" ;;
*)
	sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
	;;
esac
