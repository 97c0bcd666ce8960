/* Every diagnosis rule, with its failure pattern and a healthy twin, on events built here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../lib/corr_harness.h"

#define SE_1800_REQ  "Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\nMin-SE: 90\r\n"
#define SE_1800_RESP "Require: timer\r\nSession-Expires: 1800;refresher=uac\r\n"

static void pbx_bye(struct harness *h, double t)
{
	h_sip(h, t, 0, DIR_IN, H_PBX, &(struct h_msg){"BYE", 0, 2, "z9hG4bK-pbx-bye1", true});
}

static void pbx_bye_answer(struct harness *h, double t, int status)
{
	h_sip(h, t, 0, DIR_OUT, H_PBX, &(struct h_msg){"BYE", status, 2, "z9hG4bK-pbx-bye1", true});
}

/* the call on carrier-opened conn 1, closed idle by this host after 120 s, BYE from the PBX,
 * and this host opens conn 2 toward the carrier */
static void idle_close_then_bye(struct harness *h)
{
	h_setup_call(h, SE_1800_REQ, SE_1800_RESP);
	h_conn_end(h, 123.0, 1, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 120.0, NULL);
	pbx_bye(h, 300.0);
	h_conn_open(h, 300.001, 2, DIR_OUT);
}

static void failed_handshake_then_477(struct harness *h)
{
	h_conn_end(h, 300.032, 2, DIR_OUT, SIDE_LOCAL, CLOSE_FIN, 0, NULL);
	pbx_bye_answer(h, 300.033, 477);
}

static void test_bye_failed_incomplete_chain(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	idle_close_then_bye(&h);
	h_chain(&h, 300.03, 2, SIDE_PEER, CHAIN_INCOMPLETE, 1, "c0ffee", "CN=Carrier Int");
	h_alert(&h, 300.031, 2, SIDE_LOCAL, "unknown_ca");
	h_tls(&h, 300.031, 2, true, false, "certificate verify failed",
	      "unable to get local issuer certificate");
	failed_handshake_then_477(&h);
	assert_true(harness_has(&h, DIAG_BYE_FAILED));
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_INCOMPLETE_CHAIN);
	assert_int_equal(harness_cause(&h, DIAG_TLS_INCOMPLETE_CHAIN), DIAG_IDLE_CLOSE_REVERSE);
	assert_false(harness_has(&h, DIAG_TLS_UNTRUSTED));
	assert_false(harness_has(&h, DIAG_RISK_IDLE_TIMEOUT));
}

/* The call is retired only when the input ends (its BYE failed, it never ended), more than the
 * hour ended connections are kept after its connections ended: its causes are the same. */
static void test_bye_failed_causes_kept_past_conn_linger(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	idle_close_then_bye(&h);
	h_chain(&h, 300.03, 2, SIDE_PEER, CHAIN_INCOMPLETE, 1, "c0ffee", "CN=Carrier Int");
	h_tls(&h, 300.031, 2, true, false, "certificate verify failed",
	      "unable to get local issuer certificate");
	failed_handshake_then_477(&h);
	h_conn_open(&h, 5400.0, 21, DIR_IN);
	h_sip(&h, 5400.01, 21, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-later", false, NULL, "later-call"});
	harness_finish(&h);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_INCOMPLETE_CHAIN);
	assert_int_equal(harness_cause(&h, DIAG_TLS_INCOMPLETE_CHAIN), DIAG_IDLE_CLOSE_REVERSE);
}

/* incomplete chain read from the verify error alone: a leaf-only chain */
static void test_incomplete_chain_from_verify_error(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	idle_close_then_bye(&h);
	h_chain(&h, 300.03, 2, SIDE_PEER, CHAIN_UNKNOWN, 1, "c0ffee", NULL);
	h_tls(&h, 300.031, 2, true, false, "certificate verify failed",
	      "unable to get local issuer certificate");
	failed_handshake_then_477(&h);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_INCOMPLETE_CHAIN);
}

/* The lab's Kamailio case: the idle connection's socket outlives the close (a worker holds
 * the fd), so only its conn_close is in the journal; the reverse handshake fails and the peer
 * closes that connection too, again without a conn_end. */
