/* Ties wire events to this host's sockets and writes them out. A TCP event is held until the
 * socket tracer has reported every local socket of its connection (the SYN and the first
 * bytes are often decoded before the conn_open record is read from the ring buffer), or until
 * a deadline; then it is written once per local socket, with that socket's cookie as "conn".
 * Events whose connection has no traced socket (other processes with --pid, a full socket
 * table) are counted, not written. UDP events are written at once. */
#ifndef SIPTRAIL_WIRE_RESOLVER_H
#define SIPTRAIL_WIRE_RESOLVER_H

#include <stdint.h>

#include "sock_events.h"
#include "wire_event.h"

/* Takes one finished event (it may move it out, leaving it empty). Returns 0 or a negative
 * errno. */
typedef int (*wire_output_fn)(void *ctx, struct event *event);

struct wire_resolver_counts {
	uint64_t written;      /* events written */
	uint64_t unmatched;    /* TCP events with no traced socket by their deadline */
	uint64_t pending_full; /* events dropped because too many were waiting */
	uint64_t sockets_full; /* sockets not learned: the socket table was full */
};

struct wire_resolver;

/* Returns NULL when out of memory. */
struct wire_resolver *wire_resolver_new(wire_output_fn output, void *ctx, int64_t wall_offset_ns);
void wire_resolver_free(struct wire_resolver *resolver);

/* Learns a socket from a tracer record and writes the events of its connection that were
 * waiting for it.
 * Returns 0 or the output's error. */
int wire_resolver_socket(struct wire_resolver *resolver, const struct sock_event *event);

/* Takes the event (its body is owned from now on). Returns 0 or the output's error. */
int wire_resolver_add(struct wire_resolver *resolver, struct wire_event *event);

/* Gives up on the events past their deadline (taken in arrival order, which is packet order:
 * one that arrived later waits behind an earlier one), writing each for the sockets found,
 * and forgets old sockets. final: give up on everything still waiting (end of the run). */
int wire_resolver_tick(struct wire_resolver *resolver, uint64_t now_ns, bool final);

void wire_resolver_counts(const struct wire_resolver *resolver, struct wire_resolver_counts *out);

#endif
