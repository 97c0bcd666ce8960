#!/usr/bin/env bash
# tools/lab/lab.sh: runs the lab's cases (tools/lab/cases) and checks their outcomes.
#   lab.sh list                       the cases, their options and expectations
#   lab.sh run [-j N] CASE...|all     runs cases (N at a time, each in its own lab
#                                     instance), prints one line each, exit 0 if all
#                                     reproduced as expected
#   lab.sh up [scenario options]      sets up instance 0 and leaves it running
#   lab.sh down [--id N | --all]      tears down an instance (or every stlab instance)
# Results: build/lab/CASE/ (logs, capture, outcome). See docs/lab.md.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$LAB_DIR/../.." && pwd)
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

# check_case NAME ID: runs one case in lab instance ID, prints one line, returns 0 if
# the outcome matches every expectation.
check_case() {
	local name=$1 out=$ROOT_DIR/build/lab/$1 word key pattern value missed="" rc=0
	local options expect
	read -ra options <<<"${case_options[$name]}"
	read -ra expect <<<"${case_expect[$name]}"
	LAB_CASE=$name "$LAB_DIR/scenario" --id "$2" --out "$out" --pki "$lab_pki" "${options[@]}" \
		>"$out.log" 2>&1 || rc=$?
	if [ ! -s "$out/outcome" ]; then
		echo "lab-case $name result=error rc=$rc log=$out.log: $(tail -1 "$out.log")"
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
	mkdir -p "$ROOT_DIR/build/lab"
	# One PKI for the whole run; each case copies it into its result folder.
	lab_pki=$ROOT_DIR/build/lab/pki
	rm -rf "$lab_pki"
	"$LAB_DIR/pki.sh" "$lab_pki" || { echo "lab: making the PKI in $lab_pki failed" >&2; exit 2; }
	# A pool of instance ids BASE+1..BASE+jobs: each running case owns one, so the
	# namespaces of cases that run at the same time never collide. LAB_ID_BASE keeps two
	# lab runs on one machine apart.
	local -A slot_of
	local free=() base=${LAB_ID_BASE:-0}
	[[ $base =~ ^[0-9]+$ ]] || { echo "lab: LAB_ID_BASE must be a number" >&2; exit 2; }
	for ((slot = base + jobs; slot > base; slot--)); do free+=("$slot"); done
	# Interrupted: each running scenario tears its lab instance down (its TERM trap).
	trap 'for pid in "${!slot_of[@]}"; do pkill -TERM -P "$pid"; done; wait; exit 130' INT TERM
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

case ${1:-} in
list) cmd_list ;;
run) shift; cmd_run "$@" ;;
up) shift; exec "$LAB_DIR/scenario" --up-only --out "$ROOT_DIR/build/lab/up" "$@" ;;
down) shift; cmd_down "$@" ;;
*)
	sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
	;;
esac