static void test_idle_close_known_from_conn_close_alone(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, SE_1800_REQ, SE_1800_RESP);
	h_conn_close(&h, 123.0, 1, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 120.0);
	pbx_bye(&h, 300.0);
	h_conn_open(&h, 300.001, 2, DIR_OUT);
	h_chain(&h, 300.03, 2, SIDE_PEER, CHAIN_INCOMPLETE, 1, "c0ffee", "CN=Carrier Int");
	h_tls(&h, 300.031, 2, true, false, "certificate verify failed",
	      "unable to get local issuer certificate");
	h_conn_close(&h, 300.032, 2, DIR_OUT, SIDE_PEER, CLOSE_FIN, 0);
	pbx_bye_answer(&h, 300.033, 477);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_INCOMPLETE_CHAIN);
	assert_int_equal(harness_cause(&h, DIAG_TLS_INCOMPLETE_CHAIN), DIAG_IDLE_CLOSE_REVERSE);
}

/* TLS 1.3 on the reverse connection: this host's SSL_connect returns 1, the BYE is written,
 * then the carrier rejects this host's client certificate (unknown_ca read by SSL_read). */
static void test_client_cert_rejected_after_bye_written(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	idle_close_then_bye(&h);
	h_tls(&h, 300.031, 2, true, true, NULL, NULL);
	h_sip(&h, 300.032, 2, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-sbc-bye1", true});
	h_tls_failed_after(&h, 300.034, 2, true, "tlsv1 alert unknown ca", NULL);
	h_tls(&h, 300.035, 2, true, true, NULL, NULL); /* an ok never undoes the failure */
	h_conn_end(&h, 300.036, 2, DIR_OUT, SIDE_PEER, CLOSE_FIN, 0, NULL);
	pbx_bye_answer(&h, 304.1, 408);
	assert_true(harness_has(&h, DIAG_BYE_FAILED));
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_CLIENT_CERT);
	assert_int_equal(harness_cause(&h, DIAG_TLS_CLIENT_CERT), DIAG_IDLE_CLOSE_REVERSE);
	assert_false(harness_has(&h, DIAG_SILENT_DROP));
	assert_false(harness_has(&h, DIAG_CONNECT_FAILED));
}

/* A later failed handshake event on a connection overrides the earlier ok, so the chain rules
 * apply: a leaf-only chain the client could not verify. */
static void test_failure_after_ok_overrides(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	idle_close_then_bye(&h);
	h_chain(&h, 300.03, 2, SIDE_PEER, CHAIN_UNKNOWN, 1, "c0ffee", NULL);
	h_tls(&h, 300.031, 2, true, true, NULL, NULL);
	h_sip(&h, 300.032, 2, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-sbc-bye1", true});
	h_tls_failed_after(&h, 300.034, 2, true, "certificate verify failed",
			   "unable to get local issuer certificate");
	failed_handshake_then_477(&h);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_INCOMPLETE_CHAIN);
	assert_int_equal(harness_cause(&h, DIAG_TLS_INCOMPLETE_CHAIN), DIAG_IDLE_CLOSE_REVERSE);
}

static void test_reverse_connection_ok_is_healthy(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	idle_close_then_bye(&h);
	h_chain(&h, 300.03, 2, SIDE_PEER, CHAIN_OK, 2, "c0ffee", NULL);
	h_tls(&h, 300.031, 2, true, true, NULL, NULL);
	h_sip(&h, 300.032, 2, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-sbc-bye1", true});
	h_sip(&h, 300.08, 2, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 2, "z9hG4bK-sbc-bye1", true});
	pbx_bye_answer(&h, 300.081, 200);
	assert_false(harness_any_failure(&h));
	/* the forecast: idle close (120 s) shorter than the call; the reverse one worked */
	assert_true(harness_has(&h, DIAG_RISK_IDLE_TIMEOUT));
}

static void test_bye_on_reused_connection_is_healthy(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	pbx_bye(&h, 60.0);
	h_sip(&h, 60.001, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-sbc-bye1", true});
	h_sip(&h, 60.05, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 2, "z9hG4bK-sbc-bye1", true});
	pbx_bye_answer(&h, 60.051, 200);
	assert_int_equal(harness_verdict(&h, H_CALL_ID)->n_diags, 0);
}

