/* Test harness: events built in code, fed to the correlator, verdicts kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corr_harness.h"

#define T0_NS 1764240000000000000ull

uint64_t h_ts(double t_s)
{
	return T0_NS + (uint64_t)(t_s * 1e9 + 0.5);
}

static void on_call(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct harness *h = ctx;
	if (h->n_verdicts < HARNESS_MAX_CALLS)
		explain_call(corr, call, &h->verdicts[h->n_verdicts++]);
}

void harness_init_config(struct harness *h, const struct correlator_config *config)
{
	memset(h, 0, sizeof(*h));
	correlator_init(&h->corr, config, on_call, h, stderr);
}

void harness_init(struct harness *h)
{
	struct correlator_config config;
	correlator_config_default(&config);
	harness_init_config(h, &config);
}

void harness_finish(struct harness *h)
{
	if (h->finished)
		return;
	for (unsigned i = 0; i < h->n_held; i++)
		event_release(&h->held[i]);
	free(h->held);
	correlator_finish(&h->corr);
	h->finished = true;
}

static void feed(struct harness *h, struct event *ev)
{
	if (h->hold) {
		if (h->n_held == h->cap_held) {
			h->cap_held = h->cap_held ? 2 * h->cap_held : 32;
			h->held = realloc(h->held, h->cap_held * sizeof(*h->held));
			if (!h->held)
				abort();
		}
		event_move(&h->held[h->n_held++], ev);
		return;
	}
	if (correlator_feed(&h->corr, ev)) {
		fprintf(stderr, "correlator_feed failed\n");
		abort();
	}
	event_release(ev);
}

static void endpoints(struct endpoint *local, struct endpoint *remote, const char *raddr,
		      uint16_t rport)
{
	if (!ip_addr_parse(&local->addr, "192.0.2.10") || !ip_addr_parse(&remote->addr, raddr)) {
		fprintf(stderr, "harness: '%s' is not an IP address\n", raddr);
		abort();
	}
	local->port = 5061;
	remote->port = rport;
}

void h_conn_open(struct harness *h, double t, uint64_t conn, enum direction dir)
{
	struct event ev = {.kind = EV_CONN_OPEN, .ts_ns = h_ts(t), .conn = conn};
	endpoints(&ev.conn_ev.local, &ev.conn_ev.remote, H_CARRIER, dir == DIR_OUT ? 5061 : 40312);
	ev.conn_ev.direction = dir;
	ev.conn_ev.tls_client = dir == DIR_OUT;
	feed(h, &ev);
}

static void conn_closing(struct harness *h, enum event_kind kind, double t, uint64_t conn,
			 enum direction dir, enum side closed_by, enum close_how how, double idle_s,
			 const char *sk_error)
{
	struct event ev = {.kind = kind, .ts_ns = h_ts(t), .conn = conn};
	endpoints(&ev.conn_ev.local, &ev.conn_ev.remote, H_CARRIER, dir == DIR_OUT ? 5061 : 40312);
	ev.conn_ev.direction = dir;
	ev.conn_ev.tls_client = dir == DIR_OUT;
	ev.conn_ev.closed_by = closed_by;
	ev.conn_ev.how = how;
	ev.conn_ev.first_close_ts_ns = h_ts(t);
	ev.conn_ev.idle_ns = (uint64_t)(idle_s * 1e9);
	snprintf(ev.conn_ev.sk_error, sizeof(ev.conn_ev.sk_error), "%s", sk_error ? sk_error : "");
	feed(h, &ev);
}

void h_conn_close(struct harness *h, double t, uint64_t conn, enum direction dir,
		  enum side closed_by, enum close_how how, double idle_s)
{
	conn_closing(h, EV_CONN_CLOSE, t, conn, dir, closed_by, how, idle_s, NULL);
}

void h_conn_end(struct harness *h, double t, uint64_t conn, enum direction dir, enum side closed_by,
		enum close_how how, double idle_s, const char *sk_error)
{
	conn_closing(h, EV_CONN_END, t, conn, dir, closed_by, how, idle_s, sk_error);
}

static void tls_feed(struct harness *h, double t, uint64_t conn, bool client, bool ok,
		     bool after_handshake, const char *error, const char *verify_error)
{
	struct event ev = {.kind = EV_TLS_HANDSHAKE, .ts_ns = h_ts(t), .conn = conn};
	ev.handshake.client = client;
	ev.handshake.ok = ok;
	ev.handshake.after_handshake = after_handshake;
	snprintf(ev.handshake.error, sizeof(ev.handshake.error), "%s", error ? error : "");
	snprintf(ev.handshake.verify_error, sizeof(ev.handshake.verify_error), "%s",
		 verify_error ? verify_error : "");
	feed(h, &ev);
}

void h_tls(struct harness *h, double t, uint64_t conn, bool client, bool ok, const char *error,
	   const char *verify_error)
{
	tls_feed(h, t, conn, client, ok, false, error, verify_error);
}

void h_tls_failed_after(struct harness *h, double t, uint64_t conn, bool client, const char *error,
			const char *verify_error)
{
	tls_feed(h, t, conn, client, false, true, error, verify_error);
}

void h_chain(struct harness *h, double t, uint64_t conn, enum side from, enum chain_verdict verdict,
	     unsigned n_certs, const char *leaf_sha256, const char *missing_issuer)
{
	struct event ev = {.kind = EV_TLS_CHAIN, .ts_ns = h_ts(t), .conn = conn};
	ev.chain.from = from;
	ev.chain.verdict = verdict;
	ev.chain.n_certs = n_certs;
	ev.chain.certs = calloc(n_certs, sizeof(*ev.chain.certs));
	for (unsigned i = 0; i < n_certs; i++) {
		ev.chain.certs[i].subject =
		    strdup(i ? "CN=Intermediate" : "CN=sip.carrier.example");
		ev.chain.certs[i].sha256 = strdup(i ? "ab12" : leaf_sha256);
	}
	snprintf(ev.chain.missing_issuer, sizeof(ev.chain.missing_issuer), "%s",
		 missing_issuer ? missing_issuer : "");
	feed(h, &ev);
}

void h_alert(struct harness *h, double t, uint64_t conn, enum side from, const char *desc)
{
	struct event ev = {.kind = EV_TLS_ALERT, .ts_ns = h_ts(t), .conn = conn};
	ev.alert.from = from;
	ev.alert.fatal = true;
	snprintf(ev.alert.description, sizeof(ev.alert.description), "%s", desc);
	feed(h, &ev);
}

void h_sip(struct harness *h, double t, uint64_t conn, enum direction dir, const char *remote,
	   const struct h_msg *msg)
{
	struct event ev = {.kind = EV_SIP, .ts_ns = h_ts(t), .conn = conn};
	char start[128], *raw = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&raw, &len);

	if (msg->status)
		snprintf(start, sizeof(start), "SIP/2.0 %d Reason", msg->status);
	else
		snprintf(start, sizeof(start), "%s sip:bob@192.0.2.10 SIP/2.0", msg->method);
	fprintf(out,
		"%s\r\nVia: SIP/2.0/TLS host;branch=%s\r\nMax-Forwards: 70\r\n"
		"From: <sip:alice@carrier.example>;tag=1928301774\r\n"
		"To: <sip:bob@pbx.example>%s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n%s"
		"Content-Length: 0\r\n\r\n",
		start, msg->branch, msg->to_tag ? ";tag=a6c85cf" : "",
		msg->call_id ? msg->call_id : H_CALL_ID, msg->cseq, msg->method,
		msg->extra ? msg->extra : "");
	fclose(out);
	ev.sip.dir = dir;
	ev.sip.transport = conn ? TRANSPORT_TLS : TRANSPORT_UDP;
	endpoints(&ev.sip.local, &ev.sip.remote, remote, conn ? 40312 : 5060);
	ev.sip.raw = raw;
	ev.sip.raw_len = len;
	feed(h, &ev);
}

void h_setup_call(struct harness *h, const char *se_req, const char *se_resp)
{
	h_conn_open(h, 0.0, 1, DIR_IN);
	h_tls(h, 0.004, 1, false, true, NULL, NULL);
	h_sip(h, 0.010, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-car-inv1", false, se_req});
	h_sip(h, 0.012, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-sbc-inv1", false, se_req});
	h_sip(h, 0.050, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"INVITE", 180, 1, "z9hG4bK-sbc-inv1", true});
	h_sip(h, 0.051, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 180, 1, "z9hG4bK-car-inv1", true});
	h_sip(h, 3.000, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-sbc-inv1", true, se_resp});
	h_sip(h, 3.001, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-car-inv1", true, se_resp});
	h_sip(h, 3.040, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"ACK", 0, 1, "z9hG4bK-car-ack1", true});
	h_sip(h, 3.041, 0, DIR_OUT, H_PBX, &(struct h_msg){"ACK", 0, 1, "z9hG4bK-sbc-ack1", true});
}

const struct call_verdict *harness_verdict(struct harness *h, const char *call_id)
{
	harness_finish(h);
	for (unsigned i = 0; i < h->n_verdicts; i++)
		if (!strcmp(h->verdicts[i].call_id, call_id))
			return &h->verdicts[i];
	return NULL;
}

bool harness_has(struct harness *h, enum diag_id id)
{
	const struct call_verdict *v = harness_verdict(h, H_CALL_ID);
	return v && verdict_find(v, id);
}

enum diag_id harness_cause(struct harness *h, enum diag_id id)
{
	const struct call_verdict *v = harness_verdict(h, H_CALL_ID);
	const struct diagnosis *d = v ? verdict_find(v, id) : NULL;
	return d && d->n_causes ? d->causes[0] : DIAG_COUNT;
}

bool harness_any_failure(struct harness *h)
{
	const struct call_verdict *v = harness_verdict(h, H_CALL_ID);
	for (unsigned i = 0; v && i < v->n_diags; i++)
		if (diag_is_failure(v->diags[i].id))
			return true;
	return false;
}
