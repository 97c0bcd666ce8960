#!/usr/bin/env bash
# PID 1 of the namespaces tests/lib/systemd_ns.sh makes (a PID, mount, UTS and cgroup
# namespace): prepares what systemd needs of a container, then becomes systemd.
#   a /run of its own (tmpfs), the PID namespace's /proc, a cgroup2 hierarchy rooted at the
#   test's cgroup, /sys and /proc/sys read-only (no udev, no sysctl writes to the host);
#   every unit a target of this machine wants is masked but the journal's (in
#   /run/systemd/system.control, which outranks /etc): the file system is the host's, and a
#   boot must not clean its /tmp (systemd-tmpfiles-setup), add its users, run its timers
#   (apt-daily) or start its services (PostgreSQL, Kamailio). Units started by hand run.
# Usage: systemd_ns_init.sh CONSOLE_FILE, which stands in for /dev/console.
set -euo pipefail

mount --make-rprivate /
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t tmpfs -o mode=0755 tmpfs /sys/fs/cgroup
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mount -o remount,bind,ro /sys
# the lab makes it writable in its own mount namespace (tests/lib/systemd_ns.sh)
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
mount --bind "$1" /dev/console

mkdir -p /run/systemd/system.control
for unit in $(find /etc/systemd/system /lib/systemd/system -path '*.target.wants/*' \
	-printf '%f\n' | sort -u); do
	case $unit in
	systemd-journald* | *.target) ;;
	*) ln -s /dev/null "/run/systemd/system.control/$unit" ;;
	esac
done

exec env -i container=siptrail-test /lib/systemd/systemd --unit=basic.target </dev/null
