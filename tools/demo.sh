#!/usr/bin/env bash
# make demo: the classic failure on the built-in lab (tools/lab), traced by siptrail live.
# The carrier calls in over TLS, the connection goes idle and the sbc closes it, the sbc's
# BYE needs a new connection in the reverse direction, and the carrier does not trust the
# leaf-only chain the sbc presents as TLS client: the BYE is lost.
set -euo pipefail
siptrail=${1:?usage: tools/demo.sh PATH/TO/siptrail}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/demo

if [ "$(id -u)" -ne 0 ]; then
	echo "make demo: needs root (it creates network namespaces and loads eBPF programs)" >&2
	exit 2
fi

cat <<TEXT
siptrail demo: a TLS SIP trunk between two Kamailio proxies ("carrier" and "sbc"), each in
its own network namespace, with SIPp placing and answering the call. siptrail runs live in
the sbc's namespace, as it would on a real SBC.

  1. the carrier calls in: it opens the TLS connection, so it is the TLS client;
  2. the call is held 14 s; the sbc closes the idle connection after about 11 s;
  3. the sbc hangs up: its BYE needs a new connection, now with the sbc as TLS client;
  4. the sbc sends only its leaf certificate, and the carrier does not trust it.

Running the call (about 30 s)...
TEXT

"$root/tools/lab/scenario" --initiator carrier --bye-by sbc --hold 14 --idle-sbc 2 \
	--sbc-chain leaf-only --siptrail "$siptrail" --out "$out" >"$out.log" 2>&1 || {
	echo "make demo: the lab call did not run; see $out.log" >&2
	tail -5 "$out.log" >&2
	exit 2
}

echo
echo "== what siptrail live printed (build/demo/trace.log)"
cat "$out/trace.log"
echo
echo "== siptrail explain build/demo/journal.jsonl"
"$siptrail" explain "$out/journal.jsonl" || true
if "$siptrail" timeline --help >/dev/null 2>&1; then
	call_id=$(sed -n 's/^{"id":"[A-Z_]*","call_id":"\([^"]*\)".*/\1/p' "$out/explain.json" | head -1)
	if [ -n "$call_id" ]; then
		echo
		echo "== siptrail timeline build/demo/journal.jsonl --call-id $call_id"
		"$siptrail" timeline "$out/journal.jsonl" --call-id "$call_id" || true
	fi
fi
cat <<TEXT

The journal is $out/journal.jsonl (JSON lines, docs/journal.md); the Kamailio and SIPp
logs, a capture of the trunk and the lab's own outcome are in $out/.
To run siptrail on your own SBC instead: see "Usage" in README.md.
TEXT
