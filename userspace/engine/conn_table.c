/* Connection table: a hash map by id, a list for ageing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_table.h"
#include "heap_text.h"

void conn_table_init(struct conn_table *table, const struct conn_table_config *config)
{
	memset(table, 0, sizeof(*table));
	table->config = *config;
	TAILQ_INIT(&table->lru);
	TAILQ_INIT(&table->parked);
}

/* Every evidence text field, for initialising and freeing them together. */
static const char **conn_texts(struct conn *conn, unsigned i)
{
	const char **fields[] = {&conn->sk_error,
				 &conn->tls_error,
				 &conn->verify_error,
				 &conn->alert,
				 &conn->sni,
				 &conn->leaf_subject,
				 &conn->leaf_sans,
				 &conn->leaf_sha256,
				 &conn->missing_issuer,
				 &conn->earlier_leaf_sha256};
	return i < sizeof(fields) / sizeof(fields[0]) ? fields[i] : NULL;
}

static void conn_remove(struct conn_table *table, struct conn *conn)
{
	const char **text;

	hash_map_remove(&table->by_id, conn->id, conn);
	if (conn->parked)
		TAILQ_REMOVE(&table->parked, conn, lru);
	else
		TAILQ_REMOVE(&table->lru, conn, lru);
	table->count--;
	for (unsigned i = 0; (text = conn_texts(conn, i)); i++)
		heap_text_free(text);
	free(conn);
}

void conn_table_free(struct conn_table *table)
{
	while (!TAILQ_EMPTY(&table->lru))
		conn_remove(table, TAILQ_FIRST(&table->lru));
	while (!TAILQ_EMPTY(&table->parked))
		conn_remove(table, TAILQ_FIRST(&table->parked));
	hash_map_free(&table->by_id);
}

struct conn *conn_table_find(struct conn_table *table, uint64_t id)
{
	return hash_map_get(&table->by_id, id);
}

struct conn *conn_table_touch(struct conn_table *table, uint64_t id, uint64_t ts_ns)
{
	struct conn *conn = conn_table_find(table, id);

