/* What the wire path found on a TCP stream or a UDP datagram, before it is tied to this host's
 * sockets. The body holds the fields that do not depend on which end is "local"; the ones that
 * do (conn, from, dir, role, addresses) are set per local socket by wire_event_resolve. */
#ifndef SIPTRAIL_WIRE_EVENT_H
#define SIPTRAIL_WIRE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

#include "tcp_reassembly.h"

enum wire_perspective {
	WIRE_FROM,	/* "from": local|peer, the end that sent it (alerts, chains, leaves) */
	WIRE_ROLE,	/* "role": client|server, this host's TLS role (tls_hello) */
	WIRE_DIR_ADDRS, /* "dir": out|in and laddr/lport/raddr/rport (sip) */
};

struct wire_event {
	uint64_t ts_ns; /* wall clock of the packet that completed it */
	uint8_t family; /* AF_INET or AF_INET6 */
	bool tcp;	/* on a TCP stream: tied to a socket (conn); UDP: no conn */
	/* TCP: indexed by enum tcp_side (end[TCP_SIDE_CLIENT] opened the connection).
	 * UDP: end[0] sent the datagram, end[1] received it. */
	struct tcp_endpoint end[2];
	unsigned sender;    /* index into end of the end that sent what this reports */
	uint8_t local_mask; /* bit i: end[i] is an address of this host, as far as known */
	enum wire_perspective perspective;
	/* its kind and the fields that need no perspective; owned. Last: wire_event_start copies
	 * what comes before it. */
	struct event body;
};

/* EVENT's connection (family, tcp, ends, local_mask) from TEMPLATE, a stream's, with what it
 * reports set; its body is left to the caller (a template's 696-byte body is neither copied nor
 * cleared per event). */
void wire_event_start(struct wire_event *event, const struct wire_event *template,
		      enum wire_perspective perspective, unsigned sender, uint64_t ts_ns);

/* The event seen from local end end[local] (0 or 1), on connection conn (0: none, for UDP),
 * into out: a copy (the wire event can be resolved for every local socket), or with TAKE (the
 * last socket) its body moved, not copied. Returns 0 or -ENOMEM. */
int wire_event_resolve(struct wire_event *event, uint64_t conn, unsigned local, bool take,
		       struct event *out);

/* Frees the body. */
void wire_event_release(struct wire_event *event);

#endif
