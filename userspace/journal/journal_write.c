/*
 * Event -> compact JSON line, written straight from the event (no jansson tree): the one
 * event-to-JSON path, for `siptrail live` and `siptrail replay` alike. Absent optional values
 * are written as null. The fields a source adds (the socket tracer's flags, the libssl probe's
 * process, the wire path's own chain check, live's loss counters) are written when the event
 * says the source gave them. The bytes are what jansson's json_dumpb(JSON_COMPACT) made of the
 * object this file used to build (keys in insertion order; text that is not UTF-8 is null):
 * building that object per event cost `siptrail live` a dozen allocations and a copy of the
 * SIP text per event.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_compact.h"
#include "journal_write.h"
#include "packet_decode.h"
#include "tls_handshake.h"
#include "utf8_text.h"

static const char *const how_names[] = {
    [CLOSE_UNKNOWN] = NULL,	 [CLOSE_FIN] = "fin",	      [CLOSE_RST_IN] = "rst_in",
    [CLOSE_RST_OUT] = "rst_out", [CLOSE_REFUSED] = "refused", [CLOSE_TIMEOUT] = "timeout",
};

static const char *side_or_null(enum side side)
{
	return side == SIDE_LOCAL ? "local" : side == SIDE_PEER ? "peer" : NULL;
}

const char *const tunnel_kind_names[PACKET_ENCAP_COUNT + 1] = {
    [PACKET_ENCAP_NONE] = "",		[PACKET_ENCAP_IPIP] = "ipip",
    [PACKET_ENCAP_IP6IP] = "ip6ip",	[PACKET_ENCAP_GRE] = "gre",
    [PACKET_ENCAP_ERSPAN1] = "erspan1", [PACKET_ENCAP_ERSPAN2] = "erspan2",
    [PACKET_ENCAP_ERSPAN3] = "erspan3", [PACKET_ENCAP_VXLAN] = "vxlan",
    [PACKET_ENCAP_GTPU] = "gtpu",	[PACKET_ENCAP_COUNT] = NULL,
};

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

static void put_u64(struct json_out *out, const char *key, uint64_t value)
{
	json_out_key(out, key);
	json_out_int(out, (int64_t)value);
}

static void put_addr(struct json_out *out, const char *key, const struct ip_addr *addr)
{
	json_out_key(out, key);
	json_out_name(out, ip_addr_text(addr).text);
}

static void put_tunnel(struct json_out *out, const struct ev_tunnel *t)
{
	json_out_key(out, "tunnel");
	if (t->encap >= PACKET_ENCAP_COUNT) {
		json_out_null(out);
		return;
	}
	json_out_open(out, '{');
	json_out_key(out, "kind");
	json_out_string(out, tunnel_kind_names[t->encap]);
	put_addr(out, "src", &t->src);
	put_addr(out, "dst", &t->dst);
	json_out_key(out, "id");
	if (t->id_given)
		json_out_int(out, t->id);
	else
		json_out_null(out);
	json_out_close(out, '}');
}

static void put_endpoints(struct json_out *out, const struct endpoint *local,
			  const struct endpoint *remote)
{
	put_addr(out, "laddr", &local->addr);
	put_u64(out, "lport", local->port);
	put_addr(out, "raddr", &remote->addr);
	put_u64(out, "rport", remote->port);
}

/* KEY: VALUE, or null when not GIVEN. */
static void put_u64_given(struct json_out *out, const char *key, bool given, uint64_t value)
{
	json_out_key(out, key);
	if (given)
		json_out_int(out, (int64_t)value);
	else
		json_out_null(out);
}

static void put_libssl_process(struct json_out *out, const struct ev_libssl *libssl)
{
	/* 0: a process outside siptrail's PID namespace (bpf/task_pid.h) */
	put_u64_given(out, "pid", libssl->pid, libssl->pid);
	json_out_key(out, "comm");
	json_out_string(out, libssl->comm);
	put_u64(out, "netns", libssl->netns);
}

/* KEY: TEXT, null when TEXT is NULL or "". */
static void put_text_or_null(struct json_out *out, const char *key, const char *text)
{
	json_out_key(out, key);
	json_out_string_or_null(out, text);
}

static void put_bool(struct json_out *out, const char *key, bool value)
{
	json_out_key(out, key);
	json_out_bool(out, value);
}

