/* Capture -> events: per TCP connection, who opened and closed it, its TLS records or its SIP
 * stream; per UDP datagram, its SIP message. */
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_local.h"
#include "compressed_file.h"
#include "capture_source.h"
#include "hash_map.h"
#include "pcapng_write.h"
#include "sctp_assoc_events.h"
#include "sctp_chunk.h"
#include "sctp_reasm.h"
#include "ws_stream.h"
#include "sip_framer.h"
#include "sip_scan.h"
#include "tls_alert_event.h"
#include "tls_cert_event.h"
#include "tls_chain.h"
#include "tls_keylog.h"
#include "tls_record.h"

#define NS_PER_S 1000000000ull
/* RFC 6298 §2: initial RTO 1 s, so an unanswered SYN this old at the end has timed out. */
#define SYN_TIMEOUT_NS (3 * NS_PER_S)

enum stream_kind { STREAM_UNKNOWN, STREAM_TLS, STREAM_SIP, STREAM_WS, STREAM_OTHER };

struct source;

/* One TCP connection that involves the local host. */
struct src_conn {
	struct source *src;
	uint64_t id;
	int local_side; /* enum tcp_side of this host */
	struct endpoint local, remote;
	struct ev_tunnel tunnel; /* that of the packet that opened it */
	enum stream_kind kind;
	struct tls_conn tls;
	struct tls_decrypt *decrypt; /* with a key log: the TLS records' plaintext */
	struct sip_stream sip[2];    /* by enum tcp_side of the sender (also TLS plaintext) */
	struct ws_stream ws[2];	     /* STREAM_WS: the same */
	bool sip_ready;
	uint64_t data_ts_ns; /* time of the chunk being fed */
	enum tcp_side feeding;
	/* TLS handshake */
	uint64_t hello_ts_ns;
	char sni[256];
	uint16_t version;
	bool finished[2], hs_reported;
	char verify_error[EV_NAME_LEN]; /* local's verdict on the peer's chain */
};

struct tuple_key {
	uint8_t family, a_addr[16], b_addr[16];
	uint16_t a_port, b_port;
};

struct tuple_node {
	struct tuple_key key;
	struct src_conn *conn;
};

struct source {
	const struct capture_source_run *run;
	struct capture_local local;
	struct tls_trust *trust; /* loaded up front when given, at the first chain otherwise */
	bool trust_failed;
	struct capture_source_stats *stats;
	struct src_conn **conns; /* by tcp_conn id - 1 */
	size_t conns_cap;
	struct hash_map tuples;	    /* open connections by address pair, for synthetic packets */
	struct sctp_reasm *sctp;    /* SCTP messages in fragments */
	struct sctp_assocs *assocs; /* SCTP associations of this host */
	struct ev_tunnel packet_tunnel; /* that of the packet being delivered */
	/* on_packet's findings on that packet, which on_udp and on_sctp are given next: whether
	 * it is used, and which of its ends is this host's (local_end) */
	bool packet_used;
	int packet_local_end;
	struct tls_keylog *keylog; /* --keylog: TLS records are decrypted; NULL: not */
	struct tls_decrypt_config decrypt;
	int rc; /* first error of the emit callback or memory */
};

static bool port_ok(const struct source *src, uint16_t a, uint16_t b)
{
	const struct capture_source_options *o = src->run->options;
	return capture_ports_match(o->ports, o->n_ports, a, b);
}

static void emit(struct source *src, struct event *ev)
{
	int rc;

	if (src->rc) {
		event_release(ev);
		return;
	}
	src->stats->events++;
	rc = src->run->emit(src->run->ctx, ev);
	if (rc)
		src->rc = rc;
}

static void set_endpoint(struct endpoint *ep, uint8_t family, const uint8_t addr[16], uint16_t port)
{
	ip_addr_set(&ep->addr, family, addr);
	ep->port = port;
}

/* Which end of a pair is this host: 0 or 1, or -1 when neither. When both ends are local (a
 * host talking to itself), the lower port is taken as local: that is the listener. */
static int local_end(const struct source *src, uint8_t family, const uint8_t *addr0, uint16_t port0,
		     const uint8_t *addr1, uint16_t port1)
{
	bool l0 = capture_local_has(&src->local, family, addr0);
	bool l1 = capture_local_has(&src->local, family, addr1);

	if (l0 && l1)
		return port0 <= port1 ? 0 : 1;
	return l0 ? 0 : l1 ? 1 : -1;
}

static void tuple_key_make(struct tuple_key *key, uint8_t family, const uint8_t *a, uint16_t ap,
			   const uint8_t *b, uint16_t bp)
{
	int order = memcmp(a, b, 16);
	memset(key, 0, sizeof(*key));
	key->family = family;
	if (order > 0 || (order == 0 && ap > bp)) {
		const uint8_t *t = a;
		uint16_t tp = ap;
		a = b, ap = bp, b = t, bp = tp;
	}
	memcpy(key->a_addr, a, 16);
	memcpy(key->b_addr, b, 16);
	key->a_port = ap;
	key->b_port = bp;
}

