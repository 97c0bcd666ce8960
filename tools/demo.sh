#!/usr/bin/env bash
# Interim `make demo`: decodes a shipped sample call with `siptrail decode`. The lab demo (a
# TLS trunk in network namespaces whose BYE gets lost) replaces this once the lab exists.
set -euo pipefail
siptrail=${1:?usage: tools/demo.sh PATH/TO/siptrail}
sample="$(dirname "$0")/samples/tls-trunk-call.sip"

cat <<TEXT
siptrail demo (interim). The lab with a real TLS trunk is not built yet, so this only shows
the SIP decoder on a recorded call: INVITE with Session-Expires 1800 (refresher=uac), 100,
200, a CRLFCRLF keep-alive, ACK, the re-INVITE session refresh, 200, ACK, BYE, 200.

\$ $siptrail decode $sample | jq (one line per message)
TEXT

json=$("$siptrail" decode "$sample")
if ! command -v jq >/dev/null; then
	echo "$json"
	exit 0
fi
jq -r '
	if .kind == "keepalive" then "  keep-alive  \(.length) bytes"
	elif .kind == "request" or .kind == "response" then
		"  \(if .kind == "request" then .method else .status end | tostring | .[0:9] |
		     . + " " * (10 - length))"
		+ "CSeq \(.cseq.seq) \(.cseq.method)  via \(.via[0].transport) \(.via[0].host)"
		+ (if .session_expires then "  Session-Expires \(.session_expires.delta)"
		   + " refresher=\(.session_expires.refresher)" else "" end)
		+ (if (.require | index("timer")) then "  Require: timer" else "" end)
		+ (if .body_len > 0 then "  body \(.body_len) B" else "" end)
		+ (if (.warnings | length) > 0 then "  warnings: \(.warnings | join("; "))" else "" end)
		+ (if .error then "  ERROR: \(.error)" else "" end)
	else "  \(.kind) \(.length) bytes: \(.error)" end' <<<"$json"
echo
echo "The re-INVITE (session refresh) in full:"
jq 'select(.cseq.seq == 102 and .method == "INVITE")' <<<"$json"
echo "(fields: docs/decoder.md)"
