# shellcheck shell=bash
# Sourced by tests/test_deb.sh: a real systemd, booted as PID 1 of namespaces the test makes,
# to start the package's unit with `systemctl` on a machine whose own PID 1 is not systemd.
# The file system, the network and the kernel are the host's; /run, /proc, the cgroups and
# the hostname are the namespaces' own (tests/lib/systemd_ns_init.sh). The test sets $work,
# its temporary directory, and $top, the tree's top.
#   systemd_ns_boot       boots it (basic.target) and waits until it runs; sets systemd_pid
#   systemd_ns CMD...     runs CMD in its mount and PID namespaces: systemctl, journalctl,
#                         dpkg (whose scripts then talk to this systemd)
#   systemd_ns_lab CMD... runs CMD in its PID namespace and a copy of its mount namespace
#                         where /proc/sys is writable: the lab sets its network namespaces'
#                         sysctls, systemd must not set the host's
#   systemd_ns_halt       powers it off (SIGRTMIN+4, as `machinectl poweroff` does) and
#                         removes its cgroups
# shellcheck disable=SC2154 # $work and $top: the test's
systemd_pid=""
systemd_cgroup=""

# cgroup2_root: where this machine mounts cgroup2 (a hybrid layout has it under unified/).
cgroup2_root() {
	findmnt -n -t cgroup2 -o TARGET | head -n 1
}

systemd_ns_boot() {
	local root unshare_pid i
	root=$(cgroup2_root)
	[ -n "$root" ] || { echo "!! no cgroup2 hierarchy mounted here" && return 1; }
	systemd_cgroup=$root/siptrail-test-$$
	mkdir -p "$systemd_cgroup"
	: >"$work/console"
	# CAP_SYS_MODULE and CAP_SYS_TIME out of its bounding set: it loads no module and sets
	# no clock on the host (units asking for them are skipped)
	(
		echo "$BASHPID" >"$systemd_cgroup/cgroup.procs"
		exec unshare --pid --fork --mount --uts --cgroup --kill-child -- \
			setpriv --bounding-set=-sys_module,-sys_time \
			"$top/tests/lib/systemd_ns_init.sh" "$work/console"
	) >"$work/systemd.log" 2>&1 &
	unshare_pid=$!
	for ((i = 0; i < 100; i++)); do
		systemd_pid=$(pgrep -P "$unshare_pid" -x systemd)
		[ -n "$systemd_pid" ] && break
		sleep 0.1
	done
	if [ -z "$systemd_pid" ]; then
		echo "!! systemd did not start: $(tail -n 5 "$work/systemd.log")"
		return 1
	fi
	# is-system-running --wait: until the boot's jobs are done ("running" or "degraded")
	for ((i = 0; i < 100; i++)); do
		[ -S "/proc/$systemd_pid/root/run/systemd/private" ] && break
		sleep 0.1
	done
	timeout 30 nsenter -t "$systemd_pid" -m -p systemctl is-system-running --wait \
		>"$work/systemd.state" 2>&1
	grep -qx running "$work/systemd.state" ||
		echo "!! systemd did not boot: $(cat "$work/systemd.state");" \
			"$(systemd_ns systemctl --failed --no-legend --plain 2>&1)"
}

systemd_ns() {
	nsenter -t "$systemd_pid" -m -p -- "$@"
}

systemd_ns_lab() {
	# shellcheck disable=SC2016 # $@ of the inner shell
	systemd_ns unshare --mount -- sh -c 'mount -o remount,bind,rw /proc/sys && exec "$@"' lab "$@"
}

systemd_ns_halt() {
	local i
	if [ -n "$systemd_pid" ] && kill -RTMIN+4 "$systemd_pid" 2>/dev/null; then
		for ((i = 0; i < 100; i++)); do
			[ -d "/proc/$systemd_pid" ] || break
			sleep 0.1
		done
		# its PID namespace ends with it
		kill -KILL "$systemd_pid" 2>/dev/null
	fi
	systemd_pid=""
	[ -n "$systemd_cgroup" ] && [ -d "$systemd_cgroup" ] &&
		find "$systemd_cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
	systemd_cgroup=""
}
