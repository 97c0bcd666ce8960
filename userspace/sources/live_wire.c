#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_wire.h"

struct live_wire {
	struct wire_source *source;
	struct wire_resolver *resolver;
	const struct port_set *ports;
	wire_tls_port_fn on_tls_port;
	void *ctx;
};

static int take_event(void *ctx, struct wire_event *event)
{
	struct live_wire *wire = ctx;

	if (wire->on_tls_port && event->tcp && event->body.kind == EV_TLS_HELLO)
		for (size_t i = 0; i < 2; i++)
			if (wire->ports->traced[event->end[i].port])
				wire->on_tls_port(wire->ctx, event->end[i].port);
	return wire_resolver_add(wire->resolver, event);
}

int live_wire_open(const struct wire_source_config *config, wire_output_fn output,
		   wire_tls_port_fn on_tls_port, void *ctx, int64_t wall_offset_ns,
		   struct live_wire **out, char *why, size_t why_len)
{
	struct live_wire *wire = calloc(1, sizeof(*wire));
	int err;

	if (!wire || !(wire->resolver = wire_resolver_new(output, ctx, wall_offset_ns))) {
		free(wire);
		snprintf(why, why_len, "wire: out of memory");
		return -ENOMEM;
	}
	wire->ports = config->ports;
	wire->on_tls_port = on_tls_port;
	wire->ctx = ctx;
	err = wire_source_open(config, take_event, wire, &wire->source, why, why_len);
	if (err) {
		live_wire_close(wire);
		return err;
	}
	*out = wire;
	return 0;
}

int live_wire_fd(const struct live_wire *wire)
{
	return wire_source_fd(wire->source);
}

int live_wire_socket(struct live_wire *wire, const struct sock_event *event)
{
	return wire_resolver_socket(wire->resolver, event);
}

int live_wire_poll(struct live_wire *wire, uint64_t now_ns, bool final)
{
	int packets = wire_source_drain(wire->source);
	int err = packets < 0 ? packets : 0;

	if (!err && final)
		err = wire_source_finish(wire->source, now_ns);
	if (!err)
		err = wire_resolver_tick(wire->resolver, now_ns, final);
	return err < 0 ? err : packets;
}

int live_wire_counts(struct live_wire *wire, struct live_wire_counts *counts)
{
	wire_resolver_counts(wire->resolver, &counts->resolver);
	return wire_source_counts(wire->source, &counts->source);
}

bool live_wire_losses_changed(const struct live_wire_counts *now,
			      const struct live_wire_counts *before)
{
	return now->source.drops != before->source.drops ||
	       now->source.streams_dropped != before->source.streams_dropped ||
	       now->source.gaps != before->source.gaps ||
	       now->resolver.pending_full != before->resolver.pending_full ||
	       now->resolver.sockets_full != before->resolver.sockets_full ||
	       now->source.tls_decrypt.no_secrets != before->source.tls_decrypt.no_secrets ||
	       now->source.tls_decrypt.unsupported != before->source.tls_decrypt.unsupported ||
	       now->source.tls_decrypt.auth_failed != before->source.tls_decrypt.auth_failed;
}

void live_wire_losses(const struct live_wire_counts *counts, struct ev_lost *lost)
{
	lost->wire = true;
	lost->wire_drops = counts->source.drops;
	lost->wire_streams_dropped = counts->source.streams_dropped;
	lost->wire_gaps = counts->source.gaps;
	lost->wire_pending_full = counts->resolver.pending_full;
	lost->wire_sockets_full = counts->resolver.sockets_full;
	lost->wire_unmatched = counts->resolver.unmatched;
	lost->wire_tls_no_handshake = counts->source.tls_decrypt.no_handshake;
	lost->wire_tls_no_secrets = counts->source.tls_decrypt.no_secrets;
	lost->wire_tls_unsupported = counts->source.tls_decrypt.unsupported;
	lost->wire_tls_auth_failed = counts->source.tls_decrypt.auth_failed;
}

void live_wire_close(struct live_wire *wire)
{
	if (!wire)
		return;
	wire_source_close(wire->source);
	wire_resolver_free(wire->resolver);
	free(wire);
}
