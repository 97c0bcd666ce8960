/*
 * Event -> JSON object with jansson: the one event-to-JSON path, for `siptrail live` and
 * `siptrail replay` alike. Absent optional values are written as null. The fields a source
 * adds (the socket tracer's flags, the libssl probe's process, the wire path's own chain check,
 * live's loss counters) are written when the event says the source gave them. Keys are ASCII
 * literals: the _nocheck forms of jansson skip a UTF-8 scan of each, measurable as every live
 * event passes here.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal_write.h"
#include "packet_decode.h"
#include "tls_handshake.h"

/* Sets KEY (an ASCII literal) to VALUE (consumed); a NULL value (out of memory, text that is
 * not UTF-8) is written as null. Returns nonzero when the object could not take it. */
static int set(json_t *obj, const char *key, json_t *value)
{
	return json_object_set_new_nocheck(obj, key, value ? value : json_null());
}

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

/* Address text is ASCII. */
static json_t *addr_string(const struct ip_addr *addr)
{
	return json_string_nocheck(ip_addr_text(addr).text);
}

const char *const tunnel_kind_names[PACKET_ENCAP_COUNT + 1] = {
    [PACKET_ENCAP_NONE] = "",		[PACKET_ENCAP_IPIP] = "ipip",
    [PACKET_ENCAP_IP6IP] = "ip6ip",	[PACKET_ENCAP_GRE] = "gre",
    [PACKET_ENCAP_ERSPAN1] = "erspan1", [PACKET_ENCAP_ERSPAN2] = "erspan2",
    [PACKET_ENCAP_ERSPAN3] = "erspan3", [PACKET_ENCAP_VXLAN] = "vxlan",
    [PACKET_ENCAP_GTPU] = "gtpu",	[PACKET_ENCAP_COUNT] = NULL,
};

static json_t *tunnel_object(const struct ev_tunnel *t)
{
	if (t->encap >= PACKET_ENCAP_COUNT)
		return NULL;
	return json_pack("{s:s, s:o, s:o, s:o}", "kind", tunnel_kind_names[t->encap], "src",
			 addr_string(&t->src), "dst", addr_string(&t->dst), "id",
			 t->id_given ? u64(t->id) : json_null());
}

static int set_endpoints(json_t *obj, const struct endpoint *local, const struct endpoint *remote)
{
	return set(obj, "laddr", addr_string(&local->addr)) |
	       set(obj, "lport", json_integer(local->port)) |
	       set(obj, "raddr", addr_string(&remote->addr)) |
	       set(obj, "rport", json_integer(remote->port));
}

static int set_libssl_process(json_t *obj, const struct ev_libssl *libssl)
{
	return set(obj, "pid", json_integer(libssl->pid)) |
	       set(obj, "comm", json_string(libssl->comm)) | set(obj, "netns", u64(libssl->netns));
}

