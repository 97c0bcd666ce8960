#!/bin/sh
# tests/kernels/guest.sh: the kernel matrix's tests inside a QEMU guest (busybox sh, run by
# tools/kernels/init). It only acts and records; tests/kernels/run-kernel-tests.sh, on the
# host, reads the record and asserts. The record is sections, each between
#   ===== BEGIN NAME
#   ===== END NAME rc=STATUS
# on the results serial port.
#
# One `siptrail live --json` traces everything below, on its default ports 5060 and 5061:
#   conn-a   plain TCP to 5060 with a SIP OPTIONS (256 bytes); the client closes after 1.5 s
#            idle (client: out, closed_by local; server: in, closed_by peer)
#   conn-b   plain TCP to 5060 with "hello" (5 bytes); the server closes after 1.5 s idle
#   tls      openssl s_server on 5061 and s_client sending a SIP OPTIONS inside TLS, through
#            the guest's /usr/lib/x86_64-linux-gnu/libssl.so.3; the server closes about 2 s
#            later with a close_notify (client: closed_by peer; server: closed_by local)
# and its stderr carries the degraded-mode notices. Then a second `siptrail live` runs in a PID
# namespace of its own (pidns_inside) with one plain connection on 5062. If siptrail live does not start, its
# verbose output (libbpf's log, the verifier's) is recorded instead.

LIVE_START_TIMEOUT_S=90
IDLE_S=1.5
IDLE_WHOLE_S=${IDLE_S%.*}

section() {
	local name=$1 rc
	shift
	echo "===== BEGIN $name"
	"$@"
	rc=$?
	echo "===== END $name rc=$rc"
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# Waits until a TCP socket listens on port $1 (at most 10 s).
wait_listen() {
	local i=0
	while ! netstat -ltn 2>/dev/null | grep -q ":$1 "; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		usleep 100000
	done
}

# Waits until siptrail live ($1, its stderr in $2) says it is tracing, or exits.
wait_tracing() {
	local pid=$1 i=0
	while ! grep -q 'tracing TCP ports' "$2" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || return 1
		i=$((i + 1))
		[ $i -gt $((LIVE_START_TIMEOUT_S * 10)) ] && return 1
		usleep 100000
	done
}

# Waits (at most $2 s) for process $1 to end; kills it if it does not.
wait_or_kill() {
	local pid=$1 i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt $(($2 * 10)) ]; then
			echo "pid $pid still running after $2 s: killed"
			kill -9 "$pid"
			return 1
		fi
		usleep 100000
	done
}

sip_options() { # $1: the transport in Via, $2: a tag making Via, From and Call-ID unique
	printf 'OPTIONS sip:kernels@127.0.0.1 SIP/2.0\r\n'
	printf 'Via: SIP/2.0/%s 127.0.0.1:%s;branch=z9hG4bK-kernels-%s\r\n' "$1" "$2" "$2"
	printf 'Max-Forwards: 70\r\nFrom: <sip:guest@127.0.0.1>;tag=%s\r\n' "$2"
	printf 'To: <sip:kernels@127.0.0.1>\r\nCall-ID: kernels-%s@guest\r\n' "$2"
	printf 'CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
}

# busybox nc ends a connection when its standard input ends, so the side whose input ends
# first closes first. (Its input must not be /dev/null, a background job's default.)
conn_client_closes() {
	sleep $((IDLE_WHOLE_S + 1)) | nc -l -p 5060 >/tmp/conn-a.server &
	local server=$!
	wait_listen 5060 || return 1
	(
		sip_options TCP 5060
		sleep $IDLE_S
	) | nc 127.0.0.1 5060
	wait_or_kill $server 5
}

conn_server_closes() {
	sleep $IDLE_S | nc -l -p 5060 >/dev/null &
	local server=$!
	wait_listen 5060 || return 1
	(
		printf 'hello'
		sleep $((IDLE_WHOLE_S + 1))
	) | nc 127.0.0.1 5060
	wait_or_kill $server 5
}

