#!/usr/bin/env bash
# The man pages in man/: each renders with man(1) and groff without a warning, every command
# `siptrail --help` lists has its page siptrail-COMMAND.1 that siptrail(1) names, and every
# option a command's --help lists is in its page. Prints cmocka's counting lines for
# tests/run.sh.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-build}
[ "${build:0:1}" = / ] || build=$top/$build
siptrail=$build/siptrail
work=$(mktemp -d /tmp/siptrail-man-XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/lib/shell_cases.sh
. "$top/tests/lib/shell_cases.sh"

# rendered PAGE: the page as man shows it, plain ASCII, no line breaks within a paragraph
# (so no hyphenation splits an option).
rendered() { LANG=C MANWIDTH=1000 man -l "$1" 2>/dev/null; }

commands() { "$siptrail" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'; }

man_pages_render() {
	local page warnings
	for page in "$top"/man/*.1; do
		warnings=$(LANG=C.UTF-8 MANWIDTH=80 man --warnings=all -l "$page" 2>&1 >/dev/null;
			groff -man -ww -z "$page" 2>&1)
		[ -n "$warnings" ] && echo "!! $(basename "$page"): $warnings"
		rendered "$page" | grep -q '^NAME' || echo "!! $(basename "$page") renders no NAME section"
	done
}

man_page_per_command() {
	local command main
	main=$(rendered "$top/man/siptrail.1")
	[ -n "$(commands)" ] || echo "!! $siptrail --help lists no commands"
	for command in $(commands); do
		[ -f "$top/man/siptrail-$command.1" ] || echo "!! no page man/siptrail-$command.1"
		grep -qF "siptrail-$command(1)" <<<"$main" || echo "!! siptrail(1) does not name siptrail-$command(1)"
	done
}

# Options as --help writes them: -x or --name after a blank, a comma, '(', '[', '|' or '/'.
man_options_documented() {
	local command option page
	for command in $(commands); do
		page=$top/man/siptrail-$command.1
		[ -f "$page" ] || continue
		rendered "$page" >"$work/page"
		"$siptrail" "$command" --help 2>&1 | grep -oE '(^|[ ,(\[|/])--?[A-Za-z?][A-Za-z0-9-]*' |
			sed 's/^[ ,(\[|/]//' | sort -u | while read -r option; do
			grep -qE -- "(^|[^A-Za-z0-9-])$(sed 's/?/\\?/' <<<"$option")([^A-Za-z0-9-]|$)" "$work/page" ||
				echo "!! siptrail $command --help lists $option; siptrail-$command(1) does not"
		done
	done
}

cases_start 3
if [ ! -x "$siptrail" ]; then
	echo "!! $siptrail is not built"
	echo "[  FAILED  ] 3 test(s), listed below:"
	exit 1
fi
case_run man_pages_render man_pages_render
case_run man_page_per_command man_page_per_command
case_run man_options_documented man_options_documented
cases_end
