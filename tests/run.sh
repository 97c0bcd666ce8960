#!/usr/bin/env bash
# Runs every test program given and prints one summary line at the end.
# Arguments: cmocka programs, scripts that print cmocka's counting lines (tests/lab/
# run-lab-tests.sh, tests/test_failfast.sh), or fuzz:PROGRAM for a short libFuzzer smoke run.
# cmocka's own per-program lines are kept; the totals are summed from them.
#
# Every program runs in a process group of its own under a time limit: past it the group gets
# SIGTERM, then SIGKILL after TEST_KILL_AFTER_S, and the program counts as a failure with a
# line that says so and names the test it was in. Whatever a program leaves running in its
# group is killed and counts as a failure too. Limits in seconds, from run times measured on
# this project's 2-core VM with a wide margin, overridable:
#   TEST_TIMEOUT_UNIT_S   unit tests              (120; each takes under 1 s)
#   TEST_TIMEOUT_ASAN_S   unit tests under ASan   (300)
#   TEST_TIMEOUT_LIVE_S   live tests              (300; the longest, test_live_sockets, 42 s)
#   TEST_TIMEOUT_LAB_S    tests/lab/run-lab-tests.sh (1200; 150 s for its 25 cases, and it
#                         limits each case itself, tools/lab/lab.sh)
#   TEST_TIMEOUT_SCRIPT_S other scripts           (300; the kernel matrix takes about 60 s)
#   TEST_TIMEOUT_PACKAGE_S tests/test_deb.sh      (900; it builds the package from scratch
#                         with dpkg-buildpackage, 1.5 to 3 min, then a lab call: 2.5 to 4 min)
#   fuzz smoke            FUZZ_SECONDS + 120
#   TEST_TIMEOUT_S        one limit for every program, overriding the above
#   TEST_KILL_AFTER_S     SIGTERM to SIGKILL (30; the lab gets 90 to tear its namespaces down)
# TEST_JOBS=2 runs two lanes at once: the unit, ASan and fuzz programs in one, the live tests,
# the lab and the scripts in the other (those share ports and BPF, so they stay serial). Each
# program's log is printed as one block when it ends. TEST_LOG_DIR: where logs go.
set -u

tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log_dir=${TEST_LOG_DIR:-${BUILD:-build}/test-logs}
mkdir -p "$log_dir"
results=$(mktemp)
print_lock=$results.lock
lanes=()

seconds_now() { date +%s.%N; }

# kind_of PROGRAM: unit, asan, live, lab, package, script or fuzz.
kind_of() {
	case $1 in
	fuzz:*) echo fuzz ;;
	*/run-lab-tests.sh) echo lab ;;
	*/test_deb.sh) echo package ;;
	*.sh) echo script ;;
	*/asan/*) echo asan ;;
	*) if [ -f "$tests_dir/live/$(basename "$1").c" ]; then echo live; else echo unit; fi ;;
	esac
}

limit_of() {
	if [ -n "${TEST_TIMEOUT_S:-}" ]; then
		echo "$TEST_TIMEOUT_S"
		return
	fi
	case $1 in
	unit) echo "${TEST_TIMEOUT_UNIT_S:-120}" ;;
	asan) echo "${TEST_TIMEOUT_ASAN_S:-300}" ;;
	live) echo "${TEST_TIMEOUT_LIVE_S:-300}" ;;
	lab) echo "${TEST_TIMEOUT_LAB_S:-1200}" ;;
	script) echo "${TEST_TIMEOUT_SCRIPT_S:-300}" ;;
	package) echo "${TEST_TIMEOUT_PACKAGE_S:-900}" ;;
	fuzz) echo $((${FUZZ_SECONDS:-30} + 120)) ;;
	esac
}

kill_after_of() {
	if [ "$1" = lab ]; then echo "${TEST_KILL_AFTER_S:-90}"; else echo "${TEST_KILL_AFTER_S:-30}"; fi
}

# where_in LOG: the test a program was in when it stopped: the last "[ RUN ]" without its
# "[ OK ]"/"[ FAILED ]", or the log's last line.
where_in() {
	local test
	test=$(awk '/^\[ RUN      \] /{t=$4} /^\[       OK \] |^\[  FAILED  \] [^0-9]/{if ($4==t) t=""} END{print t}' "$1")
	if [ -n "$test" ]; then
		echo "in test $test"
	else
		echo "after: $(grep -v '^[[:space:]]*$' "$1" | tail -n 1)"
	fi
}

# group_members PGID: the processes still in that group, zombies aside (init reaps those).
group_members() {
	ps -e -o pid=,pgid=,stat=,args= | awk -v g="$1" '$2 == g && $3 !~ /^Z/'
}

count() { sed -n "s/^\[  $1 *\] \([0-9]*\) test.*/\1/p" "$2" | awk '{s+=$1} END {print s+0}'; }

