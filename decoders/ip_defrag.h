/*
 * IP fragment reassembly for captures (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6), so SIP
 * over UDP larger than the path MTU is read whole. Bounded: at most IP_DEFRAG_MAX_DATAGRAMS in
 * progress, each at most 65535 bytes; an incomplete datagram is dropped after
 * IP_DEFRAG_TIMEOUT_NS of capture time or when the table is full (oldest first). Overlapping
 * fragments are refused (RFC 5722 for IPv6; the same rule is applied to IPv4): the datagram is
 * dropped, never guessed.
 */
#ifndef SIPTRAIL_IP_DEFRAG_H
#define SIPTRAIL_IP_DEFRAG_H

#include <stdint.h>

#include "packet_decode.h"

#define IP_DEFRAG_MAX_DATAGRAMS 256
#define IP_DEFRAG_TIMEOUT_NS	(30ull * 1000000000ull) /* Linux ipfrag_time */

struct ip_defrag_stats {
	uint64_t fragments, reassembled, dropped_timeout, dropped_overlap, dropped_full;
};

struct ip_defrag;

/* OPTIONS (may be NULL; copied) decode the whole datagrams: a VXLAN port besides 4789. NULL
 * when out of memory. */
struct ip_defrag *ip_defrag_new(const struct packet_decode_options *options);
void ip_defrag_free(struct ip_defrag *defrag);

/*
 * Adds one fragment (a packet_decode() result of PACKET_FRAGMENT). Returns PACKET_OK with *out
 * filled when this fragment completed a datagram (payload views point into the reassembler,
 * valid until the next call), PACKET_FRAGMENT when more are needed (or the datagram was
 * dropped), or the transport decoder's error for the whole datagram.
 */
enum packet_status ip_defrag_add(struct ip_defrag *defrag, const struct packet_l4 *fragment,
				 uint64_t ts_ns, struct packet_l4 *out);

void ip_defrag_get_stats(const struct ip_defrag *defrag, struct ip_defrag_stats *stats);

#endif
