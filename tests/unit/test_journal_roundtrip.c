/*
 * The journal reader reads every field the writer writes: for every event kind (and the
 * variants each source writes), event -> event_to_json -> journal reader gives the same event,
 * byte for byte, and the same JSON again. A field the writer gains without the reader fails
 * here. Journals written before the newer fields existed still read
 * (tests/data/journal-old-format.jsonl).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal_read.h"
#include "packet_decode.h"
#include "journal_write.h"

static struct endpoint endpoint(const char *addr, uint16_t port)
{
	struct endpoint end;

	memset(&end, 0, sizeof(end));
	if (!ip_addr_parse(&end.addr, addr))
		fail_msg("'%s' is not an address", addr);
	end.port = port;
	return end;
}

static char *json_text(const struct event *ev)
{
	json_t *obj = event_to_json(ev);
	char *text;

	assert_non_null(obj);
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	assert_non_null(text);
	return text;
}

static void assert_same_text(const char *a, const char *b)
{
	if (a || b)
		assert_string_equal(a ? a : "(null)", b ? b : "(null)");
}

/* Compares what the events own, then points BACK's at EV's so the rest compares as bytes. */
static void assert_same_owned(const struct event *ev, struct event *back)
{
	if (ev->kind == EV_SIP) {
		assert_int_equal(back->sip.raw_len, ev->sip.raw_len);
		assert_memory_equal(back->sip.raw, ev->sip.raw, ev->sip.raw_len);
		free(back->sip.raw);
		back->sip.raw = ev->sip.raw;
	} else if (ev->kind == EV_TLS_CHAIN) {
		assert_int_equal(back->chain.n_certs, ev->chain.n_certs);
		for (size_t i = 0; i < ev->chain.n_certs; i++) {
			const struct ev_cert *a = &ev->chain.certs[i], *b = &back->chain.certs[i];
			assert_same_text(a->subject, b->subject);
			assert_same_text(a->issuer, b->issuer);
			assert_same_text(a->sans, b->sans);
			assert_same_text(a->not_before, b->not_before);
			assert_same_text(a->not_after, b->not_after);
			assert_same_text(a->sha256, b->sha256);
		}
		struct event certs = {.kind = EV_TLS_CHAIN};
		certs.chain.certs = back->chain.certs;
		certs.chain.n_certs = back->chain.n_certs;
		event_release(&certs);
		back->chain.certs = ev->chain.certs;
	} else if (ev->kind == EV_TLS_LEAF_CHANGED) {
		assert_same_text(ev->leaf.old_subject, back->leaf.old_subject);
		assert_same_text(ev->leaf.new_subject, back->leaf.new_subject);
		free(back->leaf.old_subject);
		free(back->leaf.new_subject);
		back->leaf.old_subject = ev->leaf.old_subject;
		back->leaf.new_subject = ev->leaf.new_subject;
	}
}

/* EV (zeroed, then filled) -> JSON -> event: the same event, and the same JSON again. */
static void assert_round_trip(struct event *ev)
{
	char *first = json_text(ev), *second, err[256];
	json_t *obj = json_loads(first, 0, NULL);
	struct event back;

	assert_non_null(obj);
	if (journal_parse_json(obj, &back, err, sizeof(err)))
		fail_msg("%s: %s", first, err);
	json_decref(obj);
	second = json_text(&back);
	assert_string_equal(second, first);
	assert_same_owned(ev, &back);
	assert_memory_equal(&back, ev, sizeof(back));
	free(first);
	free(second);
	event_release(ev);
}

/* EV zeroed (so it compares as bytes), of KIND on connection CONN. */
static void event_start(struct event *ev, enum event_kind kind, uint64_t conn)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->ts_ns = 1795789184833537290ull;
	ev->conn = conn;
}

static void conn_fields(struct event *ev, enum event_kind kind, bool from_kernel)
{
	struct ev_conn *c = &ev->conn_ev;

	event_start(ev, kind, 276662);
	c->local = endpoint("2001:db8::1", 5061);
	c->remote = endpoint("2001:db8::20", 40312);
	c->direction = DIR_IN;
	if (!from_kernel)
		return; /* a capture: no process, no flags */
	c->kernel_flags = true;
	c->pid = 812;
	snprintf(c->comm, sizeof(c->comm), "kamailio");
	c->netns = 4026531840u;
}

