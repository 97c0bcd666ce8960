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

#include "ip_addr.h"
#include "sip_fields.h"

enum event_kind {
	EV_CONN_OPEN,
	EV_CONN_CLOSE, /* the first close of an established connection; its conn_end may be late */
	EV_CONN_END,
	EV_TLS_HANDSHAKE,
	EV_TLS_ALERT,
	EV_TLS_CHAIN,
	EV_SIP,
	EV_LOST,
	EV_TLS_HELLO,	     /* wire: ClientHello/ServerHello summary; not used by the rules yet */
	EV_TLS_LEAF_CHANGED, /* wire: a peer's leaf fingerprint changed; not used by the rules yet
			      */
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
	TRANSPORT_SCTP, /* RFC 4168: one message per DATA chunk */
	TRANSPORT_WS,	/* RFC 7118: one message per WebSocket message, over TCP */
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

#define EV_NAME_LEN 128

struct endpoint {
	struct ip_addr addr;
	uint16_t port;
};

/* The tunnel a captured packet came through, the outermost when they nest
 * (docs/captures.md): endpoints binary like every address. */
struct ev_tunnel {
	uint8_t encap; /* enum packet_encap (decoders/packet_decode.h); 0: no tunnel */
	struct ip_addr src, dst;
	bool id_given;
	uint32_t id; /* VXLAN's VNI, GTP-U's TEID, ERSPAN's session ID, else GRE's key */
};

/* conn_open, conn_close and conn_end share the socket fields; the close fields are zero on an
 * open, and duration, retransmits and sk_error are given by conn_end only. */
struct ev_conn {
	/* the live socket tracer's flags; a capture or an older journal has none */
	bool kernel_flags;
	bool before_trace;	     /* the connection existed before the trace started */
	bool rst_sent, rst_received; /* conn_end */
	bool end_unseen; /* conn_end: made by siptrail for a socket gone without its end traced */
	bool duration_unknown, idle_unknown; /* the tracer saw no open / no first close: null */
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
	char sk_error[24];	 /* errno name (its number when it has none), "" when none */
	struct ev_tunnel tunnel; /* a capture: the tunnel of the packet that opened it */
};

/* The process and socket an event of the libssl probe came from (tls_handshake, sip): written
 * with the event, as `siptrail live` always has; other sources leave it out (given false). */
struct ev_libssl {
	bool given;
	uint32_t pid;
	char comm[17];
	uint64_t netns;
};

struct ev_tls_handshake {
	bool client;	   /* this host's role */
	bool role_unknown; /* the probe could not tell: role is null */
	bool ok;
	uint64_t start_ts_ns, duration_ns;
	bool after_handshake; /* failed after the handshake call had returned success (TLS 1.3) */
	char error[EV_NAME_LEN];	/* OpenSSL reason, "" when none */
	char verify_error[EV_NAME_LEN]; /* X509 verify string, "" when none */
	char error_detail[256];		/* libssl: the OpenSSL error string, "" when none */
	struct endpoint local, remote;	/* libssl: the socket; addr not given otherwise */
	struct ev_libssl libssl;
};

struct ev_tls_alert {
	enum side from;
	uint8_t level; /* the record's level byte: 1 warning, 2 fatal (RFC 8446 §6) */
	char description[48];
	int code;
};

static inline bool alert_is_fatal(const struct ev_tls_alert *alert)
{
	return alert->level == 2;
}

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
	bool verify_given;		/* the wire path's own check: verify_error is written */
	char verify_error[EV_NAME_LEN]; /* "" when none */
};

#define EV_MAX_OFFERED_VERSIONS 16

/* What the wire saw of a handshake's hellos. */
struct ev_tls_hello {
	bool client; /* this host's role */
	char sni[256];
	uint16_t offered[EV_MAX_OFFERED_VERSIONS]; /* ClientHello supported_versions */
	size_t n_offered;
	bool server_hello_seen; /* else version and cipher are unknown */
	uint16_t version, cipher_suite;
	bool hello_retry;
};