/* tuple_key_make zeroes the key's padding: its bytes are the key. */
static struct tuple_node *tuple_find(const struct source *src, const struct tuple_key *key)
{
	struct tuple_node *node;
	size_t pos = 0;

	while ((node = hash_map_find(&src->tuples, hash_bytes(key, sizeof(*key)), &pos)))
		if (!memcmp(&node->key, key, sizeof(*key)))
			return node;
	return NULL;
}

static struct src_conn *conn_of(struct source *src, const struct tcp_conn *tc)
{
	return tc->id <= src->conns_cap ? src->conns[tc->id - 1] : NULL;
}

/* --- events --- */

static void conn_event_base(struct event *ev, enum event_kind kind, const struct src_conn *c,
			    const struct tcp_conn *tc, uint64_t ts_ns)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->ts_ns = ts_ns;
	ev->conn = c->id;
	ev->conn_ev.local = c->local;
	ev->conn_ev.remote = c->remote;
	ev->conn_ev.direction = c->local_side == TCP_SIDE_CLIENT ? DIR_OUT : DIR_IN;
	ev->conn_ev.tls_client = c->local_side == TCP_SIDE_CLIENT;
	ev->conn_ev.tunnel = c->tunnel;
	(void)tc;
}

/* Copies IN cut to fit OUT: a cut name is still evidence. */
static void copy_text(char *out, size_t out_len, const char *in)
{
	size_t n = strnlen(in, out_len - 1);
	memcpy(out, in, n);
	out[n] = '\0';
}

static enum side side_of(const struct src_conn *c, int tcp_side)
{
	return tcp_side == c->local_side ? SIDE_LOCAL : SIDE_PEER;
}

/* Where a message went: this host's end, the other, which way, and through which tunnel. */
struct packet_ends {
	struct endpoint local, remote;
	enum direction dir;
	struct ev_tunnel tunnel;
};

/* DECRYPTED: read from TLS records with the key log's secrets. PARSED: the framer's parse of
 * RAW, handed on with the event so the message is not parsed again; NULL when none was made. */
static void emit_sip(struct source *src, uint64_t conn_id, enum transport transport, bool decrypted,
		     const struct packet_ends *ends, const char *raw, size_t len,
		     const struct sip_message *parsed, uint64_t ts_ns)
{
	struct event ev = {.kind = EV_SIP, .ts_ns = ts_ns, .conn = conn_id};

	ev.sip.decrypted = decrypted;
	ev.sip.dir = ends->dir;
	ev.sip.transport = transport;
	ev.sip.local = ends->local;
	ev.sip.remote = ends->remote;
	ev.sip.tunnel = ends->tunnel;
	ev.sip.raw = malloc(len + 1);
	if (!ev.sip.raw) {
		src->rc = -ENOMEM;
		return;
	}
	if (parsed)
		sip_parsed_from_message(parsed, raw, &ev.sip.parsed);
	memcpy(ev.sip.raw, raw, len);
	ev.sip.raw[len] = '\0';
	ev.sip.raw_len = len;
	src->stats->sip_messages++;
	emit(src, &ev);
}

/* OpenSSL's own reason for a received alert ("tlsv1 alert unknown ca"), as a TLS library on
 * this host would have logged it: reason code SSL_AD_REASON_OFFSET + alert. */
static void alert_reason(uint8_t description, char *out, size_t len)
{
	const char *reason =
	    ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, SSL_AD_REASON_OFFSET + description));
	const char *name = tls_alert_name(description);

	if (reason)
		snprintf(out, len, "%s", reason);
	else
		snprintf(out, len, "alert %s", name ? name : "unknown");
}

/* RFC 8446 §6.2: alerts a client sends when it does not accept the server's certificate. */
static bool is_certificate_alert(uint8_t description)
{
	return description == 42 || description == 43 || description == 44 || description == 45 ||
	       description == 46 || description == 48;
}

static void emit_handshake(struct src_conn *c, bool ok, const char *error, uint64_t ts_ns)
{
	struct event ev = {.kind = EV_TLS_HANDSHAKE, .ts_ns = ts_ns, .conn = c->id};

	if (c->hs_reported)
		return;
	c->hs_reported = true;
	ev.handshake.client = c->local_side == TCP_SIDE_CLIENT;
	ev.handshake.ok = ok;
	ev.handshake.start_ts_ns = c->hello_ts_ns ? c->hello_ts_ns : ts_ns;
	ev.handshake.duration_ns = ts_ns - ev.handshake.start_ts_ns;
	if (error)
		snprintf(ev.handshake.error, sizeof(ev.handshake.error), "%s", error);
	if (!ok)
		snprintf(ev.handshake.verify_error, sizeof(ev.handshake.verify_error), "%s",
			 c->verify_error);
	c->src->stats->tls_handshakes++;
	emit(c->src, &ev);
}

static int cert_fill(struct ev_cert *cert, const struct tls_view *der)
{
	struct tls_cert_info *info = malloc(sizeof(*info));
	int rc = -ENOMEM;

	if (!info)
		return -ENOMEM;
	if (tls_cert_decode(der->ptr, der->len, info)) {
		rc = 0; /* an undecodable certificate is listed without fields */
		goto out;
	}
	rc = ev_cert_from_info(cert, info);
out:
	free(info);
	return rc;
}

