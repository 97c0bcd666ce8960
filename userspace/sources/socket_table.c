#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hash_map.h"
#include "socket_table.h"

#define BUCKETS 16384 /* a power of two */
/* Packet times (the kernel's wall clock at capture) and socket times (CLOCK_MONOTONIC plus an
 * offset measured at start) drift apart a little: a packet this close to an open or end still
 * belongs to the socket. */
#define CLOCK_SLACK_NS 100000000ULL

struct socket_entry {
	uint8_t family;
	struct tcp_endpoint local, remote;
	uint64_t cookie;
	uint64_t open_ns, end_ns; /* wall clock; end 0 while open */
	struct socket_entry *next;
};

struct socket_table {
	struct socket_entry *buckets[BUCKETS];
	size_t count, max_sockets;
	uint64_t linger_ns;
};

/* Eight bytes a step (hash_bytes): byte by byte (FNV-1a), the two ends' 36 bytes cost 200
 * instructions, twice for every packet and message of the wire path. */
_Static_assert(sizeof(struct tcp_endpoint) == 18, "an endpoint without padding to hash");

uint32_t socket_table_conn_hash(const struct tcp_endpoint *a, const struct tcp_endpoint *b)
{
	return (uint32_t)(hash_bytes(a, sizeof(*a)) ^ hash_bytes(b, sizeof(*b)));
}

static size_t bucket_of(const struct tcp_endpoint *a, const struct tcp_endpoint *b)
{
	return socket_table_conn_hash(a, b) & (BUCKETS - 1);
}

static bool endpoint_eq(const struct tcp_endpoint *a, const struct tcp_endpoint *b)
{
	return a->port == b->port && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

struct socket_table *socket_table_new(size_t max_sockets, uint64_t linger_ns)
{
	struct socket_table *table = calloc(1, sizeof(*table));

	if (table) {
		table->max_sockets = max_sockets;
		table->linger_ns = linger_ns;
	}
	return table;
}

void socket_table_free(struct socket_table *table)
{
	if (!table)
		return;
	for (size_t i = 0; i < BUCKETS; i++) {
		while (table->buckets[i]) {
			struct socket_entry *next = table->buckets[i]->next;

			free(table->buckets[i]);
			table->buckets[i] = next;
		}
	}
	free(table);
}

static bool v4_mapped(const uint8_t addr[16])
{
	static const uint8_t prefix[12] = {[10] = 0xff, [11] = 0xff};

	return !memcmp(addr, prefix, sizeof(prefix));
}

uint8_t socket_table_endpoints(const struct sock_conn *conn, struct tcp_endpoint *local,
			       struct tcp_endpoint *remote)
{
	/* A dual-stack socket's IPv4 peer (::ffff:a.b.c.d) travels in IPv4 packets. */
	bool mapped = conn->family == AF_INET6 && v4_mapped(conn->laddr) && v4_mapped(conn->raddr);

	memset(local, 0, sizeof(*local));
	memset(remote, 0, sizeof(*remote));
	if (conn->family != AF_INET6 || mapped) { /* IPv4: the first 4 bytes */
		memcpy(local->addr, conn->laddr + (mapped ? 12 : 0), 4);
		memcpy(remote->addr, conn->raddr + (mapped ? 12 : 0), 4);
	} else {
		memcpy(local->addr, conn->laddr, sizeof(local->addr));
		memcpy(remote->addr, conn->raddr, sizeof(remote->addr));
	}
	local->port = conn->lport;
	remote->port = conn->rport;
	return mapped ? AF_INET : conn->family;
}

static struct socket_entry *entry_by_cookie(struct socket_entry *entry, uint64_t cookie)
{
	while (entry && entry->cookie != cookie)
		entry = entry->next;
	return entry;
}

int socket_table_learn(struct socket_table *table, const struct sock_event *event,
		       int64_t wall_offset_ns)
{
	const struct sock_conn *conn = &event->conn;
	struct tcp_endpoint local, remote;
	struct socket_entry *entry;
	size_t bucket;
	uint8_t family = socket_table_endpoints(conn, &local, &remote);

	bucket = bucket_of(&local, &remote);
	entry = entry_by_cookie(table->buckets[bucket], conn->cookie);
	if (!entry) {
		if (table->count >= table->max_sockets)
			return -ENOSPC;
		entry = calloc(1, sizeof(*entry));
		if (!entry)
			return -ENOMEM;
		entry->family = family;
		entry->local = local;
		entry->remote = remote;
		entry->cookie = conn->cookie;
		/* An older socket (before the trace) counts as open since the start of time. */
		entry->open_ns = conn->open_ts_ns ? conn->open_ts_ns + wall_offset_ns : 0;
		entry->next = table->buckets[bucket];
		table->buckets[bucket] = entry;
		table->count++;
	}
	if (event->type == SOCK_EV_END || event->type == SOCK_EV_END_UNSEEN)
		entry->end_ns = (conn->end_ts_ns ? conn->end_ts_ns : event->ts_ns) + wall_offset_ns;
	return 0;
}

static bool open_at(const struct socket_entry *entry, uint64_t ts_ns)
{
	return entry->open_ns <= ts_ns + CLOCK_SLACK_NS &&
	       (!entry->end_ns || ts_ns <= entry->end_ns + CLOCK_SLACK_NS);
}

size_t socket_table_find(const struct socket_table *table, uint8_t family,
			 const struct tcp_endpoint ends[2], uint64_t ts_ns,
			 struct socket_match matches[SOCKET_TABLE_MAX_MATCHES])
{
	const struct socket_entry *bucket = table->buckets[bucket_of(&ends[0], &ends[1])];
	size_t found = 0;

	/* Per local end, the newest matching socket: a 4-tuple can be reused. */
	for (unsigned local = 0; local < 2; local++) {
		const struct socket_entry *best = NULL;

		for (const struct socket_entry *entry = bucket; entry; entry = entry->next) {
			if (entry->family != family || !endpoint_eq(&entry->local, &ends[local]) ||
			    !endpoint_eq(&entry->remote, &ends[!local]) || !open_at(entry, ts_ns))
				continue;
			if (!best || entry->open_ns > best->open_ns)
				best = entry;
		}
		if (best)
			matches[found++] = (struct socket_match){best->cookie, local};
	}
	return found;
}

void socket_table_expire(struct socket_table *table, uint64_t now_ns)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		struct socket_entry **link = &table->buckets[i];

		while (*link) {
			struct socket_entry *entry = *link;

			if (entry->end_ns && entry->end_ns + table->linger_ns < now_ns) {
				*link = entry->next;
				free(entry);
				table->count--;
			} else {
				link = &entry->next;
			}
		}
	}
}
