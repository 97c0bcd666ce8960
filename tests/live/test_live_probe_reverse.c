/* siptrail probe-reverse's probe against real OpenSSL servers on loopback (in a network
 * namespace of the test's own): each verdict the lab's trust variants give, without the lab,
 * and TLS 1.3's late rejection of this host's certificate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live_env.h"
#include "reverse_probe.h"
#include "siptrail_cmd.h"
#include "ssl_pki.h"
#include "test_children.h"
#include "tls_peer.h"

#define PORT	25160
#define WAIT_MS 8000

static struct ssl_pki pki;

static int setup(void **state)
{
	(void)state;
	live_env_require();
	live_netns_enter();
	return ssl_pki_make(&pki);
}

static int teardown(void **state)
{
	(void)state;
	ssl_pki_remove(&pki);
	return 0;
}

/* Starts a server presenting CHAIN (demanding a client certificate issued under CLIENT_CA
 * when given), probes it with TRUST and CLIENT_CHAIN, and stops the server. */
static void probe(const char *chain, const char *client_ca, const char *trust,
		  const char *client_chain, struct probe_result *result)
{
	struct tls_peer_opts server_opts = {.server = true,
					    .port = PORT,
					    .cert_chain = chain,
					    .key = pki.server_key,
					    .ca_file = client_ca,
					    .wait_close = true};
	struct reverse_probe_options options = {.ca_file = trust,
						.cert_file = client_chain,
						.key_file = pki.server_key,
						.verify = true,
						.timeout_ms = 3000,
						.late_alert_ms = 500};
	struct tls_peer_result server_result;
	struct tls_peer server;
	char err[256];
	SSL_CTX *ctx = reverse_probe_ctx(&options, err, sizeof(err));

	assert_non_null(ctx);
	if (chain)
		assert_int_equal(tls_peer_start(&server_opts, &server), 0);
	reverse_probe_run(ctx, &options, "127.0.0.1", PORT, result);
	SSL_CTX_free(ctx);
	if (chain)
		assert_int_equal(tls_peer_wait(&server, WAIT_MS, &server_result), 0);
}

static void test_works(void **state)
{
	struct probe_result r;

	(void)state;
	probe(pki.server_chain, NULL, pki.root, NULL, &r);
	assert_true(r.works);
	assert_true(r.handshake_ok);
	assert_string_equal(r.tls_version, "TLSv1.3");
	assert_int_equal(r.n_chain, 2);
	assert_true(r.chain_trusted);
	assert_non_null(strstr(r.chain[0].subject, SSL_PKI_SERVER_NAME));
	assert_int_equal(r.client_cert, PROBE_CLIENT_CERT_NONE);
}

static void test_mutual_tls_accepted(void **state)
{
	struct probe_result r;

	(void)state;
	probe(pki.server_chain, pki.root, pki.root, pki.server_chain, &r);
	assert_true(r.works);
	assert_int_equal(r.client_cert, PROBE_CLIENT_CERT_ACCEPTED);
}

/* The server sends its leaf alone: this host has only the root. */
static void test_leaf_only_chain(void **state)
{
	struct probe_result r;

	(void)state;
	probe(pki.server_leaf, NULL, pki.root, NULL, &r);
	assert_false(r.works);
	assert_int_equal(r.prediction, DIAG_TLS_INCOMPLETE_CHAIN);
	assert_string_equal(r.reason, "certificate verify failed");
	assert_string_equal(r.verify_error, "unable to get local issuer certificate");
	assert_int_equal(r.n_chain, 1);
}

static void test_untrusted_root(void **state)
{
	struct probe_result r;

	(void)state;
	probe(pki.server_chain, NULL, pki.other_root, NULL, &r);
	assert_false(r.works);
	assert_int_equal(r.prediction, DIAG_TLS_UNTRUSTED);
	assert_false(r.chain_trusted);
	assert_int_equal(r.n_chain, 2);
}

/* TLS 1.3: the client's handshake call returns success, then the server's alert comes. */
static void test_client_cert_rejected_late(void **state)
{
	struct probe_result r;

	(void)state;
	probe(pki.server_chain, pki.other_root, pki.root, pki.server_chain, &r);
	assert_false(r.works);
	assert_int_equal(r.prediction, DIAG_TLS_CLIENT_CERT);
	assert_int_equal(r.client_cert, PROBE_CLIENT_CERT_REJECTED);
	assert_true(r.chain_trusted); /* this host trusted the server */
	assert_string_equal(r.reason, "tlsv1 alert unknown ca (after the handshake)");
}

/* The server demands a certificate and this host has none. */
static void test_client_cert_missing(void **state)
{
	struct probe_result r;

	(void)state;
	probe(pki.server_chain, pki.root, pki.root, NULL, &r);
	assert_false(r.works);
	assert_int_equal(r.prediction, DIAG_TLS_CLIENT_CERT);
	assert_int_equal(r.client_cert, PROBE_CLIENT_CERT_REJECTED);
}

