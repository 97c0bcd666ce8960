/* TCP stream reassembly for captures: per connection and per direction, payload is handed to
 * the consumer in sequence order, once, with the time of the packet that carried it.
 * Retransmissions and overlaps are trimmed, out-of-order segments are buffered (bounded), and
 * bytes that never appear in the capture are reported as gaps, not guessed. */
#ifndef SIPTRAIL_TCP_REASSEMBLY_H
#define SIPTRAIL_TCP_REASSEMBLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet_decode.h"

/* The side that sent the first SYN is the client (for TLS: the TLS client). Without a SYN in
 * the capture the sender of the first packet seen is called the client and opener_known is
 * false. */
enum tcp_side { TCP_SIDE_CLIENT = 0, TCP_SIDE_SERVER = 1 };

enum tcp_end_reason {
	TCP_END_CLOSED = 0,	 /* both sides sent FIN and all their data was delivered */
	TCP_END_RESET = 1,	 /* a RST from either side (see rst_ts_ns) */
	TCP_END_CAPTURE_END = 2, /* still open when the capture ended */
	TCP_END_REUSED = 3,	 /* a new SYN on the same 4-tuple started another connection */
};

struct tcp_endpoint {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint16_t port;
};

/* A TLS endpoint whose idle timer fires sends close_notify (RFC 8446 §6.1) just before its
 * FIN, and the peer often answers with its own: to TCP that is data, which would make every
 * idle close look 0 s idle. Records this small, this close before the close, do not count. */
#define TCP_IDLE_ALERT_MAX_BYTES 31
#define TCP_IDLE_ALERT_WINDOW_NS (500ull * 1000 * 1000)
#define TCP_IDLE_SMALL_KEPT	 4

struct tcp_conn {
	uint64_t id; /* 1, 2, ... in the order connections first appear */
	uint8_t family;
	struct tcp_endpoint end[2];	     /* indexed by enum tcp_side */
	bool opener_known;		     /* a SYN was seen, so end[TCP_SIDE_CLIENT] opened it */
	uint64_t first_ts_ns;		     /* first packet of the connection */
	uint64_t syn_ts_ns, synack_ts_ns;    /* 0 when not seen */
	uint64_t fin_ts_ns[2], rst_ts_ns[2]; /* per sending side, first one; 0 = none */
	int first_closer;		     /* enum tcp_side of the first FIN or RST, or -1 */
	uint64_t first_close_ts_ns;	     /* 0 while open */
	uint64_t last_payload_ts_ns;	     /* last packet with payload either way */
	/* for the idle time before a close: the last payload bigger than a TLS alert record,
	 * and the last few alert-sized ones (see tcp_conn_idle_since_ns) */
	uint64_t last_large_payload_ts_ns;
	uint64_t small_payload_ts_ns[TCP_IDLE_SMALL_KEPT];
	unsigned small_payload_next;
	uint64_t bytes[2];     /* payload delivered per sending side */
	uint64_t gap_bytes[2]; /* bytes reported missing per sending side */
	void *user; /* the consumer's state for it (tcp_reasm_set_user), NULL until set */
};

/* When the connection last carried data, for the idle time before a close at CLOSE_TS_NS:
 * alert-sized payloads within TCP_IDLE_ALERT_WINDOW_NS before it are not counted. */
uint64_t tcp_conn_idle_since_ns(const struct tcp_conn *conn, uint64_t close_ts_ns);

struct tcp_reasm_ops {
	void (*on_open)(void *user, const struct tcp_conn *conn, uint64_t ts_ns);
	/* In-order payload sent by `from`. */
	void (*on_data)(void *user, const struct tcp_conn *conn, enum tcp_side from,
			const uint8_t *data, size_t len, uint64_t ts_ns);
	/* missing_bytes sent by `from` never appeared in the capture; the stream resumes after. */
	void (*on_gap)(void *user, const struct tcp_conn *conn, enum tcp_side from,
		       uint64_t missing_bytes, uint64_t ts_ns);
	void (*on_end)(void *user, const struct tcp_conn *conn, enum tcp_end_reason reason,
		       uint64_t ts_ns);
};

struct tcp_reasm_limits {
	size_t max_conns; /* connections tracked at once (open or recently ended) */
	size_t
	    max_buffered_bytes; /* out-of-order bytes held per direction before a gap is forced */
};

struct tcp_reasm_stats {
	uint64_t conns;		      /* connections seen */
	uint64_t conns_dropped;	      /* not tracked because max_conns open connections existed */
	uint64_t retransmitted_bytes; /* duplicate payload trimmed */
	uint64_t forced_gaps;	      /* gaps declared because the buffer limit was reached */
};

struct tcp_reasm;

/* limits may be NULL for defaults (65536 connections, 1 MiB per direction). The ops and user
 * pointers must outlive the reassembler. Returns NULL when out of memory. */
struct tcp_reasm *tcp_reasm_new(const struct tcp_reasm_limits *limits,
				const struct tcp_reasm_ops *ops, void *user);
/* Feeds one decoded TCP packet. Returns 0, or -ENOMEM (the packet was not processed). */
int tcp_reasm_packet(struct tcp_reasm *reasm, const struct packet_l4 *pkt, uint64_t ts_ns);
/* Ties USER to CONN (one of this reassembler's, as its callbacks get it), for the consumer to
 * find its state for a connection without a lookup of its own per packet. */
void tcp_reasm_set_user(struct tcp_reasm *reasm, const struct tcp_conn *conn, void *user);
/* End of capture: buffered data goes out after a gap, every open connection ends. */
void tcp_reasm_finish(struct tcp_reasm *reasm, uint64_t ts_ns);
void tcp_reasm_get_stats(const struct tcp_reasm *reasm, struct tcp_reasm_stats *stats);
void tcp_reasm_free(struct tcp_reasm *reasm);

const char *tcp_end_reason_str(enum tcp_end_reason reason);

#endif