static void put_conn(struct json_out *out, const struct event *ev)
{
	const struct ev_conn *c = &ev->conn_ev;
	bool direction_known = c->direction != DIR_UNKNOWN;

	put_endpoints(out, &c->local, &c->remote);
	put_text_or_null(out, "direction", direction_known ? direction_name(c->direction) : NULL);
	/* The side that opens the TCP connection is the TLS client (RFC 8446 §2). */
	put_text_or_null(out, "tls_role",
			 direction_known ? (c->tls_client ? "client" : "server") : NULL);
	/* a capture knows no process: null, as the contract allows */
	put_u64_given(out, "pid", c->pid, c->pid);
	put_text_or_null(out, "comm", c->comm);
	put_u64_given(out, "netns", c->netns || c->kernel_flags, c->netns);
	if (c->kernel_flags)
		put_bool(out, "before_trace", c->before_trace);
	if (c->tunnel.encap)
		put_tunnel(out, &c->tunnel);
	if (ev->kind == EV_CONN_OPEN)
		return;
	if (ev->kind == EV_CONN_END)
		put_u64_given(out, "duration_ns", !c->duration_unknown, c->duration_ns);
	put_u64(out, "bytes_sent", c->bytes_sent);
	put_u64(out, "bytes_received", c->bytes_received);
	put_text_or_null(out, "closed_by", side_or_null(c->closed_by));
	put_text_or_null(out, "how", how_names[c->how]);
	put_u64_given(out, "first_close_ts_ns", c->first_close_ts_ns, c->first_close_ts_ns);
	put_u64_given(out, "idle_ns", !c->idle_unknown, c->idle_ns);
	if (ev->kind != EV_CONN_END)
		return;
	put_u64(out, "retransmits", c->retransmits);
	put_text_or_null(out, "sk_error", c->sk_error);
	if (c->kernel_flags) {
		put_bool(out, "rst_sent", c->rst_sent);
		put_bool(out, "rst_received", c->rst_received);
	}
	if (c->end_unseen)
		put_bool(out, "end_unseen", true);
}

static void put_handshake(struct json_out *out, const struct ev_tls_handshake *h)
{
	if (h->libssl.given) {
		put_endpoints(out, &h->local, &h->remote);
		put_libssl_process(out, &h->libssl);
	}
	put_text_or_null(out, "role", h->role_unknown ? NULL : h->client ? "client" : "server");
	put_bool(out, "ok", h->ok);
	put_u64(out, "start_ts_ns", h->start_ts_ns);
	put_u64(out, "duration_ns", h->duration_ns);
	put_text_or_null(out, "error", h->error);
	if (h->libssl.given)
		put_text_or_null(out, "error_detail", h->error_detail);
	put_text_or_null(out, "verify_error", h->verify_error);
	put_bool(out, "after_handshake", h->after_handshake);
	if (h->libssl.given)
		put_text_or_null(out, "source", "libssl");
}

static void put_alert(struct json_out *out, const struct ev_tls_alert *a)
{
	char hex[8];

	put_text_or_null(out, "from", side_or_null(a->from));
	json_out_key(out, "level");
	json_out_string(out, tls_alert_level_text(a, hex));
	json_out_key(out, "description");
	json_out_string(out, a->description);
	json_out_key(out, "code");
	json_out_int(out, a->code);
}

/* "a,b": ["a","b"]; a name that is not UTF-8 is left out. */
static void put_sans(struct json_out *out, const char *sans)
{
	json_out_key(out, "sans");
	json_out_open(out, '[');
	for (const char *p = sans; p && *p;) {
		size_t n = strcspn(p, ",");

		if (utf8_valid(p, n))
			json_out_text(out, p, n);
		p += n + (p[n] == ',');
	}
	json_out_close(out, ']');
}

static bool utf8_or_absent(const char *text)
{
	return !text || utf8_valid(text, strlen(text));
}

/* A certificate with a field that is not UTF-8 is left out of the array (its decoded fields
 * come from OpenSSL's one-line forms, UTF-8 by construction). */
static void put_cert(struct json_out *out, const struct ev_cert *c)
{
	if (!utf8_or_absent(c->subject) || !utf8_or_absent(c->issuer) ||
	    !utf8_or_absent(c->not_before) || !utf8_or_absent(c->not_after) ||
	    !utf8_or_absent(c->sha256))
		return;
	json_out_open(out, '{');
	put_text_or_null(out, "subject", c->subject);
	put_text_or_null(out, "issuer", c->issuer);
	put_sans(out, c->sans);
	put_text_or_null(out, "not_before", c->not_before);
	put_text_or_null(out, "not_after", c->not_after);
	put_text_or_null(out, "sha256", c->sha256);
	json_out_close(out, '}');
}

