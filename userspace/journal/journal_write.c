/* Event -> JSON line with jansson; absent optional values are written as null, as live does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal_write.h"

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static const char *const how_names[] = {
    [CLOSE_UNKNOWN] = NULL,	 [CLOSE_FIN] = "fin",	      [CLOSE_RST_IN] = "rst_in",
    [CLOSE_RST_OUT] = "rst_out", [CLOSE_REFUSED] = "refused", [CLOSE_TIMEOUT] = "timeout",
};

static const char *side_or_null(enum side side)
{
	return side == SIDE_LOCAL ? "local" : side == SIDE_PEER ? "peer" : NULL;
}

static void set_endpoints(json_t *obj, const struct endpoint *local, const struct endpoint *remote)
{
	json_object_set_new(obj, "laddr", json_string(local->addr));
	json_object_set_new(obj, "lport", json_integer(local->port));
	json_object_set_new(obj, "raddr", json_string(remote->addr));
	json_object_set_new(obj, "rport", json_integer(remote->port));
}

static void set_conn(json_t *obj, const struct event *ev)
{
	const struct ev_conn *c = &ev->conn_ev;

	set_endpoints(obj, &c->local, &c->remote);
	json_object_set_new(obj, "direction", json_string(direction_name(c->direction)));
	json_object_set_new(obj, "tls_role", json_string(c->tls_client ? "client" : "server"));
	/* a capture knows no process: null, as the contract allows */
	json_object_set_new(obj, "pid", c->pid ? json_integer(c->pid) : json_null());
	json_object_set_new(obj, "comm", str_or_null(c->comm));
	json_object_set_new(obj, "netns", c->netns ? u64(c->netns) : json_null());
	if (ev->kind != EV_CONN_END)
		return;
	json_object_set_new(obj, "duration_ns", u64(c->duration_ns));
	json_object_set_new(obj, "bytes_sent", u64(c->bytes_sent));
	json_object_set_new(obj, "bytes_received", u64(c->bytes_received));
	json_object_set_new(obj, "retransmits", u64(c->retransmits));
	json_object_set_new(obj, "closed_by", str_or_null(side_or_null(c->closed_by)));
	json_object_set_new(obj, "how", str_or_null(how_names[c->how]));
	json_object_set_new(obj, "first_close_ts_ns",
			    c->first_close_ts_ns ? u64(c->first_close_ts_ns) : json_null());
	json_object_set_new(obj, "idle_ns", u64(c->idle_ns));
	json_object_set_new(obj, "sk_error", str_or_null(c->sk_error));
}

static json_t *sans_array(const char *sans)
{
	json_t *arr = json_array();
	const char *p = sans;

	while (arr && p && *p) {
		size_t n = strcspn(p, ",");
		json_array_append_new(arr, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return arr;
}

static void set_chain(json_t *obj, const struct ev_tls_chain *ch)
{
	json_t *certs = json_array();

	json_object_set_new(obj, "from", str_or_null(side_or_null(ch->from)));
	json_object_set_new(obj, "sni", str_or_null(ch->sni));
	for (size_t i = 0; certs && i < ch->n_certs; i++) {
		const struct ev_cert *c = &ch->certs[i];
		json_array_append_new(
		    certs,
		    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "subject", str_or_null(c->subject),
			      "issuer", str_or_null(c->issuer), "sans", sans_array(c->sans),
			      "not_before", str_or_null(c->not_before), "not_after",
			      str_or_null(c->not_after), "sha256", str_or_null(c->sha256)));
	}
	json_object_set_new(obj, "certs", certs ? certs : json_null());
	json_object_set_new(obj, "verdict",
			    ch->verdict == CHAIN_UNKNOWN
				? json_null()
				: json_string(chain_verdict_name(ch->verdict)));
	json_object_set_new(obj, "missing_issuer", str_or_null(ch->missing_issuer));
}

static const char *transport_name(enum transport transport)
{
	static const char *const names[] = {
	    [TRANSPORT_UNKNOWN] = NULL,
	    [TRANSPORT_UDP] = "udp",
	    [TRANSPORT_TCP] = "tcp",
	    [TRANSPORT_TLS] = "tls",
	};
	return names[transport];
}

json_t *event_to_json(const struct event *ev)
{
	json_t *obj = json_pack("{s:s, s:I}", "event", event_kind_name(ev->kind), "ts_ns",
				(json_int_t)ev->ts_ns);

	if (!obj)
		return NULL;
	if (ev->conn)
		json_object_set_new(obj, "conn", u64(ev->conn));
	switch (ev->kind) {
	case EV_CONN_OPEN:
	case EV_CONN_CLOSE:
	case EV_CONN_END:
		set_conn(obj, ev);
		break;
	case EV_TLS_HANDSHAKE:
		json_object_set_new(obj, "role",
				    json_string(ev->handshake.client ? "client" : "server"));
		json_object_set_new(obj, "ok", json_boolean(ev->handshake.ok));
		json_object_set_new(obj, "start_ts_ns", u64(ev->handshake.start_ts_ns));
		json_object_set_new(obj, "duration_ns", u64(ev->handshake.duration_ns));
		json_object_set_new(obj, "error", str_or_null(ev->handshake.error));
		json_object_set_new(obj, "verify_error", str_or_null(ev->handshake.verify_error));
		json_object_set_new(obj, "after_handshake",
				    json_boolean(ev->handshake.after_handshake));
		break;
	case EV_TLS_ALERT:
		json_object_set_new(obj, "from", str_or_null(side_or_null(ev->alert.from)));
		json_object_set_new(obj, "level",
				    json_string(ev->alert.fatal ? "fatal" : "warning"));
		json_object_set_new(obj, "description", json_string(ev->alert.description));
		json_object_set_new(obj, "code", json_integer(ev->alert.code));
		break;
	case EV_TLS_CHAIN:
		set_chain(obj, &ev->chain);
		break;
	case EV_SIP:
		json_object_set_new(obj, "dir", json_string(direction_name(ev->sip.dir)));
		json_object_set_new(obj, "transport",
				    str_or_null(transport_name(ev->sip.transport)));
		set_endpoints(obj, &ev->sip.local, &ev->sip.remote);
		json_object_set_new(obj, "raw", json_stringn(ev->sip.raw, ev->sip.raw_len));
		break;
	case EV_TLS_HELLO:
	case EV_TLS_LEAF_CHANGED:
		break; /* the live wire source writes these as JSON; events keep no fields */
	case EV_LOST:
		json_object_set_new(obj, "ringbuf", u64(ev->lost.ringbuf));
		json_object_set_new(obj, "map_full", u64(ev->lost.map_full));
		break;
	}
	return obj;
}
