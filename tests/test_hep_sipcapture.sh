#!/usr/bin/env bash
# siptrail live --hep against a real HEP receiver: Kamailio's sipcapture module storing into
# PostgreSQL, both started here (a PostgreSQL cluster of its own in /tmp, run as the postgres
# user, and a Kamailio on loopback), then the rows read back. Traffic: one SIP OPTIONS over
# plain TCP and one inside TLS (Python's ssl, so the libssl probe reads it), each with its own
# Call-ID; then a real trunk failure (tests/live/lab/trunk_capture.sh: sipp peers and an
# openssl s_client whose reverse handshake fails), whose diagnosis siptrail sends as a HEP log
# that sipcapture stores in logs_capture with the call's Call-ID as correlation id
# (hep_sipcapture). Then a Kamailio lab call over TLS (tools/lab/scenario, case
# b-leaf-only-bye-lost) traced by siptrail live --hep in the lab's sbc namespace, sending to
# this sipcapture over a veth link: the call's SIP read inside TLS and its BYE_FAILED are
# rows (hep_lab_tls_call). Prints cmocka's counting lines for tests/run.sh. Needs root and
# BPF: run it under the shared lock (flock /tmp/siptrail-live.lock). It runs in a network
# namespace of its own (the trunk's fixed SIP ports, loopback addresses 127.0.0.1-3).
set -u
if [ -z "${HEP_TEST_NETNS:-}" ]; then
	HEP_TEST_NETNS=1 exec unshare --net -- "$0" "$@"
fi
ip link set lo up

BUILD=${BUILD:-build}
SIPTRAIL=${SIPTRAIL_BIN:-$BUILD/siptrail}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
KAMAILIO_MODULES=$(dirname "$(find /usr/lib -name sipcapture.so -path '*kamailio*' | head -n 1)")
PORT_HEP=25190
PORT_PG=25191
PORT_SIP=25192
PORT_SIPS=25193
# the link to the lab's sbc namespace, which sends HEP from its end
HEP_LINK_IP=10.98.0.1
HEP_LAB_IP=10.98.0.2
lab_case=b-leaf-only-bye-lost
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

work=$(mktemp -d /tmp/siptrail-hep-XXXXXX)
pids=()
# shellcheck source=tests/lib/shell_cases.sh
. "$top/tests/lib/shell_cases.sh"
# shellcheck source=tests/lib/lab_case.sh
. "$top/tests/lib/lab_case.sh"

cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	[ -f "$work/pg/postmaster.pid" ] &&
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "!! $*"
}

if [ ! -x "$PGBIN/initdb" ] || [ ! -f "$KAMAILIO_MODULES/db_postgres.so" ]; then
	echo "[==========] Running 2 test(s)."
	echo "!! needs postgresql and kamailio-postgres-modules (make deps)"
	echo "[  FAILED  ] 2 test(s), listed below:"
	exit 1
fi
chown postgres: "$work"
sql() { runuser -u postgres -- psql -X -q -A -t -h 127.0.0.1 -p "$PORT_PG" -d "${2:-homer}" -c "$1"; }

