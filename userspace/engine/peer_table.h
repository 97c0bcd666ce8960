/*
 * What the trunk has shown about each peer address, across calls: the last certificate
 * that led to a good handshake, the shortest idle time after which a connection was closed,
 * and how many connections in each direction worked or failed. Used for TLS_LEAF_CHANGED and
 * RISK_IDLE_TIMEOUT. Bounded like the other tables.
 */
#ifndef SIPTRAIL_PEER_TABLE_H
#define SIPTRAIL_PEER_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "conn_table.h"
#include "hash_map.h"

struct peer_leaf {
	char sha256[72];
	uint64_t conn, ts_ns;
};

struct peer {
	struct ip_addr addr;
	struct peer_leaf good_leaf[2]; /* by sender of the server chain: [0] local, [1] peer */
	/* the shortest idle time after which a connection to this peer was closed (FIN) */
	uint64_t idle_close_ns, idle_close_conn, idle_close_ts_ns;
	enum side idle_close_by;
	/* connections that carried SIP, by direction: [0] out, [1] in */
	unsigned ok_conns[2];
	uint64_t ok_conn_last[2], ok_ts_ns[2];
	/* connections that failed before carrying SIP (conn_failed_attempt), by direction */
	unsigned failed_conns[2];
	uint64_t failed_conn_last[2], failed_ts_ns[2];
	uint64_t last_activity_ns;
	TAILQ_ENTRY(peer) lru;
};

struct peer_table {
	unsigned max_peers;
	struct hash_map by_addr; /* key: hash_bytes of the struct ip_addr */
	TAILQ_HEAD(, peer) lru;
	unsigned count;
	/* the last peer touched, found again without the map: a trunk's messages come from a few
	 * peers, often the same one after the other */
	struct peer *last;
};

/* A close after at least this much silence counts as an idle close. */
#define PEER_IDLE_CLOSE_MIN_NS (5ull * 1000000000ull)

void peer_table_init(struct peer_table *table, unsigned max_peers);
void peer_table_free(struct peer_table *table);
struct peer *peer_table_find(struct peer_table *table, const struct ip_addr *addr);

/* Learns from the connection after EV was applied to it; may fill conn->earlier_leaf_*.
 * Returns 0 or -ENOMEM. */
int peer_table_learn(struct peer_table *table, struct conn *conn, const struct event *ev);

/* A connection closed by a FIN after PEER_IDLE_CLOSE_MIN_NS or more without data. */
bool conn_closed_idle(const struct conn *conn);

#endif