	if (conn && conn->parked) { /* an event after its end: active again */
		TAILQ_REMOVE(&table->parked, conn, lru);
		conn->parked = false;
	} else if (conn) {
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
		for (unsigned i = 0; conn_texts(conn, i); i++)
			*conn_texts(conn, i) = heap_text_empty;
		if (hash_map_put(&table->by_id, id, conn)) {
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

static int apply_socket(struct conn *conn, const struct event *ev)
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
		return 0;
	/* conn_close tells who closed first at once; the conn_end (the same cause, final
	 * counters) can come much later, or not before the journal ends. */
	conn->closed_by = c->closed_by;
	conn->how = c->how;
	conn->first_close_ts_ns = c->first_close_ts_ns ? c->first_close_ts_ns : ev->ts_ns;
	conn->idle_ns = c->idle_ns;
	conn->bytes_received = c->bytes_received;
	if (ev->kind != EV_CONN_END)
		return 0;
	conn->ended = true;
	conn->end_ts_ns = ev->ts_ns;
	conn->retransmits = c->retransmits;
	return heap_text_set(&conn->sk_error, c->sk_error, sizeof(c->sk_error));
}

/* One connection has one TLS session, but its handshake can end twice: ok when the handshake
 * call returned, then failed when the peer rejects it afterwards (TLS 1.3 client certificate,
 * RFC 8446 §4.4.2.4). A failure therefore replaces an ok, never the other way round. */
static int apply_handshake(struct conn *conn, const struct ev_tls_handshake *hs, uint64_t ts_ns)
{
	if (conn->tls_seen && !conn->tls_ok && hs->ok)
		return 0;
	conn->tls_seen = true;
	conn->tls_ok = hs->ok;
	conn->tls_client = hs->client;
	conn->tls_after_handshake = hs->after_handshake;
	conn->tls_ts_ns = ts_ns;
	return heap_text_set(&conn->tls_error, hs->error, EV_NAME_LEN) ||
	       heap_text_set(&conn->verify_error, hs->verify_error, EV_NAME_LEN);
}

/* Keeps the chain the client verifies: the TLS server's (the other chain is a client cert). */
static int apply_chain(struct conn *conn, const struct ev_tls_chain *chain)
{
	bool from_server = (chain->from == SIDE_LOCAL) != conn_local_is_tls_client(conn);
	const struct ev_cert *leaf = chain->n_certs ? &chain->certs[0] : NULL;

	if (!from_server) {
		conn->client_chain_sent = chain->n_certs > 0;
		return 0;
	}
	conn->chain_from = chain->from;
	conn->chain_verdict = chain->verdict;
	conn->chain_len = (unsigned)chain->n_certs;
	if (heap_text_set(&conn->sni, chain->sni, CONN_TEXT_LEN) ||
	    heap_text_set(&conn->missing_issuer, chain->missing_issuer, CONN_TEXT_LEN) ||
	    heap_text_set(&conn->leaf_subject, leaf ? leaf->subject : NULL, CONN_TEXT_LEN) ||
	    heap_text_set(&conn->leaf_sans, leaf ? leaf->sans : NULL, CONN_TEXT_LEN) ||
	    heap_text_set(&conn->leaf_sha256, leaf ? leaf->sha256 : NULL, CONN_HASH_LEN))
		return -ENOMEM;
	return 0;
}

struct conn *conn_table_apply(struct conn_table *table, const struct event *ev)
{
	struct conn *conn = conn_table_touch(table, ev->conn, ev->ts_ns);
	int rc = 0;

	if (!conn)
		return NULL;
	switch (ev->kind) {
	case EV_CONN_OPEN:
	case EV_CONN_CLOSE:
	case EV_CONN_END:
		rc = apply_socket(conn, ev);
		break;
	case EV_TLS_HANDSHAKE:
		rc = apply_handshake(conn, &ev->handshake, ev->ts_ns);
		break;
	case EV_TLS_ALERT:
		/* Without the TLS library's view (uprobes), a fatal alert on the wire is the
		 * handshake's failure (RFC 8446 §6.2: the connection ends with it). */
		if (alert_is_fatal(&ev->alert) && !conn->tls_seen) {
			conn->tls_seen = true;
			conn->tls_ok = false;
			conn->tls_client = conn->direction == DIR_OUT;
			conn->tls_ts_ns = ev->ts_ns;
		}
		if (!conn->alert_seen || alert_is_fatal(&ev->alert)) {
			conn->alert_seen = true;
			conn->alert_from = ev->alert.from;
			rc = heap_text_set(&conn->alert, ev->alert.description,
					   sizeof(ev->alert.description));
		}
		break;
	case EV_TLS_CHAIN:
		rc = apply_chain(conn, &ev->chain);
		break;
	case EV_SIP:
		if (!conn->sip_messages++)
			conn->first_sip_ts_ns = ev->ts_ns;
		if (ev->sip.dir == DIR_OUT)
			conn->last_sip_out_ts_ns = ev->ts_ns;
		else
			conn->last_sip_in_ts_ns = ev->ts_ns;
		if (!ip_addr_given(&conn->remote.addr)) {
			conn->local = ev->sip.local;
			conn->remote = ev->sip.remote;
		}
		break;
	case EV_LOST:
	case EV_TLS_HELLO:
	case EV_TLS_LEAF_CHANGED:
		break;
	}
	return rc ? NULL : conn;
}

void conn_table_age(struct conn_table *table, uint64_t now_ns)
{
	struct conn *conn, *next;

	for (conn = TAILQ_FIRST(&table->lru); conn; conn = next) {
		next = TAILQ_NEXT(conn, lru);
		if (conn->last_activity_ns + table->config.linger_ns > now_ns)
			break; /* the list is in activity order: the rest is younger */
		if (!conn->ended)
			continue;
		if (!conn->holders) {
			conn_remove(table, conn);
			continue;
		}
		/* out of the lru list: neither scanned by each ageing nor evicted */
		TAILQ_REMOVE(&table->lru, conn, lru);
		TAILQ_INSERT_TAIL(&table->parked, conn, lru);
		conn->parked = true;
	}
}

void conn_table_hold(struct conn *conn)
{
	conn->holders++;
}

void conn_table_release(struct conn_table *table, uint64_t id)
{
	struct conn *conn = conn_table_find(table, id);

	if (!conn || !conn->holders)
		return;
	if (!--conn->holders && conn->parked)
		conn_remove(table, conn);
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
