#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_alert_event.h"
#include "tls_cert_event.h"
#include "wire_tls.h"

void wire_tls_init(struct wire_tls *tls, const struct wire_event *stream, struct wire_tls_env *env)
{
	memset(tls, 0, sizeof(*tls));
	tls_conn_init(&tls->conn);
	tls->stream = stream;
	tls->env = env;
}

void wire_tls_release(struct wire_tls *tls)
{
	tls_conn_release(&tls->conn);
}

static void fail(struct wire_tls *tls, int err)
{
	if (!tls->env->err)
		tls->env->err = err;
}

/* Hands body (moved) to the emitter, seen from the stream's ends. */
static void emit(struct wire_tls *tls, enum wire_perspective perspective, unsigned sender,
		 uint64_t ts_ns, struct event *body)
{
	struct wire_event event;
	int err;

	wire_event_start(&event, tls->stream, perspective, sender, ts_ns);
	event_move(&event.body, body);
	err = tls->env->emit(tls->env->ctx, &event);
	if (err)
		fail(tls, err);
}

/* Cut to fit, as the event's fixed fields are. */
static void copy_text(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void report_hello(struct wire_tls *tls, const struct tls_server_hello *server_hello,
			 uint64_t ts_ns)
{
	struct event body = {.kind = EV_TLS_HELLO};
	struct ev_tls_hello *hello = &body.hello;

	copy_text(hello->sni, sizeof(hello->sni), tls->sni);
	hello->n_offered = tls->offered_count < EV_MAX_OFFERED_VERSIONS ? tls->offered_count
									: EV_MAX_OFFERED_VERSIONS;
	memcpy(hello->offered, tls->offered, hello->n_offered * sizeof(hello->offered[0]));
	hello->server_hello_seen = server_hello != NULL;
	hello->version = server_hello ? server_hello->version : 0;
	hello->cipher_suite = server_hello ? server_hello->cipher_suite : 0;
	hello->hello_retry = tls->hello_retry;
	tls->hello_reported = true;
	emit(tls, WIRE_ROLE, server_hello ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT, ts_ns, &body);
}

static void on_client_hello(struct wire_tls *tls, const struct tls_client_hello *hello)
{
	size_t sni_len = hello->sni.len < sizeof(tls->sni) ? hello->sni.len : sizeof(tls->sni) - 1;

	/* A second ClientHello answers a HelloRetryRequest (RFC 8446 §4.1.4): same SNI. */
	memcpy(tls->sni, hello->sni.ptr, sni_len);
	tls->sni[sni_len] = '\0';
	for (size_t i = 0; i < sni_len; i++)
		if (tls->sni[i] < 0x21 || tls->sni[i] > 0x7e)
			tls->sni[i] = '?'; /* a host name is printable ASCII (RFC 6066 §3) */
	memcpy(tls->offered, hello->versions, hello->versions_count * sizeof(tls->offered[0]));
	tls->offered_count = hello->versions_count;
	tls->client_hello_seen = true;
}

/* "addr/port/role/sni": who sends this leaf. A server is known by its address, port and the
 * name asked for; a client certificate by its address alone (its port changes: PEER's is 0). */
static void peer_key(const struct wire_tls *tls, unsigned sender, char *key, size_t key_len,
		     struct endpoint *peer)
{
	const struct tcp_endpoint *end = &tls->stream->end[sender];

	ip_addr_set(&peer->addr, tls->stream->family, end->addr);
	peer->port = sender == TCP_SIDE_SERVER ? end->port : 0;
	if (sender == TCP_SIDE_SERVER)
		snprintf(key, key_len, "%s/%u/server/%s", ip_addr_text(&peer->addr).text,
			 peer->port, tls->sni);
	else
		snprintf(key, key_len, "%s/-/client/", ip_addr_text(&peer->addr).text);
}

static void check_leaf(struct wire_tls *tls, unsigned sender, const struct tls_cert_info *leaf,
		       uint64_t ts_ns)
{
	struct event body = {.kind = EV_TLS_LEAF_CHANGED};
	struct ev_tls_leaf_changed *changed = &body.leaf;
	char key[400];
	struct leaf_seen before;

	peer_key(tls, sender, key, sizeof(key), &changed->peer);
	if (leaf_tracker_note(tls->env->leaves, key, leaf, &before) != 1)
		return;
	copy_text(changed->sni, sizeof(changed->sni), tls->sni);
	copy_text(changed->old_sha256, sizeof(changed->old_sha256), before.sha256);
	copy_text(changed->new_sha256, sizeof(changed->new_sha256), leaf->sha256);
	changed->old_not_after = before.not_after;
	changed->new_not_after = leaf->not_after;
	changed->old_subject = strdup(before.subject);
	changed->new_subject = strdup(leaf->subject);
	if (!changed->old_subject || !changed->new_subject) {
		event_release(&body);
		fail(tls, -ENOMEM);
		return;
	}
	emit(tls, WIRE_FROM, sender, ts_ns, &body);
}

/* The certificates the wire decoded (undecodable ones are left out) and the verdict of the
 * wire path's own check. Returns 0 or -ENOMEM. */
static int chain_event(const struct wire_tls *tls, const struct tls_cert_info *certs, size_t count,
		       const struct tls_chain_result *result, struct event *body)
{
	struct ev_tls_chain *chain = &body->chain;

	*body = (struct event){.kind = EV_TLS_CHAIN};
	copy_text(chain->sni, sizeof(chain->sni), tls->sni);
	chain->verdict = chain_verdict_of(result->verdict);
	copy_text(chain->missing_issuer, sizeof(chain->missing_issuer), result->missing_issuer);
	chain->verify_given = true;
	copy_text(chain->verify_error, sizeof(chain->verify_error), result->verify_error_str);
	chain->certs = calloc(count ? count : 1, sizeof(*chain->certs));
	if (!chain->certs)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		chain->n_certs = i + 1; /* so event_release frees what was filled */
		if (ev_cert_from_info(&chain->certs[i], &certs[i])) {
			event_release(body);
			return -ENOMEM;
		}
	}
	return 0;
}

