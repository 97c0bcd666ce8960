#include <arpa/inet.h>
#include <errno.h>

#include "wire_event.h"

static json_t *json_addr(uint8_t family, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN];

	/* inet_ntop writes RFC 5952 text for IPv6. */
	if (!inet_ntop(family, addr, text, sizeof(text)))
		return json_null();
	return json_string(text);
}

static int perspective_fields(json_t *obj, const struct wire_event *event, unsigned local)
{
	const struct tcp_endpoint *here = &event->end[local], *there = &event->end[!local];
	bool sent_here = event->sender == local;
	int err = 0;

	switch (event->perspective) {
	case WIRE_FROM:
		err |= json_object_set_new(obj, "from", json_string(sent_here ? "local" : "peer"));
		break;
	case WIRE_ROLE:
		err |= json_object_set_new(
		    obj, "role", json_string(local == TCP_SIDE_CLIENT ? "client" : "server"));
		break;
	case WIRE_DIR_ADDRS:
		err |= json_object_set_new(obj, "dir", json_string(sent_here ? "out" : "in"));
		err |= json_object_set_new(obj, "laddr", json_addr(event->family, here->addr));
		err |= json_object_set_new(obj, "lport", json_integer(here->port));
		err |= json_object_set_new(obj, "raddr", json_addr(event->family, there->addr));
		err |= json_object_set_new(obj, "rport", json_integer(there->port));
		break;
	}
	return err ? -ENOMEM : 0;
}

json_t *wire_event_to_json(const struct wire_event *event, uint64_t conn, unsigned local)
{
	json_t *obj = json_object();

	if (!obj || json_object_set_new(obj, "event", json_string(event->name)) ||
	    json_object_set_new(obj, "ts_ns", json_integer((json_int_t)event->ts_ns)) ||
	    (conn && json_object_set_new(obj, "conn", json_integer((json_int_t)conn))) ||
	    perspective_fields(obj, event, local) || json_object_update(obj, event->body)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

void wire_event_release(struct wire_event *event)
{
	json_decref(event->body);
	event->body = NULL;
}