static void test_udp_only_call_is_healthy(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_sip(&h, 0.0, 0, DIR_IN, H_PBX, &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-u1", false});
	h_sip(&h, 1.0, 0, DIR_OUT, H_PBX, &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-u1", true});
	h_sip(&h, 1.1, 0, DIR_IN, H_PBX, &(struct h_msg){"ACK", 0, 1, "z9hG4bK-u2", true});
	h_sip(&h, 90.0, 0, DIR_OUT, H_PBX, &(struct h_msg){"BYE", 0, 2, "z9hG4bK-u3", true});
	h_sip(&h, 90.1, 0, DIR_IN, H_PBX, &(struct h_msg){"BYE", 200, 2, "z9hG4bK-u3", true});
	assert_int_equal(harness_verdict(&h, H_CALL_ID)->n_diags, 0);
}

/* A failed handshake on the reverse connection, classified by what the sources saw. */
struct tls_case {
	enum chain_verdict verdict;
	unsigned n_certs;
	const char *alert, *error, *verify;
	enum diag_id expect;
};

static void run_tls_case(const struct tls_case *c)
{
	struct harness h;
	harness_init(&h);
	idle_close_then_bye(&h);
	h_chain(&h, 300.03, 2, SIDE_PEER, c->verdict, c->n_certs, "c0ffee", NULL);
	if (c->alert)
		h_alert(&h, 300.031, 2, SIDE_PEER, c->alert);
	h_tls(&h, 300.031, 2, true, false, c->error, c->verify);
	failed_handshake_then_477(&h);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), c->expect);
	assert_true(harness_has(&h, c->expect));
	assert_int_equal(harness_cause(&h, c->expect), DIAG_IDLE_CLOSE_REVERSE);
}

static void test_tls_untrusted(void **state)
{
	(void)state;
	run_tls_case(&(struct tls_case){CHAIN_UNTRUSTED, 2, NULL, "certificate verify failed",
					"self-signed certificate in certificate chain",
					DIAG_TLS_UNTRUSTED});
}

static void test_tls_name_mismatch(void **state)
{
	(void)state;
	run_tls_case(&(struct tls_case){CHAIN_UNKNOWN, 2, NULL, "certificate verify failed",
					"IP address mismatch", DIAG_TLS_NAME_MISMATCH});
}

static void test_tls_version_mismatch(void **state)
{
	(void)state;
	run_tls_case(&(struct tls_case){CHAIN_UNKNOWN, 0, "protocol_version",
					"unsupported protocol", NULL, DIAG_TLS_VERSION_MISMATCH});
}

static void test_tls_client_cert(void **state)
{
	(void)state;
	run_tls_case(&(struct tls_case){CHAIN_OK, 2, "certificate_required",
					"tlsv13 alert certificate required", NULL,
					DIAG_TLS_CLIENT_CERT});
}

static void test_tls_leaf_changed(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	/* an earlier good handshake with the carrier's leaf "aaaa" */
	h_conn_open(&h, -50.0, 9, DIR_OUT);
	h_chain(&h, -49.99, 9, SIDE_PEER, CHAIN_OK, 2, "aaaa", NULL);
	h_tls(&h, -49.98, 9, true, true, NULL, NULL);
	h_conn_end(&h, -40.0, 9, DIR_OUT, SIDE_PEER, CLOSE_FIN, 10.0, NULL);
	idle_close_then_bye(&h);
	h_chain(&h, 300.03, 2, SIDE_PEER, CHAIN_UNTRUSTED, 2, "bbbb", NULL);
	h_tls(&h, 300.031, 2, true, false, "certificate verify failed",
	      "unable to get local issuer certificate");
	failed_handshake_then_477(&h);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_LEAF_CHANGED);
	assert_false(harness_has(&h, DIAG_TLS_UNTRUSTED));
}

static void test_same_leaf_untrusted_is_not_leaf_changed(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_conn_open(&h, -50.0, 9, DIR_OUT);
	h_chain(&h, -49.99, 9, SIDE_PEER, CHAIN_OK, 2, "aaaa", NULL);
	h_tls(&h, -49.98, 9, true, true, NULL, NULL);
	idle_close_then_bye(&h);
	h_chain(&h, 300.03, 2, SIDE_PEER, CHAIN_UNTRUSTED, 2, "aaaa", NULL);
	h_tls(&h, 300.031, 2, true, false, "certificate verify failed", "certificate revoked");
	failed_handshake_then_477(&h);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_UNTRUSTED);
}

static void test_connect_failed(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	idle_close_then_bye(&h);
	h_conn_end(&h, 303.0, 2, DIR_OUT, SIDE_UNKNOWN, CLOSE_TIMEOUT, 0, "ETIMEDOUT");
	pbx_bye_answer(&h, 303.001, 408);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_CONNECT_FAILED);
	assert_int_equal(harness_cause(&h, DIAG_CONNECT_FAILED), DIAG_IDLE_CLOSE_REVERSE);
}