static void test_conn_events(void **state)
{
	struct event ev;
	(void)state;

	for (int kernel = 0; kernel < 2; kernel++) {
		conn_fields(&ev, EV_CONN_OPEN, kernel);
		ev.conn_ev.direction = DIR_OUT;
		ev.conn_ev.tls_client = true;
		ev.conn_ev.before_trace = kernel;
		assert_round_trip(&ev);

		conn_fields(&ev, EV_CONN_CLOSE, kernel);
		ev.conn_ev.bytes_sent = 1200;
		ev.conn_ev.bytes_received = 3400;
		ev.conn_ev.closed_by = SIDE_LOCAL;
		ev.conn_ev.how = CLOSE_FIN;
		ev.conn_ev.first_close_ts_ns = 1795789184833537000ull;
		ev.conn_ev.idle_ns = 120000000000ull;
		assert_round_trip(&ev);

		conn_fields(&ev, EV_CONN_END, kernel);
		ev.conn_ev.duration_ns = 240000000000ull;
		ev.conn_ev.bytes_sent = 1;
		ev.conn_ev.bytes_received = 2;
		ev.conn_ev.retransmits = 3;
		ev.conn_ev.closed_by = SIDE_PEER;
		ev.conn_ev.how = CLOSE_RST_IN;
		ev.conn_ev.idle_ns = 5;
		snprintf(ev.conn_ev.sk_error, sizeof(ev.conn_ev.sk_error), "ECONNRESET");
		ev.conn_ev.rst_received = kernel;
		ev.conn_ev.rst_sent = kernel;
		assert_round_trip(&ev);
	}
	/* a capture's connection through a tunnel */
	for (enum event_kind kind = EV_CONN_OPEN; kind <= EV_CONN_END; kind++) {
		conn_fields(&ev, kind, false);
		ev.conn_ev.how = kind == EV_CONN_OPEN ? CLOSE_UNKNOWN : CLOSE_FIN;
		ev.conn_ev.tunnel.encap = PACKET_ENCAP_ERSPAN3;
		ip_addr_parse(&ev.conn_ev.tunnel.src, "198.51.100.1");
		ip_addr_parse(&ev.conn_ev.tunnel.dst, "198.51.100.2");
		ev.conn_ev.tunnel.id_given = true;
		ev.conn_ev.tunnel.id = 1023;
		assert_round_trip(&ev);
	}
	/* a connection older than the trace: no direction, nothing known of its open */
	conn_fields(&ev, EV_CONN_END, true);
	ev.conn_ev.direction = DIR_UNKNOWN;
	ev.conn_ev.before_trace = true;
	ev.conn_ev.duration_unknown = true;
	ev.conn_ev.idle_unknown = true;
	ev.conn_ev.how = CLOSE_TIMEOUT;
	assert_round_trip(&ev);
}

static void test_tls_handshake(void **state)
{
	struct event ev;
	struct ev_tls_handshake *h = &ev.handshake;
	(void)state;

	event_start(&ev, EV_TLS_HANDSHAKE, 403318);
	h->client = true;
	h->start_ts_ns = 1795790241693318980ull;
	h->duration_ns = 87693408;
	h->after_handshake = true;
	snprintf(h->error, sizeof(h->error), "certificate verify failed");
	snprintf(h->verify_error, sizeof(h->verify_error),
		 "unable to get local issuer certificate");
	snprintf(h->error_detail, sizeof(h->error_detail),
		 "error:0A000086:SSL routines::certificate verify failed");
	h->local = endpoint("10.99.0.1", 41164);
	h->remote = endpoint("10.99.0.2", 5061);
	h->libssl.given = true;
	h->libssl.pid = 26751;
	snprintf(h->libssl.comm, sizeof(h->libssl.comm), "kamailio");
	h->libssl.netns = 4026532245u;
	assert_round_trip(&ev);

	/* the wire's view, without the probe; the role unknown */
	event_start(&ev, EV_TLS_HANDSHAKE, 9);
	h->role_unknown = true;
	h->ok = true;
	assert_round_trip(&ev);
}

static void test_tls_alert(void **state)
{
	static const uint8_t levels[] = {1, 2, 7}; /* warning, fatal, one no table names */
	struct event ev;
	(void)state;

	for (size_t i = 0; i < sizeof(levels); i++) {
		event_start(&ev, EV_TLS_ALERT, 12);
		ev.alert.from = i ? SIDE_PEER : SIDE_LOCAL;
		ev.alert.level = levels[i];
		snprintf(ev.alert.description, sizeof(ev.alert.description), "unknown_ca");
		ev.alert.code = 48;
		assert_round_trip(&ev);
	}
}

static char *text(const char *value)
{
	char *copy = strdup(value);

	assert_non_null(copy);
	return copy;
}

