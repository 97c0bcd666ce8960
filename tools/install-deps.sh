#!/usr/bin/env bash
# Installs the Debian packages siptrail builds and tests with, only those missing.
# Called by `make deps` (and so by `make test` and `make demo`). zlib, libzstd: compressed
# captures and journals. chromium: the HTML timeline test; qemu-system-x86, busybox-static,
# cpio, jq: the kernel matrix (tests/kernels/); prometheus-node-exporter: serves the metrics
# file in tests/live/test_live_metrics.c; postgresql, kamailio-postgres-modules, python3: the
# HEP receiver test (tests/test_hep_sipcapture.sh); debhelper, dpkg-dev, build-essential: `make
# deb` (dpkg-buildpackage with debian/); systemd (systemd-analyze): the package test
# (tests/test_deb.sh) verifies the service unit; man-db: tests/test_man.sh renders the man pages.
set -euo pipefail

packages=(
	make clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev libssl-dev openssl
	libcmocka-dev libjansson-dev libpcap-dev libcap-dev pkg-config iproute2
	tshark tcpdump kamailio kamailio-tls-modules sip-tester libbpf-tools
	prometheus-node-exporter postgresql kamailio-postgres-modules python3 systemd
	debhelper dpkg-dev build-essential man-db
	chromium
	qemu-system-x86 busybox-static cpio jq
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "siptrail: missing packages: ${missing[*]}" >&2
	echo "siptrail: run 'make deps' as root, or install them with apt-get" >&2
	exit 1
fi
echo "siptrail: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