/* --options: one OPTIONS on the working connection, the final answer's status line. */
static void test_options_answered(void **state)
{
	static const char answer[] = "SIP/2.0 200 OK\r\n"
				     "Via: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-siptrail-1\r\n"
				     "From: <sip:siptrail@127.0.0.1>;tag=1\r\n"
				     "To: <sip:127.0.0.1>;tag=2\r\n"
				     "Call-ID: probe-1@127.0.0.1\r\n"
				     "CSeq: 1 OPTIONS\r\n"
				     "Content-Length: 0\r\n\r\n";
	struct tls_peer_opts server_opts = {.server = true,
					    .port = PORT,
					    .cert_chain = pki.server_chain,
					    .key = pki.server_key,
					    .expect_len = 1,
					    .send = answer,
					    .send_len = sizeof(answer) - 1,
					    .wait_close = true};
	struct reverse_probe_options options = {.ca_file = pki.root,
						.verify = true,
						.timeout_ms = 3000,
						.late_alert_ms = 300,
						.send_options = true};
	struct tls_peer_result server_result;
	struct probe_result r;
	struct tls_peer server;
	char err[256];
	SSL_CTX *ctx = reverse_probe_ctx(&options, err, sizeof(err));

	(void)state;
	assert_non_null(ctx);
	assert_int_equal(tls_peer_start(&server_opts, &server), 0);
	reverse_probe_run(ctx, &options, "127.0.0.1", PORT, &r);
	SSL_CTX_free(ctx);
	assert_int_equal(tls_peer_wait(&server, WAIT_MS, &server_result), 0);
	assert_true(r.works);
	assert_true(r.options_sent);
	assert_int_equal(r.options_status, 200);
	assert_string_equal(r.options_answer, "200 OK");
}

/* `siptrail probe-reverse --from JOURNAL`: the peer's Record-Route entry names where its
 * listener is (its connection came from another port). */
static void test_from_journal(void **state)
{
	static const char journal[] =
	    "{\"event\":\"sip\",\"ts_ns\":1764240000010000000,\"conn\":1,\"dir\":\"in\","
	    "\"transport\":\"tls\",\"laddr\":\"127.0.0.1\",\"lport\":5061,"
	    "\"raddr\":\"127.0.0.1\",\"rport\":40312,\"raw\":\"INVITE sip:bob@127.0.0.1 "
	    "SIP/2.0\\r\\nRecord-Route: <sip:127.0.0.1:25160;transport=tls;lr>\\r\\nVia: "
	    "SIP/2.0/TLS 127.0.0.1:25160;branch=z9hG4bK-1\\r\\nFrom: <sip:a@carrier>;tag=1\\r\\n"
	    "To: <sip:bob@sbc>\\r\\nCall-ID: from-journal\\r\\nCSeq: 1 INVITE\\r\\n"
	    "Content-Length: 0\\r\\n\\r\\n\"}\n";
	struct tls_peer_opts server_opts = {.server = true,
					    .port = PORT,
					    .cert_chain = pki.server_chain,
					    .key = pki.server_key,
					    .wait_close = true};
	char path[] = "/tmp/siptrail-probe-journal-XXXXXX", args[PATH_MAX + 128], out[8192];
	struct tls_peer_result server_result;
	struct tls_peer server;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, journal, sizeof(journal) - 1), (ssize_t)sizeof(journal) - 1);
	close(fd);
	assert_int_equal(tls_peer_start(&server_opts, &server), 0);
	snprintf(args, sizeof(args), "probe-reverse --from %s --ca-file %s --late-alert-ms 300",
		 path, pki.root);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_int_equal(tls_peer_wait(&server, WAIT_MS, &server_result), 0);
	unlink(path);
	assert_non_null(strstr(out, "peer 127.0.0.1: 127.0.0.1:25160 (from Record-Route)\n"));
	assert_non_null(strstr(out, "  TLS handshake (this host client): ok, TLSv1.3\n"));
	assert_non_null(strstr(out, "would go through\n"));
	assert_non_null(strstr(out, "1 peer(s) probed, 0 where a BYE or refresh would be lost\n"));
}

static void test_refused(void **state)
{
	struct probe_result r;

	(void)state;
	probe(NULL, NULL, pki.root, NULL, &r);
	assert_false(r.reachable);
	assert_false(r.works);
	assert_int_equal(r.prediction, DIAG_CONNECT_FAILED);
	assert_string_equal(r.connect_error, "ECONNREFUSED (Connection refused)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_works),
	    unit_test_with_children(test_mutual_tls_accepted),
	    unit_test_with_children(test_leaf_only_chain),
	    unit_test_with_children(test_untrusted_root),
	    unit_test_with_children(test_client_cert_rejected_late),
	    unit_test_with_children(test_client_cert_missing),
	    unit_test_with_children(test_options_answered),
	    unit_test_with_children(test_from_journal),
	    unit_test_with_children(test_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