static void test_tls_chain(void **state)
{
	struct event ev;
	struct ev_tls_chain *ch = &ev.chain;
	(void)state;

	for (int wire = 0; wire < 2; wire++) {
		event_start(&ev, EV_TLS_CHAIN, 14);
		ch->from = SIDE_PEER;
		snprintf(ch->sni, sizeof(ch->sni), "sbc.example.net");
		ch->n_certs = 2;
		ch->certs = calloc(2, sizeof(*ch->certs));
		assert_non_null(ch->certs);
		ch->certs[0] = (struct ev_cert){
		    text("CN=sbc.example.net"),	       text("CN=Example Intermediate CA"),
		    text("sbc.example.net,10.99.0.2"), text("2026-01-01T00:00:00Z"),
		    text("2027-01-01T00:00:00Z"),      text("5b1e00")};
		ch->certs[1] = (struct ev_cert){text("CN=Example Intermediate CA"),
						text("CN=Example Root CA"),
						text(""),
						text("2025-01-01T00:00:00Z"),
						text("2030-01-01T00:00:00Z"),
						text("77aa11")};
		ch->verdict = wire ? CHAIN_INCOMPLETE : CHAIN_UNKNOWN;
		snprintf(ch->missing_issuer, sizeof(ch->missing_issuer), "CN=Example Root CA");
		ch->verify_given = wire;
		if (wire)
			snprintf(ch->verify_error, sizeof(ch->verify_error),
				 "unable to get local issuer certificate");
		assert_round_trip(&ev);
	}
}

static void test_sip(void **state)
{
	static const char message[] = "BYE sip:pbx@10.0.0.5 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
	struct event ev;
	struct ev_sip *s = &ev.sip;
	(void)state;

	/* 0: plaintext from the wire, 1: the libssl probe's, 2: decrypted from TLS records */
	for (int libssl = 0; libssl < 3; libssl++) {
		event_start(&ev, EV_SIP, libssl ? 16 : 0);
		s->dir = libssl ? DIR_OUT : DIR_IN;
		s->transport = libssl ? TRANSPORT_TLS : TRANSPORT_UDP;
		s->decrypted = libssl == 2;
		s->local = endpoint("10.99.0.1", 5061);
		s->remote = endpoint("::ffff:10.99.0.2", 40312);
		s->raw = text(message);
		s->raw_len = strlen(message);
		if (libssl == 1) {
			s->libssl.given = true;
			s->libssl.pid = 26751;
			snprintf(s->libssl.comm, sizeof(s->libssl.comm), "kamailio");
			s->libssl.netns = 4026532245u;
			s->total_len = 4096;
			s->truncated = true;
		}
		assert_round_trip(&ev);
	}
}

/* A capture's message from inside a tunnel: its kind, outer addresses (IPv4 and IPv6) and id
 * when it has one. */
static void test_sip_tunnel(void **state)
{
	static const char message[] =
	    "OPTIONS sip:pbx@10.0.0.5 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
	struct event ev;
	struct ev_sip *s = &ev.sip;
	(void)state;

	for (uint8_t encap = PACKET_ENCAP_NONE + 1; encap < PACKET_ENCAP_COUNT; encap++) {
		event_start(&ev, EV_SIP, 0);
		s->dir = DIR_IN;
		s->transport = TRANSPORT_UDP;
		s->local = endpoint("10.99.0.1", 5060);
		s->remote = endpoint("10.99.0.2", 5060);
		s->tunnel.encap = encap;
		ip_addr_parse(&s->tunnel.src, encap % 2 ? "198.51.100.1" : "2001:db8:ff::1");
		ip_addr_parse(&s->tunnel.dst, encap % 2 ? "198.51.100.2" : "2001:db8:ff::2");
		s->tunnel.id_given = encap != PACKET_ENCAP_IPIP;
		s->tunnel.id = s->tunnel.id_given ? 0xffffffu - encap : 0;
		s->raw = text(message);
		s->raw_len = strlen(message);
		assert_round_trip(&ev);
	}
}

static void test_lost(void **state)
{
	struct event ev;
	struct ev_lost *l = &ev.lost;
	(void)state;

	for (int live = 0; live < 3; live++) {
		event_start(&ev, EV_LOST, 0);
		l->ringbuf = 1;
		l->map_full = 2;
		l->detailed = live > 0;
		l->wire = live > 1;
		if (l->detailed) {
			l->ringbuf_conn_open = 3;
			l->ringbuf_conn_end = 4;
			l->ringbuf_conn_close_late = 5;
			l->skipped_calls = 6;
			l->ringbuf_tls = 7;
		}
		if (l->wire) {
			l->wire_drops = 8;
			l->wire_streams_dropped = 9;
			l->wire_gaps = 10;
			l->wire_pending_full = 11;
			l->wire_sockets_full = 12;
			l->wire_unmatched = 13;
			l->wire_tls_no_handshake = 14;
			l->wire_tls_no_secrets = 15;
			l->wire_tls_unsupported = 16;
			l->wire_tls_auth_failed = 17;
		}
		assert_round_trip(&ev);
	}
}

