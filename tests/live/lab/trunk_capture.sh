#!/usr/bin/env bash
# Records a real trunk failure on loopback with real peers, for `siptrail replay`:
#   local host "sbc" 127.0.0.1, carrier 127.0.0.2, PBX 127.0.0.3.
# 1. the carrier (sipp, TCP) calls the sbc (sipp UAS on 127.0.0.1:5060): the carrier opened
#    the connection, so it is the TLS client of the trunk;
# 2. the sbc (sipp, UDP, same Call-ID: a proxy keeps it) calls the PBX (sipp on 127.0.0.3);
# 3. after 6 s without traffic the sbc's side of the carrier connection closes (process ends:
#    FIN from the sbc);
# 4. the PBX hangs up; the sbc must carry the BYE to the carrier on a new connection, in reverse:
#    openssl s_client from 127.0.0.1 to the carrier's s_server 127.0.0.2:5061 (TLS 1.2, leaf
#    only, signed by an intermediate the sbc does not have) fails with unknown_ca;
# 5. the sbc answers the PBX's BYE with 477.
# Usage: trunk_capture.sh OUTDIR   (writes OUTDIR/trunk.pcap, OUTDIR/root.pem; needs root)
set -euo pipefail
out=${1:?usage: trunk_capture.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# the tests' PKI maker (tools/pki.c), in $BUILD (build) of this tree
pki=$(cd "$here/../../.." && realpath "${BUILD:-build}/tools/pki")
cid="stpost-trunk-call-1@127.0.0.2"
mkdir -p "$out"
cd "$out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# PKI: root -> intermediate -> carrier leaf
"$pki" . root --ca --cn "stpost Root CA"
"$pki" . int --ca --cn "stpost Intermediate CA" --issuer root
"$pki" . carrier --cn carrier.stpost.test --dns carrier.stpost.test --ip 127.0.0.2 --issuer int

tcpdump -i lo --immediate-mode -U -s 0 -w trunk.pcap 'port 5060 or port 5061 or port 5062 or port 5070' \
	>tcpdump.log 2>&1 &
tcpdump_pid=$!
pids+=("$tcpdump_pid")
for _ in $(seq 50); do grep -q "listening on" tcpdump.log && break; sleep 0.1; done

# the carrier's TLS listener (sends only its leaf: the intermediate is missing)
openssl s_server -accept 127.0.0.2:5061 -tls1_2 -cert carrier.pem -key carrier.key -naccept 1 \
	-quiet </dev/null >s_server.log 2>&1 &
pids+=("$!")

sipp_common=(-nostdin -m 1 -timeout 40s -cid_str "$cid")
sipp -sf "$here/uas_hold.xml" -i 127.0.0.1 -p 5060 -t t1 "${sipp_common[@]}" >sbc_in.log 2>&1 &
sbc_in=$!
pids+=("$sbc_in")
sipp -sf "$here/uas_bye.xml" -i 127.0.0.3 -p 5062 -t u1 "${sipp_common[@]}" >pbx.log 2>&1 &
pbx=$!
pids+=("$pbx")
sleep 0.5
sipp -sf "$here/uac_call.xml" -i 127.0.0.2 -p 5090 -t t1 "${sipp_common[@]}" 127.0.0.1:5060 \
	>carrier.log 2>&1 &
pids+=("$!")
sleep 0.3
sipp -sf "$here/uac_call.xml" -i 127.0.0.1 -p 5070 -t u1 "${sipp_common[@]}" 127.0.0.3:5062 \
	>sbc_out.log 2>&1 &
sbc_out=$!
pids+=("$sbc_out")

# 3: idle close by the sbc after 6 s without data
sleep 6
kill "$sbc_in"
# 4: the PBX's BYE comes 7 s after its call was set up; the sbc tries the carrier right after
# it (read from the capture being written), before its 477 (1.5 s after the BYE)
for _ in $(seq 80); do
	tcpdump -r trunk.pcap -A 2>/dev/null | grep -q "BYE sip:" && break
	sleep 0.05
done
echo | openssl s_client -connect 127.0.0.2:5061 -servername carrier.stpost.test -CAfile root.pem \
	-verify_return_error -tls1_2 >s_client.log 2>&1 || true
wait "$sbc_out" || true
sleep 0.3
kill "$tcpdump_pid"
wait "$tcpdump_pid" || true
grep -q "verify error" s_client.log || { echo "s_client did not fail verification" >&2; exit 1; }