tls_options() {
	pki /tmp guest --cn guest.kernels.test || return 1 # /tmp/guest.pem, /tmp/guest.key
	# s_server closes (close_notify, then FIN) when its input ends, IDLE_WHOLE_S + 1 s after
	# it printed the OPTIONS it read (a slow guest can take a second for the handshake, so
	# not counted from its start); s_client -quiet ignores the end of its input and waits.
	: >/tmp/tls.server
	(
		i=0
		while ! grep -q OPTIONS /tmp/tls.server && [ $i -lt 100 ]; do
			i=$((i + 1))
			usleep 100000
		done
		sleep $((IDLE_WHOLE_S + 1))
	) | openssl s_server -accept 5061 -cert /tmp/guest.pem \
		-key /tmp/guest.key -naccept 1 -quiet >/tmp/tls.server 2>&1 &
	local server=$!
	wait_listen 5061 || return 1
	sip_options TLS 5061 | openssl s_client -connect 127.0.0.1:5061 -quiet >/tmp/tls.client 2>&1
	local rc=$?
	wait_or_kill $server 5
	echo "server read:"
	cat /tmp/tls.server
	return $rc
}

main() {
	local t0 live rc
	section kernel sh -c 'uname -r; uname -v; echo "uptime_s $(cut -d" " -f1 /proc/uptime)"'

	section check siptrail check

	t0=$(uptime_s)
	siptrail live --json >/tmp/live.json 2>/tmp/live.err &
	live=$!
	if wait_tracing $live /tmp/live.err; then
		echo "live_start_s $t0 $(uptime_s)"
		section conn-a conn_client_closes
		section conn-b conn_server_closes
		section tls tls_options
		kill -INT $live
	else
		echo "live_start_s $t0 failed"
	fi
	wait_or_kill $live 30
	wait $live
	rc=$?
	section live-stderr cat /tmp/live.err
	section live-json cat /tmp/live.json
	echo "===== live-exit rc=$rc"

	if ! grep -q 'tracing TCP ports' /tmp/live.err; then
		# Why it did not start: libbpf's debug output with the verifier's log. Long logs
		# keep their start and their end, where the verifier says what it refused.
		siptrail live -v --duration 1 >/tmp/live-v.out 2>&1
		section live-verbose awk -v max=3000 '
			{ line[NR] = $0 }
			END {
				for (i = 1; i <= NR; i++) {
					if (NR > max && i == max / 2 + 1) {
						print "[... " NR - max " lines left out ...]"
						i = NR - max / 2 + 1
					}
					print line[i]
				}
			}' /tmp/live-v.out
	fi
	section pidns unshare -p -f -m --mount-proc sh "$0" pidns
	echo "===== done uptime_s $(uptime_s)"
}

# siptrail live in a PID namespace with its own /proc, as in a container that does not share
# the host's PIDs (main runs this script again as pid 1 there): one plain connection on 5062,
# whose pids must be the namespace's, which the BPF programs give through
# bpf_get_ns_current_pid_tgid (bpf/task_pid.h), a path the verifier checks only then.
pidns_inside() {
	local live server client rc
	siptrail live --json --ports 5062 >/tmp/pidns.json 2>/tmp/pidns.err &
	live=$!
	if ! wait_tracing $live /tmp/pidns.err; then
		cat /tmp/pidns.err
		return 1
	fi
	sleep 1 | nc -l -p 5062 >/dev/null &
	server=$!
	wait_listen 5062 || return 1
	printf 'hello' | nc 127.0.0.1 5062 &
	client=$!
	wait_or_kill $client 5
	wait_or_kill $server 5
	kill -INT $live
	wait_or_kill $live 30
	wait $live
	rc=$?
	echo "pidns pids: self=$$ server=$server client=$client live_rc=$rc"
	cat /tmp/pidns.err /tmp/pidns.json
}

if [ "$1" = pidns ]; then
	pidns_inside
else
	main
fi
