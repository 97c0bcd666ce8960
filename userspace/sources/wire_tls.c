#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire_tls.h"
#include "wire_tls_json.h"

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

static void emit(struct wire_tls *tls, const char *name, enum wire_perspective perspective,
		 unsigned sender, uint64_t ts_ns, json_t *body)
{
	struct wire_event event = *tls->stream;
	int err;

	if (!body) {
		tls->env->err = tls->env->err ? tls->env->err : -ENOMEM;
		return;
	}
	event.name = name;
	event.perspective = perspective;
	event.sender = sender;
	event.ts_ns = ts_ns;
	event.body = body;
	err = tls->env->emit(tls->env->ctx, &event);
	if (err && !tls->env->err)
		tls->env->err = err;
}

static void report_hello(struct wire_tls *tls, const struct tls_server_hello *server_hello,
			 uint64_t ts_ns)
{
	struct wire_hello hello = {
	    .sni = tls->sni[0] ? tls->sni : NULL,
	    .offered = tls->offered,
	    .offered_count = tls->offered_count,
	    .server_hello_seen = server_hello != NULL,
	    .version = server_hello ? server_hello->version : 0,
	    .cipher_suite = server_hello ? server_hello->cipher_suite : 0,
	    .hello_retry = tls->hello_retry,
	};

	tls->hello_reported = true;
	emit(tls, "tls_hello", WIRE_ROLE, server_hello ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT, ts_ns,
	     wire_hello_json(&hello));
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
 * name asked for; a client certificate by its address alone (its port changes). */
static void peer_key(const struct wire_tls *tls, unsigned sender, char *key, size_t key_len,
		     char *addr, size_t addr_len)
{
	const struct tcp_endpoint *end = &tls->stream->end[sender];

	inet_ntop(tls->stream->family, end->addr, addr, addr_len);
	if (sender == TCP_SIDE_SERVER)
		snprintf(key, key_len, "%s/%u/server/%s", addr, end->port, tls->sni);
	else
		snprintf(key, key_len, "%s/-/client/", addr);
}

static void check_leaf(struct wire_tls *tls, unsigned sender, const struct tls_cert_info *leaf,
		       uint64_t ts_ns)
{
	char key[400], addr[64];
	struct leaf_seen before;
	int changed;

	peer_key(tls, sender, key, sizeof(key), addr, sizeof(addr));
	changed = leaf_tracker_note(tls->env->leaves, key, leaf, &before);
	if (changed == 1)
		emit(tls, "tls_leaf_changed", WIRE_FROM, sender, ts_ns,
		     wire_leaf_changed_json(
			 addr, sender == TCP_SIDE_SERVER ? tls->stream->end[sender].port : 0,
			 tls->sni[0] ? tls->sni : NULL, &before, leaf));
}

static void on_certificate(struct wire_tls *tls, const struct tls_record_event *event)
{
	const struct tls_certificate_list *list = &event->certificate;
	unsigned sender = event->from == TLS_FROM_SERVER ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT;
	struct tls_cert_info *certs = tls->env->certs;
	struct tls_chain_result result;
	char server_ip[64];
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
	if (sender == TCP_SIDE_SERVER && !request.host &&
	    inet_ntop(tls->stream->family, tls->stream->end[TCP_SIDE_SERVER].addr, server_ip,
		      sizeof(server_ip)))
		request.ip = server_ip;
	for (size_t i = 0; i < list->count; i++)
		if (!tls_cert_decode(list->certs[i].ptr, list->certs[i].len, &certs[decoded]))
			decoded++;
	if (tls_chain_check(tls->env->trust, &request, &result) == -ENOMEM) {
		tls->env->err = tls->env->err ? tls->env->err : -ENOMEM;
		return;
	}
	emit(tls, "tls_chain", WIRE_FROM, sender, event->ts_ns,
	     wire_chain_json(tls->sni[0] ? tls->sni : NULL, certs, decoded, &result));
	if (decoded && decoded == list->count)
		check_leaf(tls, sender, &certs[0], event->ts_ns);
}

static void on_tls_event(void *user, const struct tls_record_event *event)
{
	struct wire_tls *tls = user;
	unsigned sender = event->from == TLS_FROM_SERVER ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT;

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
		emit(tls, "tls_alert", WIRE_FROM, sender, event->ts_ns,
		     wire_alert_json(event->alert_level, event->alert_description));
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
