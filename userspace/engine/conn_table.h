/*
 * The connections SIP travels on, by connection id: how each was opened and ended, its TLS
 * handshake and the chain seen, and when SIP last went over it. Bounded: ended connections
 * are kept for a linger time (so diagnoses can look back at them), or longer while a call not
 * yet retired holds them (its diagnosis reads them when it is retired, which for a call whose
 * BYE failed can be hours later); when the table is full the least recently active connection
 * not held is dropped.
 */
#ifndef SIPTRAIL_CONN_TABLE_H
#define SIPTRAIL_CONN_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "event.h"
#include "hash_map.h"

/* Caps of the evidence text kept per connection. */
#define CONN_TEXT_LEN 160
#define CONN_HASH_LEN 71 /* a SHA-256 fingerprint in hex */

struct conn {
	uint64_t id;
	struct endpoint local, remote;
	enum direction direction; /* out: this host opened it (TLS client) */
	bool open_seen, ended;
	uint64_t open_ts_ns, end_ts_ns, last_activity_ns;
	/* first close (conn_close or conn_end); how is CLOSE_UNKNOWN while open */
	enum side closed_by;
	enum close_how how;
	uint64_t first_close_ts_ns, idle_ns, retransmits, bytes_received;
	/* evidence text: heap_text copies at their own length (capped), "" when none */
	const char *sk_error;
	/* TLS */
	bool tls_seen, tls_ok, tls_client;
	bool tls_after_handshake; /* failed after the handshake call had returned success */
	uint64_t tls_ts_ns;
	const char *tls_error, *verify_error;
	bool alert_seen;
	enum side alert_from;
	const char *alert;
	/* the chain sent by the TLS server of this connection (the one the client verifies) */
	enum side chain_from;
	enum chain_verdict chain_verdict;
	unsigned chain_len;
	const char *sni, *leaf_subject, *leaf_sans, *leaf_sha256, *missing_issuer;
	bool client_chain_sent; /* the TLS client sent a certificate (mutual TLS) */
	/* the same sender's leaf at the last good handshake with this peer, when this one failed */
	const char *earlier_leaf_sha256;
	uint64_t earlier_leaf_conn, earlier_leaf_ts_ns;
	/* failed before carrying SIP: how many calls may have needed it (attribute_failure) */
	unsigned calls_needing;
	bool failure_learned; /* counted in its peer's failed_conns */
	/* SIP */
	unsigned sip_messages;
	uint64_t first_sip_ts_ns, last_sip_out_ts_ns, last_sip_in_ts_ns;
	unsigned holders;      /* calls not yet retired that refer to it (conn_table_hold) */
	bool parked;	       /* ended, past the linger time, kept for its holders only */
	TAILQ_ENTRY(conn) lru; /* in the table's lru list, or in parked when parked */
};

struct conn_table_config {
	unsigned max_conns;
	uint64_t linger_ns; /* how long an ended connection is kept */
};

struct conn_table {
	struct conn_table_config config;
	struct hash_map by_id;
	TAILQ_HEAD(, conn) lru; /* least recently active first */
	TAILQ_HEAD(, conn) parked;
	unsigned count;
	unsigned long evicted;
};

void conn_table_init(struct conn_table *table, const struct conn_table_config *config);
void conn_table_free(struct conn_table *table);

struct conn *conn_table_find(struct conn_table *table, uint64_t id);

/* Finds or creates the connection for ID, marking it active at TS. NULL: out of memory. */
struct conn *conn_table_touch(struct conn_table *table, uint64_t id, uint64_t ts_ns);

/* Applies a conn_open, conn_close, conn_end, tls_* or sip event (ev->conn != 0). Returns the
 * connection, or NULL when out of memory. */
struct conn *conn_table_apply(struct conn_table *table, const struct event *ev);

/* Drops ended connections older than the linger time, or parks them while they are held. */
void conn_table_age(struct conn_table *table, uint64_t now_ns);

/* A call refers to CONN: it stays, even ended and past the linger time, until released. */
void conn_table_hold(struct conn *conn);

/* The call is done with connection ID (a no-op when it is gone: evicted when the table was
 * full). A parked connection without holders is dropped. */
void conn_table_release(struct conn_table *table, uint64_t id);

/* A TLS or TCP failure: the connection never carried SIP and ended badly or its handshake
 * failed. */
bool conn_failed_attempt(const struct conn *conn);

/* TLS role of this host on the connection. */
static inline bool conn_local_is_tls_client(const struct conn *conn)
{
	return conn->tls_seen ? conn->tls_client : conn->direction == DIR_OUT;
}

#endif