# receiver_up: PostgreSQL, the link to the lab, and Kamailio with sipcapture.
receiver_up() {
	# --- PostgreSQL: a cluster of its own, TCP on loopback only ---
	runuser -u postgres -- "$PGBIN/initdb" -D "$work/pg" -A trust -U postgres >"$work/initdb.log" 2>&1 ||
		fail "initdb: $(tail -n 3 "$work/initdb.log")"
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
		-o "-k $work -p $PORT_PG -c listen_addresses=127.0.0.1" start >/dev/null ||
		fail "postgres did not start: $(tail -n 5 "$work/pg.log")"
	sql "CREATE DATABASE homer" postgres
	# the columns sipcapture writes (Kamailio 5.6), nothing more demanding than text and numbers
	sql "CREATE TABLE sip_capture (id SERIAL PRIMARY KEY, date TIMESTAMP, micro_ts BIGINT,
		method TEXT, reply_reason TEXT, ruri TEXT, ruri_user TEXT, ruri_domain TEXT,
		from_user TEXT, from_domain TEXT, from_tag TEXT, to_user TEXT, to_domain TEXT,
		to_tag TEXT, pid_user TEXT, contact_user TEXT, auth_user TEXT, callid TEXT,
		callid_aleg TEXT, via_1 TEXT, via_1_branch TEXT, cseq TEXT, diversion TEXT, reason TEXT,
		content_type TEXT, auth TEXT, user_agent TEXT, source_ip TEXT, source_port INT,
		destination_ip TEXT, destination_port INT, contact_ip TEXT, contact_port INT,
		originator_ip TEXT, originator_port INT, expires INT, correlation_id TEXT,
		custom_field1 TEXT, custom_field2 TEXT, custom_field3 TEXT, proto INT, family INT,
		rtp_stat TEXT, type INT, node TEXT, msg TEXT)"
	# where sipcapture puts HEP logs (type 100) by itself, its columns (Kamailio 5.6 hep.c)
	sql "CREATE TABLE logs_capture (id SERIAL PRIMARY KEY, date TIMESTAMP, micro_ts BIGINT,
		correlation_id TEXT, source_ip TEXT, source_port INT, destination_ip TEXT,
		destination_port INT, proto INT, family INT, type INT, node TEXT, msg BYTEA)"

	# --- the link the lab's sbc namespace sends HEP over: its end, hep-lab, goes there ---
	ip link add hep-test type veth peer name hep-lab
	ip addr add "$HEP_LINK_IP/30" dev hep-test
	ip link set hep-test up

	# --- Kamailio: sipcapture takes HEP on UDP and stores the SIP inside ---
	mkdir -p "$work/run"
	cat >"$work/kamailio.cfg" <<-CFG
	#!KAMAILIO
	listen=udp:127.0.0.1:$PORT_HEP
	listen=udp:$HEP_LINK_IP:$PORT_HEP
	children=1
	mpath="$KAMAILIO_MODULES/"
	loadmodule "db_postgres.so"
	loadmodule "sipcapture.so"
	modparam("sipcapture", "db_url", "postgres://postgres@127.0.0.1:$PORT_PG/homer")
	modparam("sipcapture", "capture_on", 1)
	modparam("sipcapture", "hep_capture_on", 1)
	modparam("sipcapture", "insert_retries", 1)
	request_route { sip_capture(); drop; }
	onreply_route { sip_capture(); drop; }
	CFG
	kamailio -f "$work/kamailio.cfg" -DD -E -Y "$work/run" -P "$work/run/kamailio.pid" \
		>"$work/kamailio.log" 2>&1 &
	pids+=($!)
}

