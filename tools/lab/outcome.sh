#!/usr/bin/env bash
# tools/lab/outcome.sh DIR KEY=VALUE...: the outcome of one lab call as KEY=VALUE lines,
# from the Kamailio logs, the SIPp exit codes (given) and the capture on the sbc's veth.
set -euo pipefail

dir=$1
shift
declare -A given
for pair in "$@"; do given[${pair%%=*}]=${pair#*=}; done
initiator=${given[initiator]} bye_by=${given[bye_by]} refresher_side=${given[refresher_side]}

log_count() { grep -c -- "$2" "$dir/$1/kamailio.log" 2>/dev/null || true; }

# The first OpenSSL error reason a side's Kamailio logged, dashes for spaces.
tls_error() {
	grep -o 'error:[0-9A-F]*:SSL routines::[a-z0-9 ]*' "$dir/$1/kamailio.log" 2>/dev/null |
		head -1 | sed 's/.*:://; s/ *$//; s/ /-/g' | grep . || echo none
}

# The first failed TCP connect a side's Kamailio logged: its errno text, dashes for spaces.
connect_error() {
	grep -o ': connect [0-9.:]* failed.*' "$dir/$1/kamailio.log" 2>/dev/null | head -1 |
		sed 's/.*) //; s/ *$//; s/ /-/g' | grep . || echo none
}

if [ "${given[uac_rc]}" = 0 ] && [ "${given[uas_rc]}" = 0 ]; then call=completed; else call=failed; fi
setup=failed bye=none
[ "$(log_count "$initiator" 'lab-reply 200 INVITE')" -gt 0 ] && setup=ok
if [ $setup = ok ]; then
	bye=lost
	[ "$(log_count "$bye_by" 'lab-reply 200 BYE')" -gt 0 ] && bye=ok
fi
refreshes=none
if [ "$refresher_side" != none ]; then
	if [ "${given[refresh_method]}" = update ]; then
		done_n=$(log_count "$refresher_side" 'lab-reply 200 UPDATE')
	else
		done_n=$(($(log_count "$refresher_side" 'lab-reply 200 INVITE') - 1))
		[ $done_n -lt 0 ] && done_n=0
	fi
	refreshes=$done_n/${given[refreshes_expected]}
fi

echo "call=$call"
echo "setup=$setup"
echo "bye=$bye"
echo "refreshes=$refreshes"
echo "uac_rc=${given[uac_rc]}"
echo "uas_rc=${given[uas_rc]}"

# Connections on the veth, in order: who opened each (the TLS client), refusals,
# plaintext TLS alerts (TLS 1.3 client alerts and every TLS 1.2 handshake alert),
# the negotiated version, and who closed the first connection after how long idle.
tshark -r "$dir/veth.pcap" -T fields -E separator=/t -E occurrence=f \
	-e tcp.stream -e frame.time_relative -e ip.src -e tcp.dstport -e tcp.flags.syn \
	-e tcp.flags.ack -e tcp.flags.fin -e tcp.flags.reset -e tcp.len \
	-e tls.alert_message.desc -e tls.handshake.extensions.supported_version \
	-e tls.handshake.type 2>/dev/null |
	awk -F'\t' -v sbc_ip=10.99.0.1 '
	function side(ip) { return ip == sbc_ip ? "sbc" : "carrier" }
	function alert_name(d) {
		if (d == 40) return "handshake_failure"; if (d == 42) return "bad_certificate"
		if (d == 45) return "certificate_expired"; if (d == 46) return "certificate_unknown"
		if (d == 48) return "unknown_ca"; if (d == 116) return "certificate_required"
		return "alert" d
	}
	{
		s = $1; t = $2; from = side($3)
		if ($5 == 1 && $6 == 0 && !(s in opener)) {
			opener[s] = from; order[++n] = s
			opens = opens (opens == "" ? "" : ",") from ">" (from == "sbc" ? "carrier" : "sbc") ":" $4
		}
		if ($5 == 1 && $6 == 1) accepted[s] = 1
		if ($8 == 1 && !(s in accepted) && !(s in refused)) { refused[s] = 1; nrefused++ }
		# Idle time before a close: from the end of the last burst of data to the
		# FIN, not counting the close_notify records that come just before a FIN.
		if ($7 == 1 && !(s in closer)) {
			ref = (t - last_data[s] < 0.5) ? burst_ref[s] : last_data[s]
			closer[s] = from "@" sprintf("%.1f", ref == "" ? 0 : t - ref)
		}
		if ($9 > 0) {
			if (last_data[s] != "" && t - last_data[s] > 0.5) burst_ref[s] = last_data[s]
			last_data[s] = t
		}
		if ($10 != "") alerts = alerts (alerts == "" ? "" : ",") alert_name($10) "@" from
		if ($12 ~ /(^|,)2(,|$)/ && version == "")
			version = ($11 ~ /0x0304/) ? "1.3" : "1.2"
	}
	END {
		print "conns=" n + 0
		print "opens=" (opens == "" ? "none" : opens)
		print "refused=" nrefused + 0
		print "alerts=" (alerts == "" ? "none" : alerts)
		print "tls=" (version == "" ? "none" : version)
		print "close1=" ((order[1] in closer) ? closer[order[1]] : "none")
	}'

echo "tls_err_sbc=$(tls_error sbc)"
echo "tls_err_carrier=$(tls_error carrier)"
echo "connect_err_sbc=$(connect_error sbc)"
echo "connect_err_carrier=$(connect_error carrier)"
echo "trace_rc=${given[trace_rc]}"
echo "verdict=${given[verdict]:-none}"
echo "warnings=${given[warnings]:-none}"
echo "tls_sip=${given[tls_sip]:-none}"
echo "replay=${given[replay]:-none}"
echo "metrics=${given[metrics]:-none}"
echo "elapsed_s=${given[elapsed_s]}"
