/* The whole offline path on real TLS captures: capture reader -> TCP reassembly -> TLS record
 * decoder -> chain check at the capture's time against the system trust store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_reader.h"
#include "tls_chain.h"
#include "tls_record.h"

#define CAPS	  "../shared/corpus/tls-captures/"
#define MAX_CONNS 8
#define MAX_CHAIN 6

struct chain {
	uint8_t *der[MAX_CHAIN];
	struct tls_view certs[MAX_CHAIN];
	size_t count;
	uint64_t ts_ns;
};

struct conn_log {
	struct tls_conn tls;
	char sni[128];
	size_t client_hellos;
	bool hrr, certificate_request;
	uint16_t version, cipher_suite;
	uint16_t offered[TLS_MAX_OFFERED_VERSIONS];
	size_t offered_count;
	struct chain chain[2]; /* by sender */
	int alerts, encrypted_alerts;
	enum tcp_end_reason end;
};

struct replay_log {
	struct conn_log conns[MAX_CONNS];
	size_t count;
};

static struct conn_log *conn_of(struct replay_log *log, const struct tcp_conn *conn)
{
	assert_true(conn->id >= 1 && conn->id <= MAX_CONNS);
	return &log->conns[conn->id - 1];
}

static void on_tls_event(void *user, const struct tls_record_event *ev)
{
	struct conn_log *c = user;
	switch (ev->type) {
	case TLS_EV_CLIENT_HELLO:
		c->client_hellos++;
		snprintf(c->sni, sizeof(c->sni), "%.*s", (int)ev->client_hello.sni.len,
			 (const char *)ev->client_hello.sni.ptr);
		memcpy(c->offered, ev->client_hello.versions, sizeof(c->offered));
		c->offered_count = ev->client_hello.versions_count;
		break;
	case TLS_EV_SERVER_HELLO:
		c->hrr |= ev->server_hello.hello_retry_request;
		c->version = ev->server_hello.version;
		c->cipher_suite = ev->server_hello.cipher_suite;
		break;
	case TLS_EV_CERTIFICATE: {
		struct chain *ch = &c->chain[ev->from];
		for (size_t i = 0; i < ev->certificate.count && i < MAX_CHAIN; i++) {
			const struct tls_view *v = &ev->certificate.certs[i];
			ch->der[i] = malloc(v->len);
			memcpy(ch->der[i], v->ptr, v->len);
			ch->certs[i] = (struct tls_view){ch->der[i], v->len};
			ch->count++;
		}
		ch->ts_ns = ev->ts_ns;
		break;
	}
	case TLS_EV_HANDSHAKE:
		c->certificate_request |= ev->handshake_type == TLS_HS_CERTIFICATE_REQUEST;
		break;
	case TLS_EV_ALERT:
		c->alerts++;
		break;
	case TLS_EV_ENCRYPTED_ALERT:
		c->encrypted_alerts++;
		break;
	default:
		break;
	}
}

static void on_open(void *user, const struct tcp_conn *conn, uint64_t ts_ns)
{
	struct replay_log *log = user;
	(void)ts_ns;
	tls_conn_init(&conn_of(log, conn)->tls);
	log->count = conn->id;
}

static void on_data(void *user, const struct tcp_conn *conn, enum tcp_side from,
		    const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct conn_log *c = conn_of(user, conn);
	enum tls_dir dir = from == TCP_SIDE_CLIENT ? TLS_FROM_CLIENT : TLS_FROM_SERVER;
	tls_conn_feed(&c->tls, dir, data, len, ts_ns, on_tls_event, c);
}

static void on_gap(void *user, const struct tcp_conn *conn, enum tcp_side from,
		   uint64_t missing_bytes, uint64_t ts_ns)
{
	(void)ts_ns;
	tls_conn_gap(&conn_of(user, conn)->tls,
		     from == TCP_SIDE_CLIENT ? TLS_FROM_CLIENT : TLS_FROM_SERVER, missing_bytes);
}

static void on_end(void *user, const struct tcp_conn *conn, enum tcp_end_reason reason,
		   uint64_t ts_ns)
{
	(void)ts_ns;
	conn_of(user, conn)->end = reason;
}

static struct replay_log *replay(const char *path)
{
	static const struct capture_replay_ops ops = {{on_open, on_data, on_gap, on_end}, NULL};
	struct replay_log *log = calloc(1, sizeof(*log));
	struct capture_error err;
	assert_int_equal(capture_replay(path, &ops, log, NULL, NULL, &err), 0);
	return log;
}

static void free_log(struct replay_log *log)
{
	for (size_t i = 0; i < MAX_CONNS; i++) {
		tls_conn_release(&log->conns[i].tls);
		for (int s = 0; s < 2; s++)
			for (size_t k = 0; k < log->conns[i].chain[s].count; k++)
				free(log->conns[i].chain[s].der[k]);
	}
	free(log);
}

static struct tls_chain_result check_chain(struct tls_trust *trust, const struct conn_log *c,
					   enum tls_dir sender)
{
	const struct chain *ch = &c->chain[sender];
	struct tls_chain_request req = {ch->certs,
					ch->count,
					c->sni[0] ? c->sni : NULL,
					NULL,
					(int64_t)(ch->ts_ns / 1000000000ULL),
					sender == TLS_FROM_CLIENT ? TLS_CHAIN_FROM_CLIENT
								  : TLS_CHAIN_FROM_SERVER};
	struct tls_chain_result result;
	assert_int_equal(tls_chain_check(trust, &req, &result), 0);
	return result;
}