/* A Certificate message (TLS <= 1.2): the chain, judged at the capture's time as the receiver
 * would judge it against the trust store given. */
static void on_certificate(struct src_conn *c, const struct tls_record_event *tev)
{
	int sender = tev->from == TLS_FROM_CLIENT ? TCP_SIDE_CLIENT : TCP_SIDE_SERVER;
	struct event ev = {.kind = EV_TLS_CHAIN, .ts_ns = tev->ts_ns, .conn = c->id};
	const struct tls_certificate_list *list = &tev->certificate;
	struct tls_chain_result result;
	struct ip_addr_text server_ip =
	    ip_addr_text(c->local_side == TCP_SIDE_SERVER ? &c->local.addr : &c->remote.addr);
	struct tls_chain_request req = {
	    .certs = list->certs,
	    .count = list->count,
	    .host = sender == TCP_SIDE_SERVER && c->sni[0] ? c->sni : NULL,
	    .ip = server_ip.text,
	    .at_epoch_s = (int64_t)(tev->ts_ns / NS_PER_S),
	    .sender = sender == TCP_SIDE_SERVER ? TLS_CHAIN_FROM_SERVER : TLS_CHAIN_FROM_CLIENT,
	};

	ev.chain.from = side_of(c, sender);
	snprintf(ev.chain.sni, sizeof(ev.chain.sni), "%s", c->sni);
	ev.chain.certs = calloc(list->count ? list->count : 1, sizeof(*ev.chain.certs));
	if (!ev.chain.certs) {
		c->src->rc = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < list->count; i++) {
		ev.chain.n_certs = i + 1;
		if (cert_fill(&ev.chain.certs[i], &list->certs[i])) {
			event_release(&ev);
			c->src->rc = -ENOMEM;
			return;
		}
	}
	if (list->count && !c->src->trust && !c->src->trust_failed) {
		char trust_err[256];
		/* the system store costs tens of ms to load: only for captures with chains */
		c->src->trust_failed =
		    tls_trust_load(&c->src->trust, NULL, NULL, trust_err, sizeof(trust_err)) != 0;
	}
	if (list->count && c->src->trust && !tls_chain_check(c->src->trust, &req, &result)) {
		ev.chain.verdict = chain_verdict_of(result.verdict);
		copy_text(ev.chain.missing_issuer, sizeof(ev.chain.missing_issuer),
			  result.missing_issuer);
		if (result.verdict != TLS_CHAIN_OK && sender != c->local_side)
			copy_text(c->verify_error, sizeof(c->verify_error),
				  result.verify_error_str);
	}
	emit(c->src, &ev);
}

static void on_alert(struct src_conn *c, const struct tls_record_event *tev)
{
	int sender = tev->from == TLS_FROM_CLIENT ? TCP_SIDE_CLIENT : TCP_SIDE_SERVER;
	struct event ev = {.kind = EV_TLS_ALERT, .ts_ns = tev->ts_ns, .conn = c->id};
	const char *name = tls_alert_name(tev->alert_description);
	char error[EV_NAME_LEN];

	ev.alert.from = side_of(c, sender);
	tls_alert_event_fill(&ev.alert, tev->alert_level, tev->alert_description);
	emit(c->src, &ev); /* moves ev */
	if (tev->alert_level != 2 || c->hs_reported)
		return;
	/* what this host's TLS library reports: its own verify failure, or the peer's alert */
	if (sender == c->local_side && is_certificate_alert(tev->alert_description))
		snprintf(error, sizeof(error), "certificate verify failed");
	else if (sender == c->local_side)
		snprintf(error, sizeof(error), "sent alert %s", name ? name : "unknown");
	else
		alert_reason(tev->alert_description, error, sizeof(error));
	emit_handshake(c, false, error, tev->ts_ns);
}

static void on_tls_event(void *user, const struct tls_record_event *tev)
{
	struct src_conn *c = user;

	if (c->decrypt)
		tls_decrypt_event(c->decrypt, tev);
	switch (tev->type) {
	case TLS_EV_CLIENT_HELLO:
		if (!c->hello_ts_ns)
			c->hello_ts_ns = tev->ts_ns;
		snprintf(c->sni, sizeof(c->sni), "%.*s", (int)tev->client_hello.sni.len,
			 (const char *)tev->client_hello.sni.ptr);
		break;
	case TLS_EV_SERVER_HELLO:
		if (!tev->server_hello.hello_retry_request)
			c->version = tev->server_hello.version;
		break;
	case TLS_EV_CERTIFICATE:
		on_certificate(c, tev);
		break;
	case TLS_EV_ALERT:
		on_alert(c, tev);
		break;
	case TLS_EV_ENCRYPTED_HANDSHAKE:
		/* TLS 1.2: each side's Finished follows its ChangeCipherSpec (RFC 5246 §7.4.9) */
		c->finished[tev->from] = true;
		if (c->finished[0] && c->finished[1])
			emit_handshake(c, true, NULL, tev->ts_ns);
		break;
	case TLS_EV_APPLICATION_DATA:
		/* TLS 1.3: the client's first encrypted record after the ServerHello is its
		 * Finished, sent only once it accepted the server's certificate (RFC 8446 §4.4) */
		if (c->version == TLS_VERSION_1_3 && tev->from == TLS_FROM_CLIENT)
			emit_handshake(c, true, NULL, tev->ts_ns);
		break;
	default:
		break;
	}
}