static void on_certificate(struct wire_tls *tls, const struct tls_record_event *event)
{
	const struct tls_certificate_list *list = &event->certificate;
	unsigned sender = event->from == TLS_FROM_SERVER ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT;
	struct tls_cert_info *certs = tls->env->certs;
	struct tls_chain_result result;
	struct event body;
	struct ip_addr server;
	struct ip_addr_text server_ip;
	size_t decoded = 0;
	struct tls_chain_request request = {
	    .certs = list->certs,
	    .count = list->count,
	    .host = sender == TCP_SIDE_SERVER && tls->sni[0] ? tls->sni : NULL,
	    .ip = NULL,
	    .at_epoch_s = (int64_t)(event->ts_ns / 1000000000ULL),
	    .sender = sender == TCP_SIDE_SERVER ? TLS_CHAIN_FROM_SERVER : TLS_CHAIN_FROM_CLIENT,
	};

	if (!list->count)
		return; /* a client asked for a certificate that had none (RFC 5246 §7.4.6) */
	if (sender == TCP_SIDE_SERVER && !request.host) {
		ip_addr_set(&server, tls->stream->family, tls->stream->end[TCP_SIDE_SERVER].addr);
		server_ip = ip_addr_text(&server);
		if (server_ip.text[0])
			request.ip = server_ip.text;
	}
	for (size_t i = 0; i < list->count; i++)
		if (!tls_cert_decode(list->certs[i].ptr, list->certs[i].len, &certs[decoded]))
			decoded++;
	if (tls_chain_check(tls->env->trust, &request, &result) == -ENOMEM ||
	    chain_event(tls, certs, decoded, &result, &body)) {
		fail(tls, -ENOMEM);
		return;
	}
	emit(tls, WIRE_FROM, sender, event->ts_ns, &body);
	if (decoded && decoded == list->count)
		check_leaf(tls, sender, &certs[0], event->ts_ns);
}

static void report_alert(struct wire_tls *tls, const struct tls_record_event *event,
			 unsigned sender)
{
	struct event body = {.kind = EV_TLS_ALERT};

	tls_alert_event_fill(&body.alert, event->alert_level, event->alert_description);
	emit(tls, WIRE_FROM, sender, event->ts_ns, &body);
}

static void on_tls_event(void *user, const struct tls_record_event *event)
{
	struct wire_tls *tls = user;
	unsigned sender = event->from == TLS_FROM_SERVER ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT;

	if (tls->decrypt)
		tls_decrypt_event(tls->decrypt, event);
	switch (event->type) {
	case TLS_EV_CLIENT_HELLO:
		on_client_hello(tls, &event->client_hello);
		break;
	case TLS_EV_SERVER_HELLO:
		if (event->server_hello.hello_retry_request)
			tls->hello_retry = true;
		else if (!tls->hello_reported)
			report_hello(tls, &event->server_hello, event->ts_ns);
		break;
	case TLS_EV_CERTIFICATE:
		on_certificate(tls, event);
		break;
	case TLS_EV_ALERT:
		/* A handshake that fails before the ServerHello is still summarised, first. */
		if (tls->client_hello_seen && !tls->hello_reported)
			report_hello(tls, NULL, event->ts_ns);
		report_alert(tls, event, sender);
		break;
	default:
		break;
	}
}

void wire_tls_feed(struct wire_tls *tls, unsigned from, const uint8_t *data, size_t len,
		   uint64_t ts_ns)
{
	tls_conn_feed(&tls->conn, from == TCP_SIDE_SERVER ? TLS_FROM_SERVER : TLS_FROM_CLIENT, data,
		      len, ts_ns, on_tls_event, tls);
}

void wire_tls_alert(struct wire_tls *tls, const struct tls_record_event *alert)
{
	on_tls_event(tls, alert);
}

void wire_tls_gap(struct wire_tls *tls, unsigned from, uint64_t missing_bytes)
{
	tls_conn_gap(&tls->conn, from == TCP_SIDE_SERVER ? TLS_FROM_SERVER : TLS_FROM_CLIENT,
		     missing_bytes);
}

bool wire_tls_done(const struct wire_tls *tls)
{
	return tls->conn.dir[TLS_FROM_CLIENT].app_data_records &&
	       tls->conn.dir[TLS_FROM_SERVER].app_data_records;
}

void wire_tls_end(struct wire_tls *tls, uint64_t ts_ns)
{
	if (tls->client_hello_seen && !tls->hello_reported)
		report_hello(tls, NULL, ts_ns);
}
