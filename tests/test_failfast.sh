#!/usr/bin/env bash
# tests/test_failfast.sh: a test that fails or hangs midway is reported within its time limit
# and leaves nothing running (issue 19). SIPTRAIL_TEST_FORCE_FAIL makes the harness fail or
# hang at a point where children run:
#   live       test_live_sockets: every test fails right after it forked `siptrail live`
#              (some have a listener or a peer waiting too); the teardowns must end them
#   live-hang  the same program hangs there; tests/run.sh's limit must kill it and its group
#   lab        one lab case fails with both Kamailio, tcpdump, a tracer and SIPp running
#   lab-hang   that case hangs there; the lab runner's per-case limit must end it
# After each: no process that started under it (every one carries a tag in its environment,
# wherever it runs: process group, session or namespace), no namespace of it. The lab case is
# the shortest one, with a stand-in tracer (sleep) so the case gets to the forced point
# whether or not siptrail live can load here. About 30 s. Prints cmocka-like lines.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-build}
[ "${build:0:1}" = / ] || build=$root/$build
cd "$root" || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "*** SKIPPING FAIL-FAST TESTS: not running as root (network namespaces, eBPF) ***"
	echo "[  SKIPPED ] 1 test(s), listed below:"
	[ "${SIPTRAIL_REQUIRE_LIVE:-0}" = 1 ] && exit 1
	exit 0
fi

tag=stfailfast-$$-$RANDOM # in the environment of the runs only, not of this script
lab_case=healthy-carrier-in
lab_base=90 # instances 91.., apart from a lab run's 1..
lab_results=$build/lab-failfast
log_dir=$build/test-logs/failfast
mkdir -p "$log_dir"
passed=0 failed=0 failed_names=()

# tagged_processes: pid and command of each process whose environment has the tag.
tagged_processes() {
	local file pid
	for file in $(grep -lasF "STFAILFAST_TAG=$tag" /proc/[0-9]*/environ); do
		pid=${file#/proc/}
		pid=${pid%/environ}
		echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
}

# our_namespaces: the namespaces this script's runs make.
our_namespaces() {
	ip netns list | awk '{ print $1 }' | grep -E "^(stlab-(sbc|carrier)-9[0-9]|stlive-.*)$"
}

# check NAME MAX_S PATTERN -- COMMAND...: runs COMMAND (tagged) and passes if it ended within
# MAX_S, its output has PATTERN (an extended regex), and afterwards nothing tagged runs and
# none of our namespaces is there (allowing 3 s for processes that are already dying).
check() {
	local name=$1 max_s=$2 pattern=$3 log=$log_dir/$1.log start elapsed problems="" left i
	shift 4
	echo "[ RUN      ] failfast.$name"
	start=$(date +%s.%N)
	# The outer limit only guards this script: the harness under test must end well before.
	STFAILFAST_TAG=$tag timeout --kill-after=10 $((max_s * 3)) "$@" >"$log" 2>&1 </dev/null
	elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	awk -v e="$elapsed" -v m="$max_s" 'BEGIN { exit !(e > m) }' &&
		problems+="  took ${elapsed} s, more than ${max_s} s"$'\n'
	grep -Eq -- "$pattern" "$log" || problems+="  no line matching: $pattern"$'\n'
	grep -q 'left processes running' "$log" &&
		problems+="  tests/run.sh found processes left in a process group"$'\n'
	for ((i = 0; i < 30; i++)); do
		left=$(tagged_processes)$(our_namespaces)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$(tagged_processes)" ]; then
		problems+="  processes left running:"$'\n'"$(tagged_processes | sed 's/^/    /')"$'\n'
		for i in $(tagged_processes | awk '{ print $1 }'); do kill -KILL "$i" 2>/dev/null; done
	fi
	if [ -n "$(our_namespaces)" ]; then
		problems+="  namespaces left: $(our_namespaces | paste -sd' ')"$'\n'
		for i in $(our_namespaces); do ip netns del "$i" 2>/dev/null; done
	fi
	if [ -z "$problems" ]; then
		echo "[       OK ] failfast.$name (${elapsed} s)"
		passed=$((passed + 1))
		return
	fi
	printf '%s' "$problems"
	echo "  its output ($log), last lines:"
	tail -n 15 "$log" | sed 's/^/    /'
	echo "[  FAILED  ] failfast.$name"
	failed=$((failed + 1))
	failed_names+=("failfast.$name")
}

live_run=(env TEST_LOG_DIR="$log_dir/run" TEST_KILL_AFTER_S=5)
live_test=$build/tests/test_live_sockets
lab_run=(env LAB_RESULTS="$lab_results" LAB_ID_BASE="$lab_base" LAB_JOBS=1 LAB_CASE_KILL_AFTER_S=20
	LAB_TRACE_CMD='exec sleep 987654' LAB_TRACE_WAIT=0.3)

check live_fail 30 '^total: 0 passed, 13 failed' -- "${live_run[@]}" TEST_TIMEOUT_LIVE_S=60 \
	SIPTRAIL_TEST_FORCE_FAIL=live tests/run.sh "$live_test"
check live_hang 15 'TIMED OUT after 5 s \(in test test_idle_close_by_server\)' -- "${live_run[@]}" \
	TEST_TIMEOUT_LIVE_S=5 SIPTRAIL_TEST_FORCE_FAIL=live-hang tests/run.sh "$live_test"
check lab_fail 25 "forced failure here" -- "${lab_run[@]}" LAB_CASE_TIMEOUT_S=60 \
	SIPTRAIL_TEST_FORCE_FAIL=lab tests/lab/run-lab-tests.sh "$lab_case"
check lab_hang 25 "timed out after forced hang here" -- "${lab_run[@]}" \
	LAB_CASE_TIMEOUT_S=6 SIPTRAIL_TEST_FORCE_FAIL=lab-hang tests/lab/run-lab-tests.sh "$lab_case"

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "[  PASSED  ] $passed test(s)."
[ "$failed" -gt 0 ] && echo "[  FAILED  ] $failed test(s), listed above."
[ "$failed" -eq 0 ]