/* The ends of the message being fed on a connection. */
static struct packet_ends conn_ends(const struct src_conn *c)
{
	return (struct packet_ends){c->local, c->remote,
				    (int)c->feeding == c->local_side ? DIR_OUT : DIR_IN, c->tunnel};
}

static void on_sip_frame(const struct sip_frame *frame, void *ctx)
{
	struct src_conn *c = ctx;
	struct packet_ends ends = conn_ends(c);

	if (frame->kind != SIP_FRAME_MESSAGE || !frame->data)
		return;
	emit_sip(c->src, c->id, c->kind == STREAM_TLS ? TRANSPORT_TLS : TRANSPORT_TCP,
		 c->kind == STREAM_TLS, &ends, frame->data, frame->len, frame->msg, c->data_ts_ns);
}

/* Decrypted application data: SIP framed as on a plaintext connection (RFC 3261 §18.3). */
static void on_tls_plaintext(void *user, enum tls_dir from, const uint8_t *data, size_t len,
			     uint64_t ts_ns)
{
	struct src_conn *c = user;

	c->feeding = from == TLS_FROM_CLIENT ? TCP_SIDE_CLIENT : TCP_SIDE_SERVER;
	c->data_ts_ns = ts_ns;
	sip_stream_push(&c->sip[c->feeding], data, len, on_sip_frame, c);
}

/* RFC 3261 §7.1/§7.2: a request line ends in SIP-Version, a status line starts with it. */
static bool looks_like_sip(const uint8_t *p, size_t len)
{
	const uint8_t *eol = memchr(p, '\n', len < 2048 ? len : 2048);
	size_t line;

	if (!eol)
		return false;
	line = (size_t)(eol - p);
	if (line && p[line - 1] == '\r')
		line--;
	if (!(len >= 8 && !memcmp(p, "SIP/2.0 ", 8)) &&
	    !(line >= 8 && !memcmp(p + line - 8, " SIP/2.0", 8)))
		return false;
	/* binary, a tunnel header not opened, is no start line: 16 bytes a step (a byte a step
	 * was 2 % of explain's samples) */
	return sip_find_ctl((const char *)p, (const char *)p + line) == (const char *)p + line &&
	       !memchr(p, 0x7f, line);
}

/* A WebSocket frame whose payload starts like SIP (RFC 7118 §5). */
static bool ws_framing_sip(const uint8_t *data, size_t len)
{
	uint8_t prefix[2048];

	return looks_like_sip(prefix, ws_frame_prefix(data, len, prefix, sizeof(prefix)));
}

/* RFC 7118 §5: one WebSocket message, one SIP message. */
static void on_ws_message(const uint8_t *data, size_t len, void *ctx)
{
	struct src_conn *c = ctx;
	struct packet_ends ends = conn_ends(c);

	if (!looks_like_sip(data, len))
		return;
	emit_sip(c->src, c->id, TRANSPORT_WS, false, &ends, (const char *)data, len, NULL,
		 c->data_ts_ns);
}

/* --- TCP callbacks --- */

static void on_open(void *user, const struct tcp_conn *tc, uint64_t ts_ns)
{
	struct source *src = user;
	struct src_conn *c;
	struct event ev;
	int end = local_end(src, tc->family, tc->end[0].addr, tc->end[0].port, tc->end[1].addr,
			    tc->end[1].port);

	if (end < 0 || !port_ok(src, tc->end[0].port, tc->end[1].port)) {
		src->stats->conns_ignored++;
		return;
	}
	if (tc->id > src->conns_cap) {
		size_t cap = src->conns_cap ? src->conns_cap * 2 : 64;
		struct src_conn **grown;
		while (cap < tc->id)
			cap *= 2;
		grown = realloc(src->conns, cap * sizeof(*grown));
		if (!grown) {
			src->rc = -ENOMEM;
			return;
		}
		memset(grown + src->conns_cap, 0, (cap - src->conns_cap) * sizeof(*grown));
		src->conns = grown;
		src->conns_cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		src->rc = -ENOMEM;
		return;
	}
	c->src = src;
	c->id = tc->id;
	c->local_side = end;
	set_endpoint(&c->local, tc->family, tc->end[end].addr, tc->end[end].port);
	set_endpoint(&c->remote, tc->family, tc->end[!end].addr, tc->end[!end].port);
	c->tunnel = src->packet_tunnel;
	tls_conn_init(&c->tls);
	src->conns[tc->id - 1] = c;

	struct tuple_key key;
	tuple_key_make(&key, tc->family, tc->end[0].addr, tc->end[0].port, tc->end[1].addr,
		       tc->end[1].port);
	struct tuple_node *node = tuple_find(src, &key);
	if (node) {
		node->conn = c; /* a new connection on the tuple */
	} else if ((node = malloc(sizeof(*node)))) {
		memcpy(&node->key, &key, sizeof(key)); /* padding too: compared as bytes */
		node->conn = c;
		if (hash_map_put(&src->tuples, hash_bytes(&key, sizeof(key)), node))
			free(node);
	}
	conn_event_base(&ev, EV_CONN_OPEN, c, tc, tc->syn_ts_ns ? tc->syn_ts_ns : ts_ns);
	emit(src, &ev);
}

