/*
 * SCTP associations in a capture, so SIP over SCTP has a transport with a life like a TCP
 * connection's: who started it (the INIT's sender, RFC 9260 §5.1), who ended it and how
 * (SHUTDOWN, §9.2, or ABORT, §9.1), how much data each side sent and when data last flowed.
 * An association is the pair of endpoints its packets carry (a multi-homed peer's other
 * addresses are not joined). It starts at an INIT, an INIT ACK or a DATA chunk (a capture
 * that starts mid-association: the sender of that first packet is called the opener) and ends
 * at SHUTDOWN COMPLETE or ABORT; a packet after that starts another only with one of those.
 * Bounded: at most SCTP_ASSOC_MAX_OPEN open at once, more are not followed (counted).
 */
#ifndef SIPTRAIL_SCTP_ASSOC_H
#define SIPTRAIL_SCTP_ASSOC_H

#include <stdbool.h>
#include <stdint.h>

#include "packet_decode.h"

#define SCTP_ASSOC_MAX_OPEN 65536

enum sctp_side { SCTP_SIDE_OPENER = 0, SCTP_SIDE_ACCEPTER = 1 };

enum sctp_end_reason {
	SCTP_END_SHUTDOWN,    /* SHUTDOWN COMPLETE: the graceful end */
	SCTP_END_ABORT,	      /* an ABORT from either side */
	SCTP_END_CAPTURE_END, /* still open when the capture ended */
};

struct sctp_endpoint {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint16_t port;
};

struct sctp_assoc {
	uint64_t id; /* 1, 2, ... in the order associations start */
	uint8_t family;
	struct sctp_endpoint end[2];		    /* by enum sctp_side */
	bool opener_known;			    /* an INIT or INIT ACK was seen */
	uint64_t first_ts_ns;			    /* its first packet */
	uint64_t init_ts_ns, init_ack_ts_ns;	    /* 0 when not seen */
	uint64_t shutdown_ts_ns[2], abort_ts_ns[2]; /* by sending side, the first; 0 = none */
	int first_closer;			    /* side of the first SHUTDOWN or ABORT, or -1 */
	uint64_t first_close_ts_ns;		    /* 0 while open */
	uint64_t last_data_ts_ns;		    /* last DATA chunk either way, 0 = none */
	uint64_t bytes[2]; /* user data in DATA chunks by sending side (retransmissions too) */
};

struct sctp_assoc_ops {
	void (*on_open)(void *user, const struct sctp_assoc *assoc, uint64_t ts_ns);
	void (*on_end)(void *user, const struct sctp_assoc *assoc, enum sctp_end_reason reason,
		       uint64_t ts_ns);
};

struct sctp_assocs;

struct sctp_assocs *sctp_assocs_new(const struct sctp_assoc_ops *ops, void *user);
void sctp_assocs_free(struct sctp_assocs *assocs); /* no on_end: see sctp_assocs_finish */

/* One SCTP packet as packet_decode() gives it (protocol IPPROTO_SCTP, payload its chunks).
 * Calls on_open before and on_end after the packet's chunks are counted. Returns the id of
 * the association it belongs to, 0 when none (it starts none, too many are open, out of
 * memory). */
uint64_t sctp_assocs_packet(struct sctp_assocs *assocs, const struct packet_l4 *pkt,
			    uint64_t ts_ns);

/* Ends every association still open (SCTP_END_CAPTURE_END). */
void sctp_assocs_finish(struct sctp_assocs *assocs, uint64_t ts_ns);

/* Associations not followed because SCTP_ASSOC_MAX_OPEN were open. */
uint64_t sctp_assocs_dropped(const struct sctp_assocs *assocs);

#endif
