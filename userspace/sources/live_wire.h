/* The wire part of `siptrail live`: the wire source (packets -> TLS and SIP events) joined to
 * the resolver that gives each event the conn id of this host's socket, with the counts the
 * run reports ("lost" event fields and the summary line). */
#ifndef SIPTRAIL_LIVE_WIRE_H
#define SIPTRAIL_LIVE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "sock_events.h"
#include "wire_resolver.h"
#include "wire_source.h"

struct live_wire_counts {
	struct wire_source_counts source;
	struct wire_resolver_counts resolver;
};

struct live_wire;

/* Told each traced port a TLS hello was seen on, as soon as it is decoded. */
typedef void (*wire_tls_port_fn)(void *ctx, uint16_t port);

/* output takes each finished event; on_tls_port may be NULL. Returns 0 or a
 * negative errno with why. */
int live_wire_open(const struct wire_source_config *config, wire_output_fn output,
		   wire_tls_port_fn on_tls_port, void *ctx, int64_t wall_offset_ns,
		   struct live_wire **out, char *why, size_t why_len);

/* For poll(): readable when packets wait. */
int live_wire_fd(const struct live_wire *wire);

/* A socket record from the tracer (after it was written). Returns 0 or a negative errno. */
int live_wire_socket(struct live_wire *wire, const struct sock_event *event);

/* Decodes the packets waiting and writes what can be tied to sockets. final: the run ends,
 * every stream is ended and nothing waits any more. Returns how many packets were read, or
 * a negative errno. */
int live_wire_poll(struct live_wire *wire, uint64_t now_ns, bool final);

/* Returns 0 or a negative errno. */
int live_wire_counts(struct live_wire *wire, struct live_wire_counts *counts);

/* Losses that deserve a "lost" event when they change (drops and table limits). */
bool live_wire_losses_changed(const struct live_wire_counts *now,
			      const struct live_wire_counts *before);

/* Adds the wire counters to a "lost" event. */
void live_wire_losses(const struct live_wire_counts *counts, struct ev_lost *lost);

/* NULL is fine. */
void live_wire_close(struct live_wire *wire);

#endif