/* the same connect failure without an idle close before it: no IDLE_CLOSE_REVERSE */
static void test_connect_failed_without_idle_close(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	h_conn_end(&h, 200.0, 1, DIR_IN, SIDE_PEER, CLOSE_RST_IN, 1.0, NULL);
	pbx_bye(&h, 300.0);
	h_conn_open(&h, 300.001, 2, DIR_OUT);
	h_conn_end(&h, 300.002, 2, DIR_OUT, SIDE_UNKNOWN, CLOSE_REFUSED, 0, "ECONNREFUSED");
	pbx_bye_answer(&h, 300.003, 477);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_CONNECT_FAILED);
	assert_false(harness_has(&h, DIAG_IDLE_CLOSE_REVERSE));
}

static void carrier_bye_written(struct harness *h, double t)
{
	pbx_bye(h, t);
	h_sip(h, t + 0.001, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-sbc-bye1", true});
}

static void test_stale_connection(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	carrier_bye_written(&h, 200.0);
	h_conn_end(&h, 200.01, 1, DIR_IN, SIDE_PEER, CLOSE_RST_IN, 190.0, NULL);
	pbx_bye_answer(&h, 200.011, 477);
	h_conn_open(&h, 240.0, 7, DIR_IN); /* time moves past Timer F */
	assert_true(harness_has(&h, DIAG_BYE_FAILED));
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_STALE_CONNECTION);
}

static void test_silent_drop(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	carrier_bye_written(&h, 200.0);
	h_conn_open(&h, 240.0, 7, DIR_IN); /* nothing came back on conn 1 for 40 s */
	assert_true(harness_has(&h, DIAG_BYE_FAILED));
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_SILENT_DROP);
}

static void test_bye_answered_before_timer_f_is_healthy(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	carrier_bye_written(&h, 200.0);
	h_sip(&h, 231.0, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 2, "z9hG4bK-sbc-bye1", true});
	pbx_bye_answer(&h, 231.001, 200);
	assert_false(harness_any_failure(&h));
}

/* --t1-ms: with T1 = 100 ms, Timer F is 6.4 s */
static void test_t1_override(void **state)
{
	struct correlator_config config;
	struct harness h;
	(void)state;
	correlator_config_default(&config);
	config.t1_ns = 100000000ull;
	harness_init_config(&h, &config);
	h_setup_call(&h, NULL, NULL);
	carrier_bye_written(&h, 200.0);
	h_conn_open(&h, 207.0, 7, DIR_IN);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_SILENT_DROP);

	harness_init(&h); /* default T1: 7 s is not yet a timeout */
	h_setup_call(&h, NULL, NULL);
	carrier_bye_written(&h, 200.0);
	h_conn_open(&h, 207.0, 7, DIR_IN);
	assert_false(harness_has(&h, DIAG_BYE_FAILED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bye_failed_incomplete_chain),
	    cmocka_unit_test(test_bye_failed_causes_kept_past_conn_linger),
	    cmocka_unit_test(test_incomplete_chain_from_verify_error),
	    cmocka_unit_test(test_client_cert_rejected_after_bye_written),
	    cmocka_unit_test(test_failure_after_ok_overrides),
	    cmocka_unit_test(test_idle_close_known_from_conn_close_alone),
	    cmocka_unit_test(test_reverse_connection_ok_is_healthy),
	    cmocka_unit_test(test_bye_on_reused_connection_is_healthy),
	    cmocka_unit_test(test_udp_only_call_is_healthy),
	    cmocka_unit_test(test_tls_untrusted),
	    cmocka_unit_test(test_tls_name_mismatch),
	    cmocka_unit_test(test_tls_version_mismatch),
	    cmocka_unit_test(test_tls_client_cert),
	    cmocka_unit_test(test_tls_leaf_changed),
	    cmocka_unit_test(test_same_leaf_untrusted_is_not_leaf_changed),
	    cmocka_unit_test(test_connect_failed),
	    cmocka_unit_test(test_connect_failed_without_idle_close),
	    cmocka_unit_test(test_stale_connection),
	    cmocka_unit_test(test_silent_drop),
	    cmocka_unit_test(test_bye_answered_before_timer_f_is_healthy),
	    cmocka_unit_test(test_t1_override),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
