#include "tls_event_json.h"

static json_t *string_or_null(const char *text)
{
	return text && text[0] ? json_string(text) : json_null();
}

static json_t *json_common(const char *name, const struct tls_event *ev)
{
	return json_pack("{s:s, s:I, s:I, s:s, s:i, s:s, s:i, s:I, s:s, s:I}", "event", name,
			 "ts_ns", (json_int_t)ev->ts_ns, "conn", (json_int_t)ev->conn, "laddr",
			 ev->laddr, "lport", ev->lport, "raddr", ev->raddr, "rport", ev->rport,
			 "pid", (json_int_t)ev->pid, "comm", ev->comm, "netns",
			 (json_int_t)ev->netns);
}

static json_t *handshake_json(const struct tls_event *ev)
{
	const struct tls_handshake *hs = &ev->handshake;
	json_t *obj = json_common("tls_handshake", ev);

	if (!obj)
		return NULL;
	json_object_set_new(obj, "role", string_or_null(hs->role));
	json_object_set_new(obj, "ok", json_boolean(hs->ok));
	json_object_set_new(obj, "start_ts_ns", json_integer((json_int_t)hs->start_ts_ns));
	json_object_set_new(obj, "duration_ns", json_integer((json_int_t)hs->duration_ns));
	json_object_set_new(obj, "error", string_or_null(hs->error));
	json_object_set_new(obj, "error_detail", string_or_null(hs->error_detail));
	json_object_set_new(obj, "verify_error", string_or_null(hs->verify_error));
	json_object_set_new(obj, "after_handshake", json_boolean(hs->after_handshake));
	json_object_set_new(obj, "source", json_string("libssl"));
	return obj;
}

static json_t *sip_json(const struct tls_event *ev)
{
	const struct tls_data *data = &ev->data;
	json_t *raw = json_stringn((const char *)data->bytes, data->len);
	json_t *obj;

	/* Not UTF-8 (binary or cut inside a character): keep the event, lose the text. */
	if (!raw)
		raw = json_null();
	obj = json_common("sip", ev);
	if (!obj) {
		json_decref(raw);
		return NULL;
	}
	json_object_set_new(obj, "dir", json_string(data->out ? "out" : "in"));
	json_object_set_new(obj, "transport", json_string("tls"));
	json_object_set_new(obj, "raw", raw);
	json_object_set_new(obj, "total_len", json_integer((json_int_t)data->total_len));
	json_object_set_new(obj, "truncated", json_boolean(data->truncated));
	json_object_set_new(obj, "source", json_string("libssl"));
	return obj;
}

json_t *tls_event_to_json(const struct tls_event *ev)
{
	switch (ev->kind) {
	case TLS_EVENT_HANDSHAKE_END:
		return handshake_json(ev);
	case TLS_EVENT_DATA:
		return sip_json(ev);
	default:
		return NULL;
	}
}