static void put_chain(struct json_out *out, const struct ev_tls_chain *ch)
{
	put_text_or_null(out, "from", side_or_null(ch->from));
	put_text_or_null(out, "sni", ch->sni);
	json_out_key(out, "certs");
	json_out_open(out, '[');
	for (size_t i = 0; i < ch->n_certs; i++)
		put_cert(out, &ch->certs[i]);
	json_out_close(out, ']');
	put_text_or_null(out, "verdict",
			 ch->verdict == CHAIN_UNKNOWN ? NULL : chain_verdict_name(ch->verdict));
	put_text_or_null(out, "missing_issuer", ch->missing_issuer);
	if (ch->verify_given)
		put_text_or_null(out, "verify_error", ch->verify_error);
}

static void put_hello(struct json_out *out, const struct ev_tls_hello *hello)
{
	char hex[8];

	put_text_or_null(out, "role", hello->client ? "client" : "server");
	put_text_or_null(out, "sni", hello->sni);
	json_out_key(out, "offered_versions");
	json_out_open(out, '[');
	for (size_t i = 0; i < hello->n_offered; i++)
		json_out_string(out, tls_version_text(hello->offered[i], hex));
	json_out_close(out, ']');
	json_out_key(out, "version");
	json_out_string(out,
			hello->server_hello_seen ? tls_version_text(hello->version, hex) : NULL);
	json_out_key(out, "cipher");
	json_out_string(out, hello->server_hello_seen ? tls_cipher_text(hello->cipher_suite, hex)
						      : NULL);
	put_bool(out, "hello_retry", hello->hello_retry);
}

static void put_epoch_time(struct json_out *out, const char *key, int64_t epoch_s)
{
	char text[32];

	json_out_key(out, key);
	json_out_string(out, epoch_rfc3339(epoch_s, text, sizeof(text)) ? text : NULL);
}

static void put_leaf_changed(struct json_out *out, const struct ev_tls_leaf_changed *leaf)
{
	put_text_or_null(out, "from", side_or_null(leaf->from));
	put_addr(out, "peer", &leaf->peer.addr);
	put_u64_given(out, "peer_port", leaf->peer.port, leaf->peer.port);
	put_text_or_null(out, "sni", leaf->sni);
	json_out_key(out, "old");
	json_out_string(out, leaf->old_sha256);
	json_out_key(out, "new");
	json_out_string(out, leaf->new_sha256);
	json_out_key(out, "old_subject");
	json_out_string(out, leaf->old_subject ? leaf->old_subject : "");
	json_out_key(out, "new_subject");
	json_out_string(out, leaf->new_subject ? leaf->new_subject : "");
	put_epoch_time(out, "old_not_after", leaf->old_not_after);
	put_epoch_time(out, "new_not_after", leaf->new_not_after);
}

/* Keeps TEXT's JSON for the next event; a memo that cannot grow is emptied (it only saves). */
static void memo_keep(struct json_text_memo *memo, const char *text, size_t len, const char *json,
		      size_t json_len)
{
	if (len > memo->raw_cap || json_len > memo->json_cap) {
		json_text_memo_free(memo);
		if (!(memo->raw = malloc(len)) || !(memo->json = malloc(json_len))) {
			json_text_memo_free(memo);
			return;
		}
		memo->raw_cap = len;
		memo->json_cap = json_len;
	}
	memcpy(memo->raw, text, len);
	memcpy(memo->json, json, json_len);
	memo->raw_len = len;
	memo->json_len = json_len;
}

void json_text_memo_free(struct json_text_memo *memo)
{
	free(memo->raw);
	free(memo->json);
	*memo = (struct json_text_memo){0};
}

static bool endpoint_same(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && ip_addr_equal(&a->addr, &b->addr);
}

/* The SIP event's endpoints, from MEMO when it holds the same. */
static void put_sip_endpoints(struct json_out *out, const struct ev_sip *s,
			      struct json_text_memo *memo)
{
	struct json_endpoints_memo *kept;
	char *start = out->pos;

	if (!memo || !out->comma) { /* kept after a value: with its comma */
		put_endpoints(out, &s->local, &s->remote);
		return;
	}
	for (unsigned i = 0; i < 2; i++) {
		kept = &memo->endpoints[i];
		if (kept->json_len && endpoint_same(&kept->local, &s->local) &&
		    endpoint_same(&kept->remote, &s->remote)) {
			json_out_members(out, kept->json, kept->json_len);
			return;
		}
	}
	put_endpoints(out, &s->local, &s->remote);
	kept = &memo->endpoints[memo->endpoints_next];
	if (out->overflow || (size_t)(out->pos - start) > sizeof(kept->json))
		return;
	kept->local = s->local;
	kept->remote = s->remote;
	kept->json_len = out->pos - start;
	memcpy(kept->json, start, kept->json_len);
	memo->endpoints_next ^= 1;
}

