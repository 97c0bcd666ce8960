/* Connection table: glibc's tsearch tree for lookup by id, a list for ageing. */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_table.h"

static int conn_cmp(const void *a, const void *b)
{
	uint64_t ia = ((const struct conn *)a)->id, ib = ((const struct conn *)b)->id;
	return ia < ib ? -1 : ia > ib;
}

void conn_table_init(struct conn_table *table, const struct conn_table_config *config)
{
	memset(table, 0, sizeof(*table));
	table->config = *config;
	TAILQ_INIT(&table->lru);
}

static void conn_remove(struct conn_table *table, struct conn *conn)
{
	tdelete(conn, &table->root, conn_cmp);
	TAILQ_REMOVE(&table->lru, conn, lru);
	table->count--;
	free(conn);
}

void conn_table_free(struct conn_table *table)
{
	while (!TAILQ_EMPTY(&table->lru))
		conn_remove(table, TAILQ_FIRST(&table->lru));
}

struct conn *conn_table_find(struct conn_table *table, uint64_t id)
{
	struct conn key = {.id = id};
	void *node = tfind(&key, &table->root, conn_cmp);
	return node ? *(struct conn **)node : NULL;
}

struct conn *conn_table_touch(struct conn_table *table, uint64_t id, uint64_t ts_ns)
{
	struct conn *conn = conn_table_find(table, id);

	if (conn) {
		TAILQ_REMOVE(&table->lru, conn, lru);
	} else {
		if (table->count >= table->config.max_conns && !TAILQ_EMPTY(&table->lru)) {
			conn_remove(table, TAILQ_FIRST(&table->lru));
			table->evicted++;
		}
		conn = calloc(1, sizeof(*conn));
		if (!conn)
			return NULL;
		conn->id = id;
		if (!tsearch(conn, &table->root, conn_cmp)) {
			free(conn);
			return NULL;
		}
		table->count++;
	}
	if (ts_ns > conn->last_activity_ns)
		conn->last_activity_ns = ts_ns;
	TAILQ_INSERT_TAIL(&table->lru, conn, lru);
	return conn;
}

/* Copies IN, cut to fit OUT (a cut name is still evidence). */
static void copy_str(char *out, size_t out_len, const char *in)
{
	size_t n = in ? strnlen(in, out_len - 1) : 0;
	memcpy(out, in ? in : "", n);
	out[n] = '\0';
}

static void apply_socket(struct conn *conn, const struct event *ev)
{
	const struct ev_conn *c = &ev->conn_ev;

	conn->local = c->local;
	conn->remote = c->remote;
	conn->direction = c->direction;
	if (ev->kind == EV_CONN_OPEN || (ev->kind == EV_CONN_END && !conn->open_seen)) {
		conn->open_ts_ns =
		    ev->kind == EV_CONN_OPEN ? ev->ts_ns : ev->ts_ns - c->duration_ns;
		conn->open_seen = true;
	}
	if (ev->kind == EV_CONN_OPEN)
		return;
	/* conn_close tells who closed first at once; the conn_end (the same cause, final
	 * counters) can come much later, or not before the journal ends. */
	conn->closed_by = c->closed_by;
	conn->how = c->how;
	conn->first_close_ts_ns = c->first_close_ts_ns ? c->first_close_ts_ns : ev->ts_ns;
	conn->idle_ns = c->idle_ns;
	conn->bytes_received = c->bytes_received;
	if (ev->kind != EV_CONN_END)
		return;
	conn->ended = true;
	conn->end_ts_ns = ev->ts_ns;
	conn->retransmits = c->retransmits;
	copy_str(conn->sk_error, sizeof(conn->sk_error), c->sk_error);
}

/* Keeps the chain the client verifies: the TLS server's (the other chain is a client cert). */
static void apply_chain(struct conn *conn, const struct ev_tls_chain *chain)
{
	bool from_server = (chain->from == SIDE_LOCAL) != conn_local_is_tls_client(conn);

	if (!from_server) {
		conn->client_chain_sent = chain->n_certs > 0;
		return;
	}
	conn->chain_from = chain->from;
	conn->chain_verdict = chain->verdict;
	conn->chain_len = (unsigned)chain->n_certs;
	copy_str(conn->sni, sizeof(conn->sni), chain->sni);
	copy_str(conn->missing_issuer, sizeof(conn->missing_issuer), chain->missing_issuer);
	if (chain->n_certs) {
		copy_str(conn->leaf_subject, sizeof(conn->leaf_subject), chain->certs[0].subject);
		copy_str(conn->leaf_sans, sizeof(conn->leaf_sans), chain->certs[0].sans);
		copy_str(conn->leaf_sha256, sizeof(conn->leaf_sha256), chain->certs[0].sha256);
	}
}

struct conn *conn_table_apply(struct conn_table *table, const struct event *ev)
{
	struct conn *conn = conn_table_touch(table, ev->conn, ev->ts_ns);

	if (!conn)
		return NULL;
	switch (ev->kind) {
	case EV_CONN_OPEN:
	case EV_CONN_CLOSE:
	case EV_CONN_END:
		apply_socket(conn, ev);
		break;
	case EV_TLS_HANDSHAKE:
		conn->tls_seen = true;
		conn->tls_ok = ev->handshake.ok;
		conn->tls_client = ev->handshake.client;
		conn->tls_ts_ns = ev->ts_ns;
		copy_str(conn->tls_error, sizeof(conn->tls_error), ev->handshake.error);
		copy_str(conn->verify_error, sizeof(conn->verify_error),
			 ev->handshake.verify_error);
		break;
	case EV_TLS_ALERT:
		if (!conn->alert_seen || ev->alert.fatal) {
			conn->alert_seen = true;
			conn->alert_from = ev->alert.from;
			copy_str(conn->alert, sizeof(conn->alert), ev->alert.description);
		}
		break;
	case EV_TLS_CHAIN:
		apply_chain(conn, &ev->chain);
		break;
	case EV_SIP:
		if (!conn->sip_messages++)
			conn->first_sip_ts_ns = ev->ts_ns;
		if (ev->sip.dir == DIR_OUT)
			conn->last_sip_out_ts_ns = ev->ts_ns;
		else
			conn->last_sip_in_ts_ns = ev->ts_ns;
		if (!conn->remote.addr[0]) {
			conn->local = ev->sip.local;
			conn->remote = ev->sip.remote;
		}
		break;
	case EV_LOST:
		break;
	}
	return conn;
}

void conn_table_age(struct conn_table *table, uint64_t now_ns)
{
	struct conn *conn, *next;

	for (conn = TAILQ_FIRST(&table->lru); conn; conn = next) {
		next = TAILQ_NEXT(conn, lru);
		if (conn->last_activity_ns + table->config.linger_ns > now_ns)
			break; /* the list is in activity order: the rest is younger */
		if (conn->ended)
			conn_remove(table, conn);
	}
}

bool conn_failed_attempt(const struct conn *conn)
{
	if (conn->sip_messages)
		return false;
	if (conn->tls_seen && !conn->tls_ok)
		return true;
	return conn->ended && (conn->how == CLOSE_REFUSED || conn->how == CLOSE_TIMEOUT ||
			       conn->how == CLOSE_RST_IN || conn->sk_error[0]);
}