static int set_conn(json_t *obj, const struct event *ev)
{
	const struct ev_conn *c = &ev->conn_ev;
	bool direction_known = c->direction != DIR_UNKNOWN;
	int err = set_endpoints(obj, &c->local, &c->remote);

	err |= set(obj, "direction",
		   direction_known ? json_string_nocheck(direction_name(c->direction)) : NULL);
	/* The side that opens the TCP connection is the TLS client (RFC 8446 §2). */
	err |=
	    set(obj, "tls_role",
		direction_known ? json_string_nocheck(c->tls_client ? "client" : "server") : NULL);
	/* a capture knows no process: null, as the contract allows */
	err |= set(obj, "pid", c->pid ? json_integer(c->pid) : NULL);
	err |= set(obj, "comm", str_or_null(c->comm));
	err |= set(obj, "netns", c->netns || c->kernel_flags ? u64(c->netns) : NULL);
	if (c->kernel_flags)
		err |= set(obj, "before_trace", json_boolean(c->before_trace));
	if (c->tunnel.encap)
		err |= set(obj, "tunnel", tunnel_object(&c->tunnel));
	if (ev->kind == EV_CONN_OPEN)
		return err;
	if (ev->kind == EV_CONN_END)
		err |= set(obj, "duration_ns", c->duration_unknown ? NULL : u64(c->duration_ns));
	err |= set(obj, "bytes_sent", u64(c->bytes_sent));
	err |= set(obj, "bytes_received", u64(c->bytes_received));
	err |= set(obj, "closed_by", str_or_null(side_or_null(c->closed_by)));
	err |= set(obj, "how", str_or_null(how_names[c->how]));
	err |=
	    set(obj, "first_close_ts_ns", c->first_close_ts_ns ? u64(c->first_close_ts_ns) : NULL);
	err |= set(obj, "idle_ns", c->idle_unknown ? NULL : u64(c->idle_ns));
	if (ev->kind != EV_CONN_END)
		return err;
	err |= set(obj, "retransmits", u64(c->retransmits));
	err |= set(obj, "sk_error", str_or_null(c->sk_error));
	if (c->kernel_flags) {
		err |= set(obj, "rst_sent", json_boolean(c->rst_sent));
		err |= set(obj, "rst_received", json_boolean(c->rst_received));
	}
	if (c->end_unseen)
		err |= set(obj, "end_unseen", json_true());
	return err;
}

static int set_handshake(json_t *obj, const struct ev_tls_handshake *h)
{
	int err = 0;

	if (h->libssl.given)
		err |=
		    set_endpoints(obj, &h->local, &h->remote) | set_libssl_process(obj, &h->libssl);
	err |= set(obj, "role",
		   h->role_unknown ? NULL : json_string_nocheck(h->client ? "client" : "server"));
	err |= set(obj, "ok", json_boolean(h->ok));
	err |= set(obj, "start_ts_ns", u64(h->start_ts_ns));
	err |= set(obj, "duration_ns", u64(h->duration_ns));
	err |= set(obj, "error", str_or_null(h->error));
	if (h->libssl.given)
		err |= set(obj, "error_detail", str_or_null(h->error_detail));
	err |= set(obj, "verify_error", str_or_null(h->verify_error));
	err |= set(obj, "after_handshake", json_boolean(h->after_handshake));
	if (h->libssl.given)
		err |= set(obj, "source", json_string_nocheck("libssl"));
	return err;
}

/* An IANA name, or "0x0305" for a value the table does not know. */
static const char *tls_name(const char *name, uint16_t value, char hex[8])
{
	if (name)
		return name;
	snprintf(hex, 8, "0x%04x", value);
	return hex;
}

const char *tls_version_text(uint16_t version, char hex[8])
{
	return tls_name(tls_version_name(version), version, hex);
}

const char *tls_cipher_text(uint16_t cipher_suite, char hex[8])
{
	return tls_name(tls_cipher_suite_name(cipher_suite), cipher_suite, hex);
}

const char *tls_alert_level_text(const struct ev_tls_alert *alert, char hex[8])
{
	return tls_name(tls_alert_level_name(alert->level), alert->level, hex);
}

static int set_alert(json_t *obj, const struct ev_tls_alert *a)
{
	char hex[8];
	json_t *level = json_string(tls_alert_level_text(a, hex));

	return set(obj, "from", str_or_null(side_or_null(a->from))) | set(obj, "level", level) |
	       set(obj, "description", json_string(a->description)) |
	       set(obj, "code", json_integer(a->code));
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

static int set_chain(json_t *obj, const struct ev_tls_chain *ch)
{
	json_t *certs = json_array();
	int err = 0;

	err |= set(obj, "from", str_or_null(side_or_null(ch->from)));
	err |= set(obj, "sni", str_or_null(ch->sni));
	for (size_t i = 0; certs && i < ch->n_certs; i++) {
		const struct ev_cert *c = &ch->certs[i];
		json_array_append_new(
		    certs,
		    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "subject", str_or_null(c->subject),
			      "issuer", str_or_null(c->issuer), "sans", sans_array(c->sans),
			      "not_before", str_or_null(c->not_before), "not_after",
			      str_or_null(c->not_after), "sha256", str_or_null(c->sha256)));
	}
	err |= set(obj, "certs", certs);
	err |= set(obj, "verdict",
		   ch->verdict == CHAIN_UNKNOWN
		       ? NULL
		       : json_string_nocheck(chain_verdict_name(ch->verdict)));
	err |= set(obj, "missing_issuer", str_or_null(ch->missing_issuer));
	if (ch->verify_given)
		err |= set(obj, "verify_error", str_or_null(ch->verify_error));
	return err;
}

