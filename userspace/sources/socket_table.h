/* This host's traced TCP sockets by 4-tuple, learned from the socket tracer's conn_open and
 * conn_end records, so a packet's connection gets the socket cookie (the journal's "conn").
 * Ended sockets stay for a linger time, because their last packets may be decoded after the
 * end record arrived. Bounded. */
#ifndef SIPTRAIL_SOCKET_TABLE_H
#define SIPTRAIL_SOCKET_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "sock_events.h"
#include "tcp_reassembly.h"

#define SOCKET_TABLE_MAX_MATCHES 2 /* both ends of a loopback connection are local */

struct socket_match {
	uint64_t cookie;
	unsigned local; /* which of the two endpoints asked about is this socket's local end */
};

struct socket_table;

/* A hash of a connection's two ends, the same for both orders (a lookup asks for either
 * socket). */
uint32_t socket_table_conn_hash(const struct tcp_endpoint *a, const struct tcp_endpoint *b);

/* Returns NULL when out of memory. */
struct socket_table *socket_table_new(size_t max_sockets, uint64_t linger_ns);
void socket_table_free(struct socket_table *table);

/* The two ends of a tracer record's socket, as the wire path's events carry them, and the
 * family of its packets (AF_INET for an IPv6 socket talking to an IPv4-mapped peer). */
uint8_t socket_table_endpoints(const struct sock_conn *conn, struct tcp_endpoint *local,
			       struct tcp_endpoint *remote);

/* Learns from one tracer record; wall_offset_ns turns its CLOCK_MONOTONIC times into wall
 * time. Returns 0, or -ENOSPC when the table is full (the socket is not learned). */
int socket_table_learn(struct socket_table *table, const struct sock_event *event,
		       int64_t wall_offset_ns);

/* Sockets of this host on the connection between ends[0] and ends[1] that were open at wall
 * time ts_ns. Returns how many were stored in matches. */
size_t socket_table_find(const struct socket_table *table, uint8_t family,
			 const struct tcp_endpoint ends[2], uint64_t ts_ns,
			 struct socket_match matches[SOCKET_TABLE_MAX_MATCHES]);

/* Forgets sockets that ended more than the linger time before now_ns. */
void socket_table_expire(struct socket_table *table, uint64_t now_ns);

#endif
