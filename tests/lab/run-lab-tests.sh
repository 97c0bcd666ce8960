#!/usr/bin/env bash
# tests/lab/run-lab-tests.sh [CASE...]: runs the trunk lab's cases (tools/lab/cases, all
# by default) and asserts that each reproduced its expected outcome. Prints cmocka-like
# lines and one summary line. Needs root; skips loudly without it, unless
# SIPTRAIL_REQUIRE_LIVE=1, which makes that a failure. LAB_JOBS: cases run at a time (5).
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
start=$(date +%s)
results=$(mktemp)
trap 'rm -f "$results"' EXIT
"$root/tools/lab/lab.sh" run -j "${LAB_JOBS:-5}" "${cases[@]}" | tee "$results" |
	while read -r tag name result rest; do
		[ "$tag" = lab-case ] || { echo "$tag $name $result $rest"; continue; }
		echo "[ RUN      ] lab.$name"
		if [ "$result" = result=reproduced ]; then
			echo "[       OK ] lab.$name (${rest##*elapsed_s=} s)"
		else
			echo "$rest"
			echo "[  FAILED  ] lab.$name ($result)"
		fi
	done
passed=$(grep -c 'result=reproduced' "$results")
total=$(grep -c '^lab-case ' "$results")
failed=$((total - passed))
echo "[==========] lab: $total cases, $passed reproduced, $failed not, in $(($(date +%s) - start)) s"
# The counts in cmocka's words, so tests/run.sh adds them to the total.
echo "[  PASSED  ] $passed test(s)."
[ "$failed" -gt 0 ] && echo "[  FAILED  ] $failed test(s), listed above."
[ "$total" -gt 0 ] && [ "$failed" -eq 0 ]
