/*
 * Layer model/ (the bottom one): the event model every other layer speaks, and small shared
 * types (port sets, interned strings, notices, progress). It calls nothing of siptrail's.
 *
 * The normalized event: every source (live eBPF, journal file, later pcap) produces these, and
 * the correlator consumes nothing else. Field meanings follow the journal contract
 * (docs/journal.md); a zero/empty field means "not given by the source".
 */
#ifndef SIPTRAIL_EVENT_H
#define SIPTRAIL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum event_kind {
	EV_CONN_OPEN,
	EV_CONN_CLOSE, /* the first close of an established connection; its conn_end may be late */
	EV_CONN_END,
	EV_TLS_HANDSHAKE,
	EV_TLS_ALERT,
	EV_TLS_CHAIN,
	EV_SIP,
	EV_LOST,
	EV_TLS_HELLO,	     /* wire: ClientHello/ServerHello summary; read, not used yet */
	EV_TLS_LEAF_CHANGED, /* wire: a peer's leaf fingerprint changed; read, not used yet */
};

/* Direction of a connection's open (or of a message) relative to this host. */
enum direction {
	DIR_UNKNOWN,
	DIR_OUT, /* active open / message sent: this host is the TLS client */
	DIR_IN,	 /* passive open / message received: this host is the TLS server */
};

/* Which end did something (closed first, sent an alert, sent a chain). */
enum side {
	SIDE_UNKNOWN,
	SIDE_LOCAL,
	SIDE_PEER,
};

enum close_how {
	CLOSE_UNKNOWN,
	CLOSE_FIN,
	CLOSE_RST_IN,
	CLOSE_RST_OUT,
	CLOSE_REFUSED,
	CLOSE_TIMEOUT,
};

enum transport {
	TRANSPORT_UNKNOWN,
	TRANSPORT_UDP,
	TRANSPORT_TCP,
	TRANSPORT_TLS,
};

enum chain_verdict {
	CHAIN_UNKNOWN,
	CHAIN_OK,
	CHAIN_INCOMPLETE,
	CHAIN_UNTRUSTED,
	CHAIN_EXPIRED,
	CHAIN_NOT_YET_VALID,
	CHAIN_NAME_MISMATCH,
};

#define EV_ADDR_LEN 48 /* INET6_ADDRSTRLEN rounded up */
#define EV_NAME_LEN 128

struct endpoint {
	char addr[EV_ADDR_LEN];
	uint16_t port;
};

/* conn_open, conn_close and conn_end share the socket fields; the close fields are zero on an
 * open, and duration, retransmits and sk_error are given by conn_end only. */
struct ev_conn {
	struct endpoint local, remote;
	enum direction direction;
	bool tls_client; /* this host is the TLS client (direction out) */
	uint32_t pid;
	char comm[16];
	uint64_t netns;
	/* conn_close and conn_end */
	uint64_t duration_ns, bytes_sent, bytes_received, retransmits;
	enum side closed_by;
	enum close_how how;
	uint64_t first_close_ts_ns; /* 0: unknown */
	uint64_t idle_ns;
	char sk_error[24]; /* errno name, "" when none */
};

struct ev_tls_handshake {
	bool client; /* this host's role */
	bool ok;
	uint64_t start_ts_ns, duration_ns;
	bool after_handshake; /* failed after the handshake call had returned success (TLS 1.3) */
	char error[EV_NAME_LEN];	/* OpenSSL reason, "" when none */
	char verify_error[EV_NAME_LEN]; /* X509 verify string, "" when none */
};

struct ev_tls_alert {
	enum side from;
	bool fatal;
	char description[48];
	int code;
};

struct ev_cert {
	char *subject, *issuer, *sans, *not_before, *not_after, *sha256; /* sans: comma-joined */
};

struct ev_tls_chain {
	enum side from;
	char sni[256];
	struct ev_cert *certs; /* leaf first; owned */
	size_t n_certs;
	enum chain_verdict verdict;
	char missing_issuer[256];
};

struct ev_sip {
	enum direction dir;
	enum transport transport;
	struct endpoint local, remote;
	char *raw; /* the whole message; owned */
	size_t raw_len;
};

struct ev_lost {
	uint64_t ringbuf, map_full;
};

struct event {
	enum event_kind kind;
	uint64_t ts_ns; /* wall clock, ns since the Unix epoch */
	uint64_t conn;	/* connection id; 0 when the event is on no connection (UDP, lost) */
	union {
		struct ev_conn conn_ev; /* EV_CONN_OPEN, EV_CONN_CLOSE, EV_CONN_END */
		struct ev_tls_handshake handshake;
		struct ev_tls_alert alert;
		struct ev_tls_chain chain;
		struct ev_sip sip;
		struct ev_lost lost;
	};
};

/* Frees what the event owns (raw SIP text, certificates) and zeroes it. */
void event_release(struct event *ev);

/* Moves src into dst (dst takes ownership; src is left empty). */
void event_move(struct event *dst, struct event *src);

const char *event_kind_name(enum event_kind kind);
const char *direction_name(enum direction dir);
const char *side_name(enum side side);
const char *close_how_name(enum close_how how);
const char *chain_verdict_name(enum chain_verdict verdict);

#endif