static bool looks_like_tls(const uint8_t *data, size_t len)
{
	/* RFC 8446 §5.1: a handshake record with a 3.x legacy version */
	return len >= 2 && data[0] == TLS_CT_HANDSHAKE && data[1] == 3;
}

static void on_data(void *user, const struct tcp_conn *tc, enum tcp_side from, const uint8_t *data,
		    size_t len, uint64_t ts_ns)
{
	struct source *src = user;
	struct src_conn *c = conn_of(src, tc);

	if (!c || c->kind == STREAM_OTHER)
		return;
	if (c->kind == STREAM_UNKNOWN) {
		c->kind = looks_like_tls(data, len)	     ? STREAM_TLS
			  : ws_looks_like_upgrade(data, len) ? STREAM_WS
							     : STREAM_SIP;
		if (c->kind == STREAM_SIP && ws_framing_sip(data, len)) {
			/* the capture began after the handshake */
			c->kind = STREAM_WS;
			c->ws[0].upgraded = c->ws[1].upgraded = true;
		}
		if (c->kind == STREAM_TLS && src->keylog &&
		    !(c->decrypt = tls_decrypt_new(&src->decrypt, c))) {
			src->rc = -ENOMEM;
			c->kind = STREAM_OTHER;
			return;
		}
		if (c->kind == STREAM_SIP || c->decrypt) {
			if (sip_stream_init(&c->sip[0], 0) || sip_stream_init(&c->sip[1], 0)) {
				sip_stream_free(&c->sip[0]);
				src->rc = -ENOMEM;
				c->kind = STREAM_OTHER;
				return;
			}
			c->sip_ready = true;
		}
	}
	c->data_ts_ns = ts_ns;
	c->feeding = from;
	if (c->kind == STREAM_TLS)
		tls_conn_feed(&c->tls, from == TCP_SIDE_CLIENT ? TLS_FROM_CLIENT : TLS_FROM_SERVER,
			      data, len, ts_ns, on_tls_event, c);
	else if (c->kind == STREAM_WS && ws_stream_push(&c->ws[from], data, len, on_ws_message, c))
		src->rc = -ENOMEM;
	else if (c->kind == STREAM_SIP)
		sip_stream_push(&c->sip[from], data, len, on_sip_frame, c);
}

static void on_gap(void *user, const struct tcp_conn *tc, enum tcp_side from,
		   uint64_t missing_bytes, uint64_t ts_ns)
{
	struct source *src = user;
	struct src_conn *c = conn_of(src, tc);

	(void)ts_ns;
	if (!c)
		return;
	if (c->kind == STREAM_TLS) {
		tls_conn_gap(&c->tls, from == TCP_SIDE_CLIENT ? TLS_FROM_CLIENT : TLS_FROM_SERVER,
			     missing_bytes);
	} else if (c->kind == STREAM_WS) {
		ws_stream_gap(&c->ws[from]);
	} else if (c->sip_ready) {
		/* the framer finds the next start line after the hole (RFC 3261 §18.3) */
		c->feeding = from;
		sip_stream_finish(&c->sip[from], on_sip_frame, c);
	}
}

static void fill_end(struct event *ev, const struct src_conn *c, const struct tcp_conn *tc,
		     enum tcp_end_reason reason, uint64_t ts_ns)
{
	struct ev_conn *e = &ev->conn_ev;
	int closer = tc->first_closer;
	uint64_t close_ts = tc->first_close_ts_ns ? tc->first_close_ts_ns : ts_ns;
	uint64_t last_ts = tcp_conn_idle_since_ns(tc, close_ts);

	e->duration_ns = ts_ns - (tc->syn_ts_ns ? tc->syn_ts_ns : tc->first_ts_ns);
	e->bytes_sent = tc->bytes[c->local_side];
	e->bytes_received = tc->bytes[!c->local_side];
	e->first_close_ts_ns = tc->first_close_ts_ns;
	e->idle_ns = close_ts > last_ts ? close_ts - last_ts : 0;
	if (tc->syn_ts_ns && !tc->synack_ts_ns && tc->rst_ts_ns[TCP_SIDE_SERVER]) {
		e->how = CLOSE_REFUSED; /* RFC 9293 §3.10.7.3: RST answers a SYN to a closed port */
		e->closed_by = side_of(c, TCP_SIDE_SERVER);
		snprintf(e->sk_error, sizeof(e->sk_error), "ECONNREFUSED");
	} else if (tc->syn_ts_ns && !tc->synack_ts_ns && reason == TCP_END_CAPTURE_END) {
		e->how = CLOSE_TIMEOUT;
		snprintf(e->sk_error, sizeof(e->sk_error), "ETIMEDOUT");
	} else if (closer >= 0) {
		e->closed_by = side_of(c, closer);
		if (tc->fin_ts_ns[closer] && tc->fin_ts_ns[closer] == tc->first_close_ts_ns)
			e->how = CLOSE_FIN;
		else
			e->how = closer == c->local_side ? CLOSE_RST_OUT : CLOSE_RST_IN;
	}
}

