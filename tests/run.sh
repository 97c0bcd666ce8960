#!/usr/bin/env bash
# Runs every test program given and prints one summary line at the end.
# Arguments: cmocka programs, or fuzz:PROGRAM for a short libFuzzer smoke run.
# cmocka's own per-program lines are kept; the totals are summed from them.
set -u

passed=0 failed=0 skipped=0
failed_names=()
log_dir=${BUILD:-build}/test-logs
mkdir -p "$log_dir"

run_cmocka() {
	local bin=$1 log out p f s
	log="$log_dir/$(echo "$bin" | tr '/' '_').log"
	echo "== $bin"
	"$bin" >"$log" 2>&1
	local rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Crashed or exited before cmocka could count: that is a failure of its own.
		echo "!! $bin exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failed_names+=("$bin")
}

run_fuzz() {
	local bin=$1 corpus="${1}.corpus" secs=${FUZZ_SECONDS:-30}
	mkdir -p "$corpus"
	echo "== fuzz smoke: $bin for ${secs}s"
	if "$bin" -max_total_time="$secs" -print_final_stats=1 "$corpus" >"$corpus.log" 2>&1; then
		tail -n 3 "$corpus.log"
		passed=$((passed + 1))
	else
		tail -n 40 "$corpus.log"
		failed=$((failed + 1))
		failed_names+=("$bin")
	fi
}

for t in "$@"; do
	case "$t" in
	fuzz:*) run_fuzz "${t#fuzz:}" ;;
	*) run_cmocka "$t" ;;
	esac
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
