#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "wire_event.h"

static void endpoint_of(struct endpoint *out, uint8_t family, const struct tcp_endpoint *end)
{
	ip_addr_set(&out->addr, family, end->addr);
	out->port = end->port;
}

void wire_event_start(struct wire_event *event, const struct wire_event *template,
		      enum wire_perspective perspective, unsigned sender, uint64_t ts_ns)
{
	memcpy(event, template, offsetof(struct wire_event, body));
	event->perspective = perspective;
	event->sender = sender;
	event->ts_ns = ts_ns;
}

int wire_event_resolve(struct wire_event *event, uint64_t conn, unsigned local, bool take,
		       struct event *out)
{
	enum side from = event->sender == local ? SIDE_LOCAL : SIDE_PEER;

	if (take)
		event_move(out, &event->body);
	else if (event_copy(out, &event->body))
		return -ENOMEM;
	out->ts_ns = event->ts_ns;
	out->conn = conn;
	switch (event->perspective) {
	case WIRE_FROM:
		if (out->kind == EV_TLS_ALERT)
			out->alert.from = from;
		else if (out->kind == EV_TLS_CHAIN)
			out->chain.from = from;
		else if (out->kind == EV_TLS_LEAF_CHANGED)
			out->leaf.from = from;
		break;
	case WIRE_ROLE:
		out->hello.client = local == TCP_SIDE_CLIENT;
		break;
	case WIRE_DIR_ADDRS:
		out->sip.dir = from == SIDE_LOCAL ? DIR_OUT : DIR_IN;
		endpoint_of(&out->sip.local, event->family, &event->end[local]);
		endpoint_of(&out->sip.remote, event->family, &event->end[!local]);
		break;
	}
	return 0;
}

void wire_event_release(struct wire_event *event)
{
	event_release(&event->body);
}
