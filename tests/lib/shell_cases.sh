# Sourced by the shell tests that print cmocka's counting lines for tests/run.sh
# (tests/test_man.sh, tests/test_install.sh, tests/test_deb.sh). The test sets $work, its
# temporary directory.
#   cases_start N        the header for N cases
#   case_run NAME FUNC   FUNC's output between "[ RUN ]" and its verdict: it failed if it
#                        printed a line starting with "!!". FUNC runs in this shell, so the
#                        variables it sets stay for the next cases.
#   cases_end            the totals; returns 1 if a case failed
cases_passed=0
cases_failed=()

cases_start() { echo "[==========] Running $1 test(s)."; }

case_run() {
	echo "[ RUN      ] $1"
	"$2" >"$work/case.out" 2>&1
	cat "$work/case.out"
	if grep -q '^!!' "$work/case.out"; then
		echo "[  FAILED  ] $1"
		cases_failed+=("$1")
	else
		echo "[       OK ] $1"
		cases_passed=$((cases_passed + 1))
	fi
}

cases_end() {
	echo "[  PASSED  ] $cases_passed test(s)."
	[ ${#cases_failed[@]} -eq 0 ] && return 0
	echo "[  FAILED  ] ${#cases_failed[@]} test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${cases_failed[@]}"
	return 1
}
