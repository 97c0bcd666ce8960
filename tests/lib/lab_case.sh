# shellcheck shell=bash
# Sourced by the shell tests that run one case of the lab (tools/lab/cases) with a tracer of
# their own (tests/test_deb.sh, tests/test_hep_sipcapture.sh). The test sets $top, the tree's
# top.
#   lab_case_field CASE N   field N of CASE's line: 2 its scenario options, 3 its outcome
# shellcheck disable=SC2154 # $top: the test's
lab_case_field() {
	awk -F'|' -v c="$1" -v n="$2" '$1 ~ "^" c " *$" {print $n}' "$top/tools/lab/cases"
}