static void test_tls_hello(void **state)
{
	struct event ev;
	struct ev_tls_hello *h = &ev.hello;
	(void)state;

	for (int named = 0; named < 2; named++) {
		event_start(&ev, EV_TLS_HELLO, 19);
		h->client = true;
		snprintf(h->sni, sizeof(h->sni), "sbc.stwire.test");
		h->offered[0] = 0x0304;
		h->offered[1] = 0x0303;
		h->offered[2] = 0x7f1c; /* a draft version: no name */
		h->n_offered = 3;
		h->server_hello_seen = true;
		h->version = named ? 0x0304 : 0x7f1c;
		h->cipher_suite = named ? 0x1302 : 0xabcd;
		h->hello_retry = true;
		assert_round_trip(&ev);
	}

	/* the server's side before its ServerHello was seen */
	event_start(&ev, EV_TLS_HELLO, 21);
	assert_round_trip(&ev);
}

static void test_tls_leaf_changed(void **state)
{
	struct event ev;
	struct ev_tls_leaf_changed *l = &ev.leaf;
	(void)state;

	for (int server = 0; server < 2; server++) {
		event_start(&ev, EV_TLS_LEAF_CHANGED, 23);
		l->from = SIDE_PEER;
		/* a client certificate is known by its address alone */
		l->peer = endpoint("10.99.0.2", server ? 5061 : 0);
		if (server)
			snprintf(l->sni, sizeof(l->sni), "sbc.stwire.test");
		snprintf(l->old_sha256, sizeof(l->old_sha256), "%064d", 1);
		snprintf(l->new_sha256, sizeof(l->new_sha256), "%064d", 2);
		l->old_subject = text("CN=carrier old");
		l->new_subject = text("CN=carrier new");
		l->old_not_after = 1798761600; /* 2027-01-01 */
		l->new_not_after = 1830297600; /* 2028-01-01 */
		assert_round_trip(&ev);
	}
}

/* Lines as siptrail wrote them before the newer fields (no socket flags, no libssl process, no
 * lost details): each still reads, and reads as "not given". */
static void test_old_format_journal(void **state)
{
	struct journal_reader reader;
	struct event ev;
	unsigned kinds = 0;
	int rc;
	(void)state;

	assert_int_equal(
	    journal_reader_open(&reader, "tests/data/journal-old-format.jsonl", stderr), 0);
	while ((rc = journal_read_next(&reader, &ev)) == 1) {
		kinds |= 1u << ev.kind;
		switch (ev.kind) {
		case EV_CONN_OPEN:
		case EV_CONN_CLOSE:
		case EV_CONN_END:
			assert_false(ev.conn_ev.kernel_flags);
			assert_false(ev.conn_ev.rst_received);
			assert_string_equal(ip_addr_text(&ev.conn_ev.remote.addr).text,
					    "198.51.100.20");
			break;
		case EV_TLS_HANDSHAKE:
			assert_false(ev.handshake.libssl.given);
			assert_false(ev.handshake.role_unknown);
			break;
		case EV_TLS_ALERT:
			assert_true(alert_is_fatal(&ev.alert));
			break;
		case EV_TLS_CHAIN:
			assert_false(ev.chain.verify_given);
			assert_int_equal(ev.chain.n_certs, 1);
			break;
		case EV_SIP:
			assert_false(ev.sip.libssl.given);
			assert_int_equal(ev.sip.transport, ev.conn ? TRANSPORT_TCP : TRANSPORT_UDP);
			break;
		case EV_LOST:
			assert_false(ev.lost.detailed);
			assert_int_equal(ev.lost.ringbuf, 3);
			break;
		default:
			break;
		}
		event_release(&ev);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(reader.bad_lines, 0);
	journal_reader_close(&reader);
	assert_int_equal(kinds, 1u << EV_CONN_OPEN | 1u << EV_CONN_CLOSE | 1u << EV_CONN_END |
				    1u << EV_TLS_HANDSHAKE | 1u << EV_TLS_ALERT |
				    1u << EV_TLS_CHAIN | 1u << EV_SIP | 1u << EV_LOST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conn_events),
	    cmocka_unit_test(test_tls_handshake),
	    cmocka_unit_test(test_tls_alert),
	    cmocka_unit_test(test_tls_chain),
	    cmocka_unit_test(test_sip),
	    cmocka_unit_test(test_sip_tunnel),
	    cmocka_unit_test(test_lost),
	    cmocka_unit_test(test_tls_hello),
	    cmocka_unit_test(test_tls_leaf_changed),
	    cmocka_unit_test(test_old_format_journal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