/* The message's text, from MEMO when it holds the same bytes. */
static void put_sip_text(struct json_out *out, const struct ev_sip *s, struct json_text_memo *memo)
{
	char *start = out->pos;

	if (!memo) {
		json_out_text(out, s->raw, s->raw_len);
		return;
	}
	if (memo->json && memo->raw_len == s->raw_len && !memcmp(memo->raw, s->raw, s->raw_len)) {
		json_out_json(out, memo->json, memo->json_len);
		return;
	}
	json_out_text(out, s->raw, s->raw_len);
	if (!out->overflow) /* after a key: no comma before the value */
		memo_keep(memo, s->raw, s->raw_len, start, out->pos - start);
}

static void put_sip(struct json_out *out, const struct ev_sip *s, struct json_text_memo *memo)
{
	if (s->libssl.given) {
		put_endpoints(out, &s->local, &s->remote);
		put_libssl_process(out, &s->libssl);
	}
	json_out_key(out, "dir");
	json_out_name(out, direction_name(s->dir));
	json_out_key(out, "transport");
	json_out_name(out, event_transport_name(s->transport));
	if (!s->libssl.given)
		put_sip_endpoints(out, s, memo);
	if (s->tunnel.encap)
		put_tunnel(out, &s->tunnel);
	/* null when the text is not UTF-8: libssl plaintext cut inside a character keeps its
	 * event and loses its text */
	json_out_key(out, "raw");
	if (s->raw)
		put_sip_text(out, s, memo);
	else
		json_out_null(out);
	if (s->libssl.given) {
		put_u64(out, "total_len", s->total_len);
		put_bool(out, "truncated", s->truncated);
		put_text_or_null(out, "source", "libssl");
	} else if (s->decrypted) {
		json_out_key(out, "source");
		json_out_name(out, "decrypted");
	}
}

static void put_lost(struct json_out *out, const struct ev_lost *lost)
{
	for (size_t i = 0; i < lost_counters_count; i++) {
		const struct lost_counter *c = &lost_counters[i];
		if ((c->group == LOST_DETAILED && !lost->detailed) ||
		    (c->group == LOST_WIRE && !lost->wire))
			continue;
		put_u64(out, c->field, *(const uint64_t *)((const char *)lost + c->offset));
	}
}

/* The event as one JSON object into BUF; 0 when it does not fit in SIZE. */
static size_t event_json_text(const struct event *ev, char *buf, size_t size,
			      struct json_text_memo *memo)
{
	struct json_out out;

	json_out_init(&out, buf, size);
	json_out_open(&out, '{');
	json_out_key(&out, "event");
	json_out_name(&out, event_kind_name(ev->kind));
	put_u64(&out, "ts_ns", ev->ts_ns);
	if (event_has_conn(ev))
		put_u64(&out, "conn", ev->conn);
	switch (ev->kind) {
	case EV_CONN_OPEN:
	case EV_CONN_CLOSE:
	case EV_CONN_END:
		put_conn(&out, ev);
		break;
	case EV_TLS_HANDSHAKE:
		put_handshake(&out, &ev->handshake);
		break;
	case EV_TLS_ALERT:
		put_alert(&out, &ev->alert);
		break;
	case EV_TLS_CHAIN:
		put_chain(&out, &ev->chain);
		break;
	case EV_SIP:
		put_sip(&out, &ev->sip, memo);
		break;
	case EV_TLS_HELLO:
		put_hello(&out, &ev->hello);
		break;
	case EV_TLS_LEAF_CHANGED:
		put_leaf_changed(&out, &ev->leaf);
		break;
	case EV_LOST:
		put_lost(&out, &ev->lost);
		break;
	}
	json_out_close(&out, '}');
	return json_out_len(&out);
}

/* Larger lines than the in-place buffer: at most this (a 64 KiB SIP message escaped whole). */
#define JSON_LINE_MAX (8u << 20)

int event_json_line(const struct event *ev, struct json_line *line, struct json_text_memo *memo)
{
	size_t size = sizeof(line->buf);

	line->text = line->buf;
	for (;;) {
		/* a byte kept for the newline */
		line->len = event_json_text(ev, line->text, size - 1, memo);
		if (line->len) {
			line->text[line->len++] = '\n';
			return 0;
		}
		json_line_release(line);
		size *= 4;
		if (size > JSON_LINE_MAX || !(line->text = malloc(size))) {
			line->text = line->buf;
			return -ENOMEM;
		}
	}
}

void json_line_release(struct json_line *line)
{
	if (line->text != line->buf)
		free(line->text);
	line->text = line->buf;
	line->len = 0;
}

json_t *event_to_json(const struct event *ev)
{
	struct json_line line;
	json_t *obj = NULL;

	if (!event_json_line(ev, &line, NULL))
		obj = json_loadb(line.text, line.len, JSON_ALLOW_NUL, NULL);
	json_line_release(&line);
	return obj;
}
