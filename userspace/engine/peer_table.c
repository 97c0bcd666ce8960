/* Per-peer facts of the trunk, by address (hash map + ageing list). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_text.h"
#include "peer_table.h"

/* struct ip_addr has no padding and zeroes what its family does not use. */
static uint64_t addr_key(const struct ip_addr *addr)
{
	return hash_bytes(addr, sizeof(*addr));
}

void peer_table_init(struct peer_table *table, unsigned max_peers)
{
	memset(table, 0, sizeof(*table));
	table->max_peers = max_peers;
	TAILQ_INIT(&table->lru);
}

static void peer_remove(struct peer_table *table, struct peer *peer)
{
	hash_map_remove(&table->by_addr, addr_key(&peer->addr), peer);
	if (table->last == peer)
		table->last = NULL;
	TAILQ_REMOVE(&table->lru, peer, lru);
	table->count--;
	free(peer);
}

void peer_table_free(struct peer_table *table)
{
	while (!TAILQ_EMPTY(&table->lru))
		peer_remove(table, TAILQ_FIRST(&table->lru));
	hash_map_free(&table->by_addr);
}

struct peer *peer_table_find(struct peer_table *table, const struct ip_addr *addr)
{
	struct peer *peer;
	size_t pos = 0;

	while ((peer = hash_map_find(&table->by_addr, addr_key(addr), &pos)))
		if (!ip_addr_cmp(&peer->addr, addr))
			return peer;
	return NULL;
}

static struct peer *peer_touch(struct peer_table *table, const struct ip_addr *addr, uint64_t ts_ns)
{
	struct peer *peer = table->last && ip_addr_equal(&table->last->addr, addr)
				? table->last
				: peer_table_find(table, addr);

	if (peer) {
		TAILQ_REMOVE(&table->lru, peer, lru);
	} else {
		if (table->count >= table->max_peers && !TAILQ_EMPTY(&table->lru))
			peer_remove(table, TAILQ_FIRST(&table->lru));
		peer = calloc(1, sizeof(*peer));
		if (!peer)
			return NULL;
		peer->addr = *addr;
		if (hash_map_put(&table->by_addr, addr_key(addr), peer)) {
			free(peer);
			return NULL;
		}
		table->count++;
	}
	peer->last_activity_ns = ts_ns;
	TAILQ_INSERT_TAIL(&table->lru, peer, lru);
	table->last = peer;
	return peer;
}

bool conn_closed_idle(const struct conn *conn)
{
	return conn->how == CLOSE_FIN && conn->closed_by != SIDE_UNKNOWN &&
	       conn->idle_ns >= PEER_IDLE_CLOSE_MIN_NS;
}

static int learn_handshake(struct peer *peer, struct conn *conn)
{
	struct peer_leaf *good = &peer->good_leaf[conn->chain_from == SIDE_PEER];

	if (!conn->leaf_sha256[0])
		return 0;
	if (conn->tls_ok) {
		snprintf(good->sha256, sizeof(good->sha256), "%s", conn->leaf_sha256);
		good->conn = conn->id;
		good->ts_ns = conn->tls_ts_ns;
	} else if (good->sha256[0]) {
		conn->earlier_leaf_conn = good->conn;
		conn->earlier_leaf_ts_ns = good->ts_ns;
		return heap_text_set(&conn->earlier_leaf_sha256, good->sha256, CONN_HASH_LEN);
	}
	return 0;
}

/* A connection that failed before carrying SIP, counted once (its handshake, then its end). */
static void learn_failure(struct peer *peer, struct conn *conn, uint64_t ts_ns)
{
	unsigned in = conn->direction == DIR_IN;

	if (conn->failure_learned || conn->direction == DIR_UNKNOWN || !conn_failed_attempt(conn))
		return;
	conn->failure_learned = true;
	peer->failed_conns[in]++;
	peer->failed_conn_last[in] = conn->id;
	peer->failed_ts_ns[in] = ts_ns;
}

int peer_table_learn(struct peer_table *table, struct conn *conn, const struct event *ev)
{
	struct peer *peer;

	if (!ip_addr_given(&conn->remote.addr))
		return 0;
	peer = peer_touch(table, &conn->remote.addr, ev->ts_ns);
	if (!peer)
		return -ENOMEM;
	if (ev->kind == EV_TLS_HANDSHAKE || ev->kind == EV_CONN_END)
		learn_failure(peer, conn, ev->ts_ns);
	if (ev->kind == EV_TLS_HANDSHAKE) {
		return learn_handshake(peer, conn);
	} else if (ev->kind == EV_SIP && conn->sip_messages == 1) {
		unsigned in = conn->direction == DIR_IN;
		peer->ok_conns[in]++;
		peer->ok_conn_last[in] = conn->id;
		peer->ok_ts_ns[in] = ev->ts_ns;
	} else if ((ev->kind == EV_CONN_CLOSE || ev->kind == EV_CONN_END) &&
		   conn_closed_idle(conn) &&
		   (!peer->idle_close_ns || conn->idle_ns < peer->idle_close_ns)) {
		peer->idle_close_ns = conn->idle_ns;
		peer->idle_close_conn = conn->id;
		peer->idle_close_ts_ns = conn->first_close_ts_ns;
		peer->idle_close_by = conn->closed_by;
	}
	return 0;
}
