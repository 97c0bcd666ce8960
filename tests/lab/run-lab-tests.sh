#!/usr/bin/env bash
# tests/lab/run-lab-tests.sh [CASE...]: runs the trunk lab's cases (tools/lab/cases, all
# by default) and asserts that each reproduced its expected outcome. Prints cmocka-like
# lines and one summary line. Needs root; skips loudly without it, unless
# SIPTRAIL_REQUIRE_LIVE=1, which makes that a failure. LAB_JOBS: cases run at a time (5).
# Each case has its time limit (tools/lab/lab.sh, LAB_CASE_TIMEOUT_S). Interrupted (SIGINT,
# SIGTERM: tests/run.sh's time limit), it waits for the lab to tear down. Afterwards nothing
# of the lab may be left (namespaces of its instances, processes naming its results): what
# is left counts as one more failure, and goes.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "*** SKIPPING LAB TESTS: not running as root (network namespaces, eBPF) ***"
	echo "[  SKIPPED ] 1 test(s), listed below:"
	[ "${SIPTRAIL_REQUIRE_LIVE:-0}" = 1 ] && exit 1
	exit 0
fi

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(all)
jobs=${LAB_JOBS:-5}
start=$(date +%s)
results=$(mktemp)
trap 'rm -f "$results"' EXIT

# The lab writes to a file, not a pipe, so that nothing it still has to say in its teardown
# can kill it with SIGPIPE once this script's readers are gone.
"$root/tools/lab/lab.sh" run -j "$jobs" "${cases[@]}" >"$results" 2>&1 &
lab_pid=$!
interrupted=0
trap 'interrupted=1; kill -TERM "$lab_pid" 2>/dev/null' INT TERM
tail -n +1 -f --pid="$lab_pid" "$results" |
	while read -r tag name result rest; do
		[ "$tag" = lab-case ] || { echo "$tag $name $result $rest"; continue; }
		echo "[ RUN      ] lab.$name"
		if [ "$result" = result=reproduced ]; then
			echo "[       OK ] lab.$name (${rest##*elapsed_s=} s)"
		else
			echo "$rest"
			echo "[  FAILED  ] lab.$name ($result)"
		fi
	done &
reader_pid=$!
lab_rc=0
wait "$lab_pid" || lab_rc=$?
while jobs -rp | grep -qx "$lab_pid"; do # woken by the trap: the lab is tearing down
	lab_rc=0
	wait "$lab_pid" || lab_rc=$?
done
wait "$reader_pid"

passed=$(grep -c 'result=reproduced' "$results")
total=$(grep -c '^lab-case ' "$results")
failed=$((total - passed))
if [ "$interrupted" = 1 ]; then
	grep -v '^lab-case .* result=reproduced' "$results" # the reader may be gone
	echo "[  FAILED  ] lab: interrupted (status $lab_rc) before every case ran"
	failed=$((failed + 1))
fi
if ! left=$("$root/tools/lab/lab.sh" clean -j "$jobs"); then
	echo "$left"
	echo "[  FAILED  ] lab.leftovers (the lab left the above behind)"
	failed=$((failed + 1))
fi
echo "[==========] lab: $total cases, $passed reproduced, $((total - passed)) not, in $(($(date +%s) - start)) s"
# The counts in cmocka's words, so tests/run.sh adds them to the total.
echo "[  PASSED  ] $passed test(s)."
[ "$failed" -gt 0 ] && echo "[  FAILED  ] $failed test(s), listed above."
[ "$total" -gt 0 ] && [ "$failed" -eq 0 ]