/* A peer presents another leaf certificate than the last time it was seen. */
struct ev_tls_leaf_changed {
	enum side from;
	struct endpoint peer; /* port 0 for a client certificate (its port changes) */
	char sni[256];
	char old_sha256[65], new_sha256[65];
	char *old_subject, *new_subject;      /* owned */
	int64_t old_not_after, new_not_after; /* seconds since the Unix epoch */
};

/* What the correlator reads comes first, up to the tunnel: the reorder window holds a SIP event
 * with only those bytes and its fields' text after them (reorder_window_keep_fields_only), read
 * from fewer cache lines (4 for the trunk bench's OPTIONS, from 6 or 7). */
struct ev_sip {
	enum direction dir;
	enum transport transport;
	struct endpoint local, remote;
	char *raw; /* the whole message; owned; not always UTF-8 (libssl plaintext) */
	size_t raw_len;
	/* the parse that framed raw, handed on by its source so the message is parsed once on its
	 * way (spans of raw); given false when the source parsed nothing (a journal) */
	struct sip_parsed parsed;
	struct ev_tunnel tunnel; /* a capture: the tunnel the message came through */
	/* libssl: the SSL_read/SSL_write the message came from */
	struct ev_libssl libssl;
	bool decrypted; /* from TLS records on the wire, decrypted with the session's secrets */
	size_t total_len;
	bool truncated;
};

/* The loss counters since the start. ringbuf and map_full are what every journal has; the
 * rest is what `siptrail live` adds (detailed), with the wire path's (wire) when it runs. */
struct ev_lost {
	uint64_t ringbuf, map_full;
	bool detailed;
	uint64_t ringbuf_conn_open, ringbuf_conn_end, ringbuf_conn_close_late, skipped_calls;
	uint64_t ends_unseen;
	uint64_t ringbuf_tls;
	bool wire;
	uint64_t wire_drops, wire_streams_dropped, wire_gaps, wire_pending_full, wire_sockets_full,
	    wire_unmatched;
	/* TLS records the wire path could not decrypt, by reason (tls_decrypt.h) */
	uint64_t wire_tls_no_handshake, wire_tls_no_secrets, wire_tls_unsupported,
	    wire_tls_auth_failed;
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
		struct ev_tls_hello hello;
		struct ev_tls_leaf_changed leaf;
	};
};

/* The bytes of EV that hold its kind's fields (the header and its union member): what a move
 * copies. The union's other bytes are not kept by a move (a SIP event is a quarter of the
 * largest kind, and events are moved several times on their way). */
size_t event_size(const struct event *ev);

/* Frees what the event owns (raw SIP text, certificates) and leaves it empty: a conn_open on no
 * connection (conn 0, ts_ns 0) that owns nothing, its other fields not cleared (not to be read;
 * releasing it again does nothing). */
void event_release(struct event *ev);

/* Moves src into dst (dst takes ownership of src's kind's fields; src is left empty). */
void event_move(struct event *dst, struct event *src);

/* dst becomes a deep copy of src (its own raw text and certificates). Returns 0 or -ENOMEM
 * (dst left empty). */
int event_copy(struct event *dst, const struct event *src);

const char *event_kind_name(enum event_kind kind);
const char *direction_name(enum direction dir);
const char *side_name(enum side side);
const char *close_how_name(enum close_how how);
const char *chain_verdict_name(enum chain_verdict verdict);
const char *event_transport_name(enum transport transport); /* NULL when unknown */
/* UDP, SCTP and WebSocket deliver each SIP message whole, so it is parsed as a datagram (its
 * Content-Length, if any, is checked, not needed to find its end). */
bool transport_is_message_based(enum transport transport);

/* The event is on a connection: conn is set, or it comes from the libssl probe, whose events
 * always carry theirs (0 for a socket it could not find). */
bool event_has_conn(const struct event *ev);

/* RFC 3339 UTC ("2026-12-05T04:38:49Z"), as certificate validity is written. Returns false
 * when the time cannot be written. */
bool epoch_rfc3339(int64_t epoch_s, char *text, size_t len);

/* The other way: false when TEXT is not in that form. */
bool rfc3339_epoch(const char *text, int64_t *epoch_s);

#endif