/* What a connection holds: its SIP, WebSocket and TLS stream buffers. */
static void conn_free(struct src_conn *c)
{
	tls_decrypt_end(c->decrypt);
	if (c->sip_ready) {
		sip_stream_free(&c->sip[0]);
		sip_stream_free(&c->sip[1]);
	}
	tls_conn_release(&c->tls);
	ws_stream_free(&c->ws[0]);
	ws_stream_free(&c->ws[1]);
	free(c);
}

static void on_end(void *user, const struct tcp_conn *tc, enum tcp_end_reason reason,
		   uint64_t ts_ns)
{
	struct source *src = user;
	struct src_conn *c = conn_of(src, tc);
	struct tuple_key key;
	struct tuple_node *node;
	struct event ev;
	bool unanswered_syn = tc->syn_ts_ns && !tc->synack_ts_ns;

	if (!c)
		return;
	tls_decrypt_end(c->decrypt); /* what it still held is counted */
	c->decrypt = NULL;
	if (c->sip_ready) {
		for (int side = 0; side < 2; side++) {
			c->feeding = (enum tcp_side)side;
			sip_stream_finish(&c->sip[side], on_sip_frame, c);
		}
	}
	if (c->kind == STREAM_TLS && c->hello_ts_ns && reason != TCP_END_CAPTURE_END)
		emit_handshake(c, false,
			       reason == TCP_END_RESET ? "connection reset during handshake"
						       : "connection closed during handshake",
			       ts_ns);
	conn_event_base(&ev, EV_CONN_END, c, tc, ts_ns);
	fill_end(&ev, c, tc, reason, ts_ns);
	/* still open at the end of the capture: live would not have reported an end either */
	if (ev.conn_ev.how != CLOSE_UNKNOWN && (!unanswered_syn || reason != TCP_END_CAPTURE_END ||
						ts_ns >= tc->syn_ts_ns + SYN_TIMEOUT_NS))
		emit(src, &ev);

	tuple_key_make(&key, tc->family, tc->end[0].addr, tc->end[0].port, tc->end[1].addr,
		       tc->end[1].port);
	node = tuple_find(src, &key);
	if (node && node->conn == c) {
		hash_map_remove(&src->tuples, hash_bytes(&key, sizeof(key)), node);
		free(node);
	}
	src->conns[tc->id - 1] = NULL;
	conn_free(c);
}

/* Whether a packet is used (NULL), else the counter of why not. A TCP or SCTP packet is used
 * when its connection or association is this host's: its opens, closes and messages are
 * read. */
static uint64_t *unused_reason(struct source *src, const struct packet_l4 *pkt, int *end)
{
	struct capture_packet_use *use = &src->stats->use;

	*end = -1;
	if (pkt->protocol == IPPROTO_UDP && !looks_like_sip(pkt->payload, pkt->payload_len))
		return &use->not_sip;
	if (!port_ok(src, pkt->src_port, pkt->dst_port))
		return &use->not_in_ports;
	*end =
	    local_end(src, pkt->family, pkt->src_addr, pkt->src_port, pkt->dst_addr, pkt->dst_port);
	return *end < 0 ? &use->not_local : NULL;
}

/* The ends of a packet of this host, END (0 or 1) the local one, and so which way it went. */
static void packet_ends(const struct source *src, const struct packet_l4 *pkt, int end,
			struct packet_ends *ends)
{
	set_endpoint(&ends->local, pkt->family, end == 0 ? pkt->src_addr : pkt->dst_addr,
		     end == 0 ? pkt->src_port : pkt->dst_port);
	set_endpoint(&ends->remote, pkt->family, end == 0 ? pkt->dst_addr : pkt->src_addr,
		     end == 0 ? pkt->dst_port : pkt->src_port);
	ends->dir = end == 0 ? DIR_OUT : DIR_IN;
	ends->tunnel = src->packet_tunnel;
}

static void on_udp(void *user, const struct packet_l4 *pkt, uint64_t ts_ns)
{
	struct source *src = user;
	struct packet_ends ends;

	if (!src->packet_used)
		return;
	packet_ends(src, pkt, src->packet_local_end, &ends);
	emit_sip(src, 0, TRANSPORT_UDP, false, &ends, (const char *)pkt->payload, pkt->payload_len,
		 NULL, ts_ns);
}

/* Each SIP message, whole in a DATA chunk or joined from fragments, like a UDP datagram:
 * SCTP's own retransmissions of a whole chunk are SIP retransmissions to the reader, as on
 * UDP. */