# rows CALL_ID: the call's sip_capture rows, "METHOD-OR-STATUS SRC:PORT DST:PORT proto=N node=NODE".
rows() { sql "SELECT method || ' ' || source_ip || ':' || source_port || ' ' || destination_ip ||
	':' || destination_port || ' proto=' || proto || ' node=' || node FROM sip_capture
	WHERE callid = '$1' ORDER BY id"; }

# log_rows CALL_ID: the call's logs_capture rows, "DIAGNOSIS SRC DST type=N node=NODE".
log_rows() { sql "SELECT substring(convert_from(msg, 'UTF8') from '^ *([A-Z_]+)') || ' ' ||
	source_ip || ' ' || destination_ip || ' type=' || type || ' node=' || node
	FROM logs_capture WHERE correlation_id = '$1' ORDER BY id"; }

# bye_failed_log CALL_ID: the text of the call's BYE_FAILED log.
bye_failed_log() { sql "SELECT convert_from(msg, 'UTF8') FROM logs_capture
	WHERE correlation_id = '$1' AND convert_from(msg, 'UTF8') ~ '^ *BYE_FAILED'"; }

hep_sipcapture() {
	# --- siptrail live sending HEP ---
	"$SIPTRAIL" live --ports "$PORT_SIP,$PORT_SIPS,5060-5062" --hep "udp:127.0.0.1:$PORT_HEP" \
		--hep-id 7 --hep-name lab-sbc --duration 60 >"$work/live.out" 2>"$work/live.err" &
	live=$!
	for _ in $(seq 100); do grep -q "tracing TCP ports" "$work/live.err" && break; sleep 0.1; done
	grep -q "tracing TCP ports" "$work/live.err" || fail "siptrail live did not start: $(cat "$work/live.err")"

	# the tests' one PKI maker (tools/pki.c): a CA and the server's leaf
	"$BUILD/tools/pki" "$work" ca --ca --cn sbc-ca >/dev/null &&
		"$BUILD/tools/pki" "$work" sbc --issuer ca --cn sbc.test >/dev/null ||
		fail "the PKI maker failed"
	python3 - "$PORT_SIP" "$PORT_SIPS" "$work" <<-'PY' || fail "the SIP exchange failed"
	import socket, ssl, sys, threading
	port_sip, port_sips, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

	def options(call_id):
	    return ("OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-"
	            + call_id + "\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\n"
	            "Call-ID: " + call_id + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()

	def serve(listener, wrap):
	    conn, _ = listener.accept()
	    conn = wrap(conn)
	    data = b""
	    while not data.endswith(b"\r\n\r\n"):
	        data += conn.recv(4096)
	    conn.sendall(data.replace(b"OPTIONS sip:probe@127.0.0.1 SIP/2.0", b"SIP/2.0 200 OK", 1))
	    conn.close()

	def exchange(port, call_id, server_wrap, client_wrap):
	    listener = socket.create_server(("127.0.0.1", port))
	    t = threading.Thread(target=serve, args=(listener, server_wrap)); t.start()
	    c = client_wrap(socket.create_connection(("127.0.0.1", port)))
	    c.sendall(options(call_id))
	    reply = b""
	    while not reply.endswith(b"\r\n\r\n"):
	        reply += c.recv(4096)
	    c.close(); t.join(); listener.close()

	server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	server_ctx.load_cert_chain(work + "/sbc.pem", work + "/sbc.key")
	client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	client_ctx.load_verify_locations(work + "/ca.pem")
	client_ctx.check_hostname = False
	exchange(port_sip, "hep-plain-1", lambda s: s, lambda s: s)
	exchange(port_sips, "hep-tls-1", lambda s: server_ctx.wrap_socket(s, server_side=True),
	         lambda s: client_ctx.wrap_socket(s))
	PY
	BUILD=$(realpath "$BUILD") tests/live/lab/trunk_capture.sh "$work/trunk" >"$work/trunk.log" 2>&1 ||
		fail "the trunk failure was not recorded: $(tail -n 3 "$work/trunk.log")"
	sleep 0.5 # the last sockets' ends
	kill -INT "$live" # its end explains the calls still open, and sends their diagnoses
	wait "$live" || fail "siptrail live exited $?: $(tail -n 5 "$work/live.err")"
	grep -q "HEP to udp:127.0.0.1:$PORT_HEP: [1-9][0-9]* packets sent, 0 not sent" "$work/live.err" ||
		fail "siptrail did not send every HEP packet: $(grep HEP "$work/live.err")"
	sleep 1 # sipcapture inserts as the packets come; give the last one a moment

	# --- the rows: each message once per direction it was seen, with the connection's addresses ---
	for call in hep-plain-1 hep-tls-1; do
		port=$PORT_SIP
		[ "$call" = hep-tls-1 ] && port=$PORT_SIPS
		got=$(rows "$call")
		echo "$call:"$'\n'"$got" | sed 's/^/    /'
		# sipcapture's proto is Kamailio's (2: TCP), its node "homer01:" and the HEP capture id
		grep -Eq "^OPTIONS 127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:$port proto=2 node=homer01:7$" <<<"$got" ||
			fail "$call: no OPTIONS row to port $port over TCP"
		grep -Eq "^200 127\.0\.0\.1:$port 127\.0\.0\.1:[0-9]+ proto=2 node=homer01:7$" <<<"$got" ||
			fail "$call: no 200 row from port $port over TCP"
	done

	# --- the trunk call's SIP as the real peers sent it: the carrier's INVITE over TCP ---
	trunk_call=stpost-trunk-call-1@127.0.0.2
	trunk_sip=$(rows "$trunk_call")
	grep -Eq "^INVITE 127\.0\.0\.2:[0-9]+ 127\.0\.0\.1:5060 proto=2 node=homer01:7$" <<<"$trunk_sip" ||
		fail "$trunk_call: no INVITE row from the carrier over TCP"
	grep -Eq "^BYE 127\.0\.0\.3:5062 127\.0\.0\.1:5070 proto=1 node=homer01:7$" <<<"$trunk_sip" ||
		fail "$trunk_call: no BYE row from the PBX over UDP"

	# --- the trunk call's diagnoses: log rows correlated by its Call-ID ---
	# sipcapture's type for a HEP log is 5; a log's source is 0.0.0.0, its destination the peer
	# the diagnosis names (on loopback this host sees both ends: the peer is 127.0.0.1), else 0.0.0.0
	logs=$(log_rows "$trunk_call")
	bye_failed=$(bye_failed_log "$trunk_call")
	echo "$trunk_call (sip_capture):"$'\n'"$trunk_sip" | sed 's/^/    /'
	echo "$trunk_call (logs_capture):"$'\n'"$logs"$'\n'"$(head -n 3 <<<"$bye_failed")" |
		sed 's/^/    /'
	for expected in "BYE_FAILED 0.0.0.0 0.0.0.0" "TLS_INCOMPLETE_CHAIN 0.0.0.0 127.0.0.1" \
		"IDLE_CLOSE_REVERSE 0.0.0.0 127.0.0.1"; do
		grep -qx "$expected type=5 node=homer01:7" <<<"$logs" ||
			fail "$trunk_call: no log row '$expected'"
	done
	grep -q "^ *chain: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE$" <<<"$bye_failed" ||
		fail "$trunk_call: the BYE_FAILED log has not its cause chain"
}

# hep_lab_tls_call: the lab's TLS call, traced in its sbc namespace by siptrail live --hep,
# which sends over the link (its end moved into that namespace by the tracer command).
hep_lab_tls_call() {
	local call_id got logs bye_failed
	cat >"$work/lab-tracer.sh" <<EOF
#!/bin/bash
nsenter --net=/proc/$$/ns/net ip link set hep-lab netns \$\$ || exit 1
ip addr add $HEP_LAB_IP/30 dev hep-lab && ip link set hep-lab up || exit 1
exec $(realpath "$SIPTRAIL") live --ports 5060-5062 --write "\$LAB_OUT/journal.jsonl" \\
	--hep udp:$HEP_LINK_IP:$PORT_HEP --hep-id 8 --hep-name lab-tls
EOF
	chmod 0755 "$work/lab-tracer.sh"
	# shellcheck disable=SC2046 # the case's options, one word each
	LAB_TRACE_CMD="exec $work/lab-tracer.sh" LAB_TRACE_READY='Ctrl-C to stop' \
		LAB_CASE=$lab_case "$top/tools/lab/scenario" --id 96 --out "$work/lab" \
		$(lab_case_field "$lab_case" 2) \
		>"$work/lab.log" 2>&1 || fail "the lab call failed: $(tail -n 3 "$work/lab.log")"
	grep -q '^call=failed' "$work/lab/outcome" 2>/dev/null ||
		fail "the lab's $lab_case call did not fail as it should: $work/lab/outcome"
	grep -q "HEP to udp:$HEP_LINK_IP:$PORT_HEP: [1-9][0-9]* packets sent, 0 not sent" \
		"$work/lab/trace.log" ||
		fail "siptrail did not send every HEP packet: $(grep HEP "$work/lab/trace.log")"
	sleep 1 # sipcapture inserts as the packets come
	call_id=$("$SIPTRAIL" explain "$work/lab/journal.jsonl" 2>/dev/null |
		sed -n 's/^call \([^ ]*\) .*/\1/p' | head -n 1)
	got=$(rows "$call_id")
	logs=$(log_rows "$call_id")
	bye_failed=$(bye_failed_log "$call_id")
	echo "$call_id (sip_capture):"$'\n'"$got"$'\n'"(logs_capture):"$'\n'"$logs"$'\n'"$(
		head -n 3 <<<"$bye_failed")" | sed 's/^/    /'
	# the sbc's INVITE to the carrier and the carrier's 200, read inside TLS on port 5061
	grep -Eq "^INVITE 10\.99\.0\.1:[0-9]+ 10\.99\.0\.2:5061 proto=2 node=homer01:8$" <<<"$got" ||
		fail "$call_id: no INVITE row from the sbc to the carrier's TLS port"
	grep -Eq "^200 10\.99\.0\.2:5061 10\.99\.0\.1:[0-9]+ proto=2 node=homer01:8$" <<<"$got" ||
		fail "$call_id: no 200 row from the carrier's TLS port"
	grep -q "^BYE_FAILED .* type=5 node=homer01:8$" <<<"$logs" ||
		fail "$call_id: no BYE_FAILED log row"
	grep -q "^ *chain: BYE_FAILED <- TLS_UNTRUSTED <- IDLE_CLOSE_REVERSE$" <<<"$bye_failed" ||
		fail "$call_id: the BYE_FAILED log has not its cause chain: $bye_failed"
}

cases_start 3
case_run receiver_up receiver_up
case_run hep_sipcapture hep_sipcapture
case_run hep_lab_tls_call hep_lab_tls_call
if [ ${#cases_failed[@]} -gt 0 ]; then
	echo "--- kamailio.log"
	tail -n 20 "$work/kamailio.log"
fi
cases_end