static int setup(void **state)
{
	struct tls_trust *trust;
	char err[256];
	if (tls_trust_load(&trust, NULL, NULL, err, sizeof(err)))
		return -1;
	*state = trust;
	return 0;
}

static int teardown(void **state)
{
	tls_trust_free(*state);
	return 0;
}

static void test_missing_intermediate(void **state)
{
	struct replay_log *log = replay(CAPS "missing-intermediate.pcap");
	assert_int_equal(log->count, 3);
	struct conn_log *c = &log->conns[0];
	assert_int_equal(c->chain[TLS_FROM_SERVER].count, 1);
	struct tls_chain_result r = check_chain(*state, c, TLS_FROM_SERVER);
	assert_string_equal(tls_chain_verdict_name(r.verdict), "incomplete");
	assert_non_null(strstr(r.missing_issuer, "CN=Starfield Secure Certificate Authority - G2"));
	struct tls_cert_info leaf;
	assert_int_equal(tls_cert_decode(c->chain[1].certs[0].ptr, c->chain[1].certs[0].len, &leaf),
			 0);
	assert_non_null(strstr(leaf.subject, "CN=www.cviis.org"));
	assert_string_equal(leaf.sans[0], "www.cviis.org");
	/* Connection 2: the three-certificate chain over several TCP segments. */
	c = &log->conns[1];
	assert_int_equal(c->chain[TLS_FROM_SERVER].count, 3);
	assert_int_equal(c->encrypted_alerts, 2);
	free_log(log);
}

static void test_expired_at_capture_time(void **state)
{
	struct replay_log *log = replay(CAPS "tls-expired-cert.pcap");
	struct conn_log *c = &log->conns[0];
	assert_int_equal(c->chain[TLS_FROM_SERVER].count, 2);
	struct tls_chain_result r = check_chain(*state, c, TLS_FROM_SERVER);
	assert_string_equal(tls_chain_verdict_name(r.verdict), "expired");
	assert_string_equal(r.verify_error_str, "certificate has expired");
	assert_int_equal(r.verify_error_depth, 0);
	assert_true(c->encrypted_alerts >= 1);
	free_log(log);
}

static void test_mutual_tls(void **state)
{
	(void)state;
	struct replay_log *log = replay(CAPS "client-certificate.pcap");
	struct conn_log *c = &log->conns[0];
	assert_true(c->certificate_request);
	assert_int_equal(c->chain[TLS_FROM_SERVER].count, 3);
	assert_int_equal(c->chain[TLS_FROM_CLIENT].count, 2); /* leaf + Actalis CA, per tshark */
	struct tls_cert_info leaf;
	const struct tls_view *v = &c->chain[TLS_FROM_CLIENT].certs[0];
	assert_int_equal(tls_cert_decode(v->ptr, v->len, &leaf), 0);
	assert_non_null(strstr(leaf.issuer, "Actalis Client Authentication CA G3"));
	assert_int_equal(c->version, TLS_VERSION_1_2);
	free_log(log);
}

static void test_hello_retry_request(void **state)
{
	(void)state;
	struct replay_log *log = replay(CAPS "hrr.pcap");
	struct conn_log *c = &log->conns[0];
	assert_int_equal(c->client_hellos, 2);
	assert_true(c->hrr);
	assert_int_equal(c->version, TLS_VERSION_1_3);
	assert_string_equal(tls_cipher_suite_name(c->cipher_suite), "TLS_AES_256_GCM_SHA384");
	assert_true(tls_conn_certificates_encrypted(&c->tls));
	/* The server's flight arrives out of order (frames 9 then 11): reassembled, no gap. */
	assert_int_equal(c->tls.dir[TLS_FROM_SERVER].status, TLS_OK);
	assert_int_equal(c->tls.dir[TLS_FROM_SERVER].offset, 2034);
	free_log(log);
}

static void test_tls13_certificates_not_visible(void **state)
{
	(void)state;
	struct replay_log *log = replay(CAPS "tls13_wolfssl.pcap");
	struct conn_log *c = &log->conns[0];
	assert_int_equal(c->offered_count, 3);
	assert_int_equal(c->offered[0], TLS_VERSION_1_3);
	assert_int_equal(c->version, TLS_VERSION_1_3);
	assert_true(tls_conn_certificates_encrypted(&c->tls));
	assert_int_equal(c->chain[TLS_FROM_SERVER].count, 0);
	assert_true(c->tls.dir[TLS_FROM_SERVER].app_data_records >= 4);
	assert_int_equal(c->tls.dir[TLS_FROM_SERVER].status, TLS_OK);
	assert_int_equal(c->tls.dir[TLS_FROM_CLIENT].status, TLS_OK);
	free_log(log);
}

static void test_tls12_chain_ok_with_system_store(void **state)
{
	struct replay_log *log = replay("../shared/corpus/tls-records/tls12/capture.pcap");
	struct conn_log *c = &log->conns[0];
	assert_string_equal(c->sni, "example.ulfheim.net");
	assert_int_equal(c->chain[TLS_FROM_SERVER].count, 1);
	/* Its self-made CA is in no trust store. */
	struct tls_chain_result r = check_chain(*state, c, TLS_FROM_SERVER);
	assert_int_equal(r.verdict, TLS_CHAIN_INCOMPLETE);
	assert_non_null(strstr(r.missing_issuer, "Example CA"));
	free_log(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_missing_intermediate),
	    cmocka_unit_test(test_expired_at_capture_time),
	    cmocka_unit_test(test_mutual_tls),
	    cmocka_unit_test(test_hello_retry_request),
	    cmocka_unit_test(test_tls13_certificates_not_visible),
	    cmocka_unit_test(test_tls12_chain_ok_with_system_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