static void on_sctp(void *user, const struct packet_l4 *pkt, uint64_t ts_ns)
{
	struct source *src = user;
	struct sctp_chunks chunks = {pkt->payload, pkt->payload_len};
	uint8_t key[SCTP_REASM_KEY_BYTES] = {0};
	struct packet_ends ends;
	struct sctp_data data;
	const uint8_t *msg;
	uint64_t assoc;
	size_t len;
	int rc;

	if (!src->packet_used)
		return;
	assoc = sctp_assocs_packet(src->assocs, pkt, ts_ns);
	packet_ends(src, pkt, src->packet_local_end, &ends);
	/* the association, one direction of it */
	memcpy(key, pkt->src_addr, 16);
	memcpy(key + 16, pkt->dst_addr, 16);
	memcpy(key + 32, &pkt->src_port, 2);
	memcpy(key + 34, &pkt->dst_port, 2);
	while (sctp_next_data(&chunks, &data)) {
		rc = sctp_reasm_add(src->sctp, key, sizeof(key), &data, &msg, &len);
		if (rc < 0)
			src->rc = rc;
		if (rc == 1 && looks_like_sip(msg, len))
			emit_sip(src, assoc ? SCTP_CONN_ID_BASE + assoc : 0, TRANSPORT_SCTP, false,
				 &ends, (const char *)msg, len, NULL, ts_ns);
	}
}

static void tunnel_of(const struct packet_l4 *l4, struct ev_tunnel *tunnel)
{
	memset(tunnel, 0, sizeof(*tunnel));
	if (!l4->outer.depth)
		return;
	tunnel->encap = l4->outer.encap;
	ip_addr_set(&tunnel->src, l4->outer.family, l4->outer.src_addr);
	ip_addr_set(&tunnel->dst, l4->outer.family, l4->outer.dst_addr);
	tunnel->id_given = l4->outer.id_given;
	tunnel->id = l4->outer.id;
}

/* --- SCTP associations --- */

static int assoc_local_side(const struct source *src, const struct sctp_assoc *a)
{
	return local_end(src, a->family, a->end[0].addr, a->end[0].port, a->end[1].addr,
			 a->end[1].port);
}

static void on_assoc_open(void *user, const struct sctp_assoc *a, uint64_t ts_ns)
{
	struct source *src = user;
	struct event ev;

	(void)ts_ns;
	src->stats->sctp_assocs++;
	sctp_assoc_open_event(a, assoc_local_side(src, a), &ev);
	emit(src, &ev);
}

static void on_assoc_end(void *user, const struct sctp_assoc *a, enum sctp_end_reason reason,
			 uint64_t ts_ns)
{
	struct source *src = user;
	struct event ev;

	if (sctp_assoc_end_event(a, assoc_local_side(src, a), reason, ts_ns, &ev))
		emit(src, &ev);
}

/* siptrail's own synthetic packets: the plaintext of a TLS connection, one message each. */
static bool on_packet(void *user, const struct capture_packet *pkt, const struct packet_l4 *l4)
{
	struct source *src = user;
	struct tuple_key key;
	struct tuple_node *node;
	struct packet_ends ends;
	uint64_t conn_id = 0, *unused;

	if (src->run->progress)
		src->run->progress(src->run->ctx, pkt->file, pkt->disk_offset);
	if (!l4)
		return false;
	tunnel_of(l4, &src->packet_tunnel);
	unused = unused_reason(src, l4, &src->packet_local_end);
	src->packet_used = !unused;
	++*(unused ? unused : &src->stats->use.used);
	if (!pcapng_is_synthetic(l4))
		return false;
	if (unused)
		return true;
	tuple_key_make(&key, l4->family, l4->src_addr, l4->src_port, l4->dst_addr, l4->dst_port);
	node = tuple_find(src, &key);
	if (node)
		conn_id = node->conn->id;
	packet_ends(src, l4, src->packet_local_end, &ends);
	src->stats->synthetic_sip++;
	emit_sip(src, conn_id, TRANSPORT_TLS, false, &ends, (const char *)l4->payload,
		 l4->payload_len, NULL, pkt->ts_ns);
	return true;
}

/* --- driver --- */

int capture_source_parse_ports(struct capture_source_options *options, const char *list)
{
	const char *p = list;

	while (*p) {
		char *end;
		unsigned long port = strtoul(p, &end, 10);
		if (end == p || port == 0 || port > 65535 || (*end && *end != ',') ||
		    options->n_ports == CAPTURE_SOURCE_MAX_PORTS)
			return -EINVAL;
		options->ports[options->n_ports++] = (uint16_t)port;
		p = *end ? end + 1 : end;
	}
	return options->n_ports ? 0 : -EINVAL;
}

bool capture_file_detect(const char *path)
{
	static const uint32_t magics[] = {0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1,
					  0x0a0d0d0a};
	uint32_t magic = 0;
	FILE *f = compressed_fopen(path, NULL);
	bool found = false;

	if (!f)
		return false;
	if (fread(&magic, sizeof(magic), 1, f) == 1)
		for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
			found |= magic == magics[i];
	fclose(f);
	return found;
}