# run_one PROGRAM: runs it under its limit, then prints its block and appends "P F S NAME" to
# the results.
run_one() {
	local t=$1 kind bin log limit kill_after pid rc start elapsed p=0 f=0 s=0 notes="" left
	kind=$(kind_of "$t")
	bin=${t#fuzz:}
	limit=$(limit_of "$kind")
	kill_after=$(kill_after_of "$kind")
	log="$log_dir/$(echo "$bin" | tr '/' '_').log"
	start=$(seconds_now)
	if [ "$kind" = fuzz ]; then
		mkdir -p "$bin.corpus"
		timeout --kill-after="$kill_after" "$limit" "$bin" -max_total_time="${FUZZ_SECONDS:-30}" \
			-print_final_stats=1 "$bin.corpus" >"$log" 2>&1 </dev/null &
	else
		timeout --kill-after="$kill_after" "$limit" "$bin" >"$log" 2>&1 </dev/null &
	fi
	pid=$! # timeout makes itself a process group leader: this is the group's id
	echo "$bin" >"$results.running.$pid" # for on_signal, while the group may have members
	wait "$pid"
	rc=$?
	elapsed=$(awk -v a="$start" -v b="$(seconds_now)" 'BEGIN { printf "%.1f", b - a }')
	# timeout: 124 when SIGTERM ended it, 128+9 when SIGKILL had to.
	if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && awk -v e="$elapsed" -v l="$limit" 'BEGIN { exit !(e >= l) }'; }; then
		notes+="!! $bin TIMED OUT after ${limit} s ($(where_in "$log")); its process group was killed"$'\n'
		f=1
	fi
	left=$(group_members "$pid")
	if [ -n "$left" ]; then
		kill -KILL -- "-$pid" 2>/dev/null
		notes+="!! $bin left processes running in its group, killed now:"$'\n'"$left"$'\n'
		f=$((f + 1))
	fi
	rm -f "$results.running.$pid"
	if [ "$kind" = fuzz ]; then
		if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ]; then p=1; else f=1; fi
	else
		p=$(count PASSED "$log")
		f=$((f + $(count FAILED "$log")))
		s=$(count SKIPPED "$log")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			# Crashed or exited before cmocka could count: that is a failure of its own.
			notes+="!! $bin exited with status $rc"$'\n'
			f=1
		fi
	fi
	{
		flock 9
		if [ "$kind" = fuzz ]; then
			echo "== fuzz smoke: $bin for ${FUZZ_SECONDS:-30}s (${elapsed} s)"
			if [ "$f" -eq 0 ]; then tail -n 3 "$log"; else tail -n 40 "$log"; fi
		else
			echo "== $bin (${elapsed} s)"
			cat "$log"
		fi
		printf '%s' "$notes"
		echo "$p $f $s $bin" >>"$results"
	} 9>>"$print_lock"
}

# run_lane PROGRAM...: one after the other.
run_lane() {
	local t
	for t in "$@"; do run_one "$t"; done
}

# Interrupted (Ctrl-C, or a time limit around this script): every running program's group
# gets the signal too, then the totals so far.
on_signal() {
	local group
	trap - INT TERM
	[ ${#lanes[@]} -gt 0 ] && kill -TERM "${lanes[@]}" 2>/dev/null # no next program
	for group in "$results".running.*; do
		[ -e "$group" ] || continue
		kill -TERM -- "-${group##*.}" 2>/dev/null
		echo "!! $(cat "$group") interrupted, its process group killed (log: $log_dir)"
		echo "0 1 0 $(cat "$group")" >>"$results"
	done
	wait
	summary
	exit 130
}

summary() {
	local passed failed skipped names
	read -r passed failed skipped < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$results")
	names=$(awk '$2 > 0 {print $4}' "$results" | paste -sd' ')
	[ -n "$names" ] && echo "failed: $names"
	echo "total: $passed passed, $failed failed, $skipped skipped"
	rm -f "$results" "$results".running.* "$print_lock"
	[ "$failed" -eq 0 ]
}

trap on_signal INT TERM
if [ "${TEST_JOBS:-1}" -ge 2 ]; then
	fast=() serial=()
	for t in "$@"; do
		case $(kind_of "$t") in
		unit | asan | fuzz) fast+=("$t") ;;
		*) serial+=("$t") ;;
		esac
	done
	run_lane "${fast[@]}" &
	lanes+=($!)
	run_lane "${serial[@]}" &
	lanes+=($!)
	wait
else
	run_lane "$@"
fi
summary
