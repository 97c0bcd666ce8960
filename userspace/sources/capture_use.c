/* Packets read = used + the sum of the reasons: each packet is counted once, by what stopped
 * it first (link type, then decoding, then whether it is SIP and whose it is). */
#include <stdio.h>

#include "capture_use.h"

size_t capture_use_reasons(const struct capture_source_stats *stats,
			   struct capture_use_reason out[CAPTURE_USE_REASONS])
{
	const struct capture_replay_stats *r = &stats->replay;
	const struct capture_packet_use *u = &stats->use;
	const struct capture_use_reason reasons[CAPTURE_USE_REASONS] = {
	    {"link_type", "on a link type not decoded", r->other_linktype},
	    {"not_ip", "not IP", r->not_ip},
	    {"unknown_encap", "in a tunnel not decoded", r->unknown_encap},
	    {"not_tcp_udp", "neither TCP, UDP nor SCTP", r->not_tcp_udp},
	    /* a rebuilt datagram is counted with the fragment that completed it */
	    {"ip_fragment", "IP fragments", r->fragments - r->reassembled},
	    {"truncated", "truncated", r->truncated},
	    {"malformed", "malformed", r->malformed},
	    {"not_sip", "UDP not SIP", u->not_sip},
	    {"not_in_ports", "outside --ports", u->not_in_ports},
	    {"not_local", "not to or from the local host", u->not_local},
	};

	for (size_t i = 0; i < CAPTURE_USE_REASONS; i++)
		out[i] = reasons[i];
	return CAPTURE_USE_REASONS;
}

void capture_use_text(const char *path, const struct capture_source_stats *stats, char *buf,
		      size_t len)
{
	struct capture_use_reason reasons[CAPTURE_USE_REASONS];
	size_t n = capture_use_reasons(stats, reasons), at;
	uint64_t read = stats->replay.packets, used = stats->use.used;
	const char *sep = ": ";

	if (read && !used)
		at = (size_t)snprintf(buf, len,
				      "%s: nothing in this capture was used: %llu packets read",
				      path, (unsigned long long)read);
	else
		at = (size_t)snprintf(buf, len, "%s: %llu packets read, %llu used, %llu not used",
				      path, (unsigned long long)read, (unsigned long long)used,
				      (unsigned long long)(read - used));
	for (size_t i = 0; i < n && at < len; i++) {
		if (!reasons[i].count)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%llu %s", sep,
				       (unsigned long long)reasons[i].count, reasons[i].text);
		sep = ", ";
	}
}