static int set_hello(json_t *obj, const struct ev_tls_hello *hello)
{
	json_t *offered = json_array();
	int err = !offered;
	char hex[8];

	for (size_t i = 0; !err && i < hello->n_offered; i++)
		err |= json_array_append_new(offered,
					     json_string(tls_version_text(hello->offered[i], hex)));
	err |= set(obj, "role", json_string_nocheck(hello->client ? "client" : "server"));
	err |= set(obj, "sni", str_or_null(hello->sni));
	err |= set(obj, "offered_versions", offered);
	err |= set(obj, "version",
		   hello->server_hello_seen ? json_string(tls_version_text(hello->version, hex))
					    : NULL);
	err |= set(obj, "cipher",
		   hello->server_hello_seen ? json_string(tls_cipher_text(hello->cipher_suite, hex))
					    : NULL);
	err |= set(obj, "hello_retry", json_boolean(hello->hello_retry));
	return err;
}

static json_t *epoch_time(int64_t epoch_s)
{
	char text[32];

	return epoch_rfc3339(epoch_s, text, sizeof(text)) ? json_string(text) : NULL;
}

static int set_leaf_changed(json_t *obj, const struct ev_tls_leaf_changed *leaf)
{
	return set(obj, "from", str_or_null(side_or_null(leaf->from))) |
	       set(obj, "peer", addr_string(&leaf->peer.addr)) |
	       set(obj, "peer_port", leaf->peer.port ? json_integer(leaf->peer.port) : NULL) |
	       set(obj, "sni", str_or_null(leaf->sni)) |
	       set(obj, "old", json_string(leaf->old_sha256)) |
	       set(obj, "new", json_string(leaf->new_sha256)) |
	       set(obj, "old_subject", json_string(leaf->old_subject ? leaf->old_subject : "")) |
	       set(obj, "new_subject", json_string(leaf->new_subject ? leaf->new_subject : "")) |
	       set(obj, "old_not_after", epoch_time(leaf->old_not_after)) |
	       set(obj, "new_not_after", epoch_time(leaf->new_not_after));
}

/* SIP text is nearly always ASCII: checked 8 bytes at a time it needs no UTF-8 walk (jansson's
 * check, a call per code point, was about 7 % of `siptrail live`'s CPU on a SIP trunk). */
static bool text_is_ascii(const char *text, size_t len)
{
	uint64_t bits = 0, word;
	size_t i = 0;

	for (; i + sizeof(word) <= len; i += sizeof(word)) {
		memcpy(&word, text + i, sizeof(word));
		bits |= word;
	}
	for (; i < len; i++)
		bits |= (unsigned char)text[i];
	return !(bits & 0x8080808080808080ULL);
}

static json_t *sip_text(const char *raw, size_t len)
{
	return text_is_ascii(raw, len) ? json_stringn_nocheck(raw, len) : json_stringn(raw, len);
}

static int set_sip(json_t *obj, const struct ev_sip *s)
{
	/* NULL (written as null) when the text is not UTF-8: libssl plaintext cut inside a
	 * character keeps its event and loses its text */
	json_t *raw = s->raw ? sip_text(s->raw, s->raw_len) : NULL;
	int err = 0;

	if (s->libssl.given)
		err |=
		    set_endpoints(obj, &s->local, &s->remote) | set_libssl_process(obj, &s->libssl);
	err |= set(obj, "dir", json_string_nocheck(direction_name(s->dir)));
	err |= set(obj, "transport", str_or_null(event_transport_name(s->transport)));
	if (!s->libssl.given)
		err |= set_endpoints(obj, &s->local, &s->remote);
	if (s->tunnel.encap)
		err |= set(obj, "tunnel", tunnel_object(&s->tunnel));
	err |= set(obj, "raw", raw);
	if (s->libssl.given)
		err |= set(obj, "total_len", u64(s->total_len)) |
		       set(obj, "truncated", json_boolean(s->truncated)) |
		       set(obj, "source", json_string_nocheck("libssl"));
	else if (s->decrypted)
		err |= set(obj, "source", json_string_nocheck("decrypted"));
	return err;
}