static int set_local(struct source *src, const char *const *paths, size_t n_paths,
		     struct capture_error *err)
{
	const struct capture_source_options *o = src->run->options;
	int rc;

	for (size_t i = 0; i < o->n_hosts; i++) {
		rc = capture_local_add(&src->local, o->hosts[i]);
		if (rc) {
			snprintf(err->message, sizeof(err->message), "--host %s: %s", o->hosts[i],
				 rc == -EINVAL ? "not an IPv4 or IPv6 address" : "too many hosts");
			return -EINVAL;
		}
	}
	if (!o->n_hosts) {
		rc = capture_local_infer(&src->local, paths, n_paths, o->ports, o->n_ports,
					 &(struct packet_decode_options){o->vxlan_port});
		if (rc == -ENOMEM)
			return rc;
		src->stats->local_inferred = rc == 0;
	}
	if (src->local.count)
		ip_addr_set(&src->stats->local_addr, src->local.addrs[0].family,
			    src->local.addrs[0].addr);
	return 0;
}

/* --keylog: the secrets TLS records are decrypted with. Returns 0 or -EINVAL (err says). */
static int load_keylog(struct source *src, const char *path, struct capture_error *err)
{
	char why[sizeof(err->message) - 16];

	src->keylog = tls_keylog_new();
	if (!src->keylog) {
		snprintf(err->message, sizeof(err->message), "key log: out of memory");
		return -EINVAL;
	}
	if (tls_keylog_load(src->keylog, path, why, sizeof(why))) {
		snprintf(err->message, sizeof(err->message), "key log: %s", why);
		tls_keylog_free(src->keylog);
		src->keylog = NULL;
		return -EINVAL;
	}
	/* a decrypted alert goes where a plaintext one does */
	src->decrypt = (struct tls_decrypt_config){.lookup = tls_keylog_session_secrets,
						   .lookup_ctx = src->keylog,
						   .on_plaintext = on_tls_plaintext,
						   .counts = &src->stats->tls_decrypt,
						   .on_alert = on_tls_event};
	return 0;
}

int capture_source_read_files(const char *const *paths, size_t n_paths,
			      const struct capture_source_run *run,
			      struct capture_source_stats *stats, struct capture_file_span *spans,
			      struct capture_error *err)
{
	static const struct capture_replay_ops ops = {
	    .tcp = {on_open, on_data, on_gap, on_end},
	    .on_udp = on_udp,
	    .on_sctp = on_sctp,
	    .on_packet = on_packet,
	};
	struct source src = {.run = run, .stats = stats};
	char trust_err[256];
	int rc;

	memset(stats, 0, sizeof(*stats));
	memset(err, 0, sizeof(*err));
	rc = set_local(&src, paths, n_paths, err); /* rotating files of one trace: one host */
	if (rc)
		return rc;
	if ((run->options->ca_file || run->options->ca_path) &&
	    tls_trust_load(&src.trust, run->options->ca_file, run->options->ca_path, trust_err,
			   sizeof(trust_err))) {
		snprintf(err->message, sizeof(err->message), "trust store: %s", trust_err);
		return -EINVAL;
	}
	if (run->options->keylog_file && load_keylog(&src, run->options->keylog_file, err)) {
		tls_trust_free(src.trust);
		return -EINVAL;
	}
	const struct capture_replay_config config = {.decode = {run->options->vxlan_port}};
	static const struct sctp_assoc_ops assoc_ops = {on_assoc_open, on_assoc_end};
	src.sctp = sctp_reasm_new();
	src.assocs = sctp_assocs_new(&assoc_ops, &src);
	if (!src.sctp || !src.assocs) {
		sctp_reasm_free(src.sctp);
		sctp_assocs_free(src.assocs);
		tls_keylog_free(src.keylog);
		tls_trust_free(src.trust);
		snprintf(err->message, sizeof(err->message), "%s: out of memory",
			 n_paths ? paths[0] : "capture");
		return -ENOMEM;
	}
	rc = capture_replay_files(paths, n_paths, &ops, &src, &config, &stats->replay, spans, err);
	sctp_assocs_finish(src.assocs, stats->replay.last_ts_ns);
	stats->sctp_assocs_dropped = sctp_assocs_dropped(src.assocs);
	sctp_assocs_free(src.assocs);
	sctp_reasm_free(src.sctp);
	tls_trust_free(src.trust);
	hash_map_free_values(&src.tuples, free);
	/* capture_replay_files() ends every connection it opened, whatever stopped it (tested
	 * under LeakSanitizer: test_capture_early_stop); one it did not end still has its
	 * streams freed */
	for (size_t i = 0; i < src.conns_cap; i++)
		if (src.conns[i])
			conn_free(src.conns[i]);
	free(src.conns);
	tls_keylog_free(src.keylog);
	if (rc)
		return rc;
	if (src.rc == -ENOMEM)
		snprintf(err->message, sizeof(err->message), "%s: out of memory", paths[0]);
	return src.rc;
}

int capture_source_read(const char *path, const struct capture_source_run *run,
			struct capture_source_stats *stats, struct capture_error *err)
{
	return capture_source_read_files(&path, 1, run, stats, NULL, err);
}