#define LOST_COUNTER(name, group)                                                                  \
	{                                                                                          \
#name, offsetof(struct ev_lost, name), group                                       \
	}

const struct lost_counter lost_counters[] = {
    LOST_COUNTER(ringbuf, LOST_ALWAYS),
    LOST_COUNTER(map_full, LOST_ALWAYS),
    LOST_COUNTER(ringbuf_conn_open, LOST_DETAILED),
    LOST_COUNTER(ringbuf_conn_end, LOST_DETAILED),
    LOST_COUNTER(ringbuf_conn_close_late, LOST_DETAILED),
    LOST_COUNTER(skipped_calls, LOST_DETAILED),
    LOST_COUNTER(ends_unseen, LOST_DETAILED),
    LOST_COUNTER(wire_drops, LOST_WIRE),
    LOST_COUNTER(wire_streams_dropped, LOST_WIRE),
    LOST_COUNTER(wire_gaps, LOST_WIRE),
    LOST_COUNTER(wire_pending_full, LOST_WIRE),
    LOST_COUNTER(wire_sockets_full, LOST_WIRE),
    LOST_COUNTER(wire_unmatched, LOST_WIRE),
    LOST_COUNTER(wire_tls_no_handshake, LOST_WIRE),
    LOST_COUNTER(wire_tls_no_secrets, LOST_WIRE),
    LOST_COUNTER(wire_tls_unsupported, LOST_WIRE),
    LOST_COUNTER(wire_tls_auth_failed, LOST_WIRE),
    LOST_COUNTER(ringbuf_tls, LOST_DETAILED),
};

const size_t lost_counters_count = sizeof(lost_counters) / sizeof(lost_counters[0]);

static int set_lost(json_t *obj, const struct ev_lost *lost)
{
	int err = 0;

	for (size_t i = 0; i < lost_counters_count; i++) {
		const struct lost_counter *c = &lost_counters[i];
		if ((c->group == LOST_DETAILED && !lost->detailed) ||
		    (c->group == LOST_WIRE && !lost->wire))
			continue;
		err |= set(obj, c->field, u64(*(const uint64_t *)((const char *)lost + c->offset)));
	}
	return err;
}

json_t *event_to_json(const struct event *ev)
{
	json_t *obj = json_object();
	int err;

	if (!obj)
		return NULL;
	err = set(obj, "event", json_string_nocheck(event_kind_name(ev->kind))) |
	      set(obj, "ts_ns", u64(ev->ts_ns));
	if (event_has_conn(ev))
		err |= set(obj, "conn", u64(ev->conn));
	switch (ev->kind) {
	case EV_CONN_OPEN:
	case EV_CONN_CLOSE:
	case EV_CONN_END:
		err |= set_conn(obj, ev);
		break;
	case EV_TLS_HANDSHAKE:
		err |= set_handshake(obj, &ev->handshake);
		break;
	case EV_TLS_ALERT:
		err |= set_alert(obj, &ev->alert);
		break;
	case EV_TLS_CHAIN:
		err |= set_chain(obj, &ev->chain);
		break;
	case EV_SIP:
		err |= set_sip(obj, &ev->sip);
		break;
	case EV_TLS_HELLO:
		err |= set_hello(obj, &ev->hello);
		break;
	case EV_TLS_LEAF_CHANGED:
		err |= set_leaf_changed(obj, &ev->leaf);
		break;
	case EV_LOST:
		err |= set_lost(obj, &ev->lost);
		break;
	}
	if (err) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}
