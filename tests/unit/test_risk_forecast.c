/* RISK_IDLE_TIMEOUT as a forecast: "calls longer than N on this trunk will (may) lose their
 * BYE", from the trunk's idle close, the call's session timer and what the reverse path has
 * shown (failed, never seen, worked). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "corr_harness.h"

#define SECOND_CALL_ID "second@198.51.100.20"
#define SE_90_REQ      "Supported: timer\r\nSession-Expires: 90;refresher=uac\r\n"
#define SE_90_RESP     "Require: timer\r\nSession-Expires: 90;refresher=uac\r\n"

/* The first call: conn 1 from the carrier closed idle by this host after 120 s; the PBX's BYE
 * needs conn 2 toward the carrier, whose handshake fails. */
static void first_call_reverse_fails(struct harness *h)
{
	h_setup_call(h, NULL, NULL);
	h_conn_end(h, 123.0, 1, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 120.0, NULL);
	h_sip(h, 300.0, 0, DIR_IN, H_PBX, &(struct h_msg){"BYE", 0, 2, "z9hG4bK-pbx-bye1", true});
	h_conn_open(h, 300.001, 2, DIR_OUT);
	h_tls(h, 300.031, 2, true, false, "certificate verify failed",
	      "unable to get local issuer certificate");
	h_conn_end(h, 300.032, 2, DIR_OUT, SIDE_LOCAL, CLOSE_FIN, 0, NULL);
	h_sip(h, 300.033, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"BYE", 477, 2, "z9hG4bK-pbx-bye1", true});
}

/* A short second call on conn CONN from the carrier, which hangs up after 10 s on it. */
static void second_call(struct harness *h, double t0, uint64_t conn, const char *se_req,
			const char *se_resp)
{
	h_conn_open(h, t0, conn, DIR_IN);
	h_tls(h, t0 + 0.004, conn, false, true, NULL, NULL);
	h_sip(h, t0 + 0.01, conn, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-2-inv", false, se_req, SECOND_CALL_ID});
	h_sip(h, t0 + 1, conn, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-2-inv", true, se_resp, SECOND_CALL_ID});
	h_sip(h, t0 + 1.04, conn, DIR_IN, H_CARRIER,
	      &(struct h_msg){"ACK", 0, 1, "z9hG4bK-2-ack", true, NULL, SECOND_CALL_ID});
	h_sip(h, t0 + 10, conn, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-2-bye", true, NULL, SECOND_CALL_ID});
	h_sip(h, t0 + 10.01, conn, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 2, "z9hG4bK-2-bye", true, NULL, SECOND_CALL_ID});
}

static const struct diagnosis *second_call_risk(struct harness *h)
{
	const struct call_verdict *v = harness_verdict(h, SECOND_CALL_ID);

	assert_non_null(v);
	return verdict_find(v, DIAG_RISK_IDLE_TIMEOUT);
}

/* The reverse path failed on the first call: the second, short and healthy, is told that
 * calls longer than the idle close will lose their BYE, with the failed connection. */
static void test_failed_reverse_path_forecast(void **state)
{
	const struct diagnosis *risk;
	struct harness h;

	(void)state;
	harness_init(&h);
	first_call_reverse_fails(&h);
	second_call(&h, 400.0, 3, NULL, NULL);
	assert_true(harness_has(&h, DIAG_BYE_FAILED)); /* the first call */
	risk = second_call_risk(&h);
	assert_non_null(risk);
	assert_non_null(strstr(risk->summary,
			       "calls longer than 120 s (2.0 min) on this trunk will "
			       "lose "
			       "their BYE: connections to 198.51.100.20 are closed "
			       "after 120 s idle, so the BYE needs a new connection "
			       "opened by this host, and the last such reverse "
			       "connection failed"));
	assert_int_equal(risk->n_evidence, 3);
	assert_non_null(
	    strstr(risk->evidence[2].text,
		   "1 reverse connection(s) failed before carrying SIP, the last conn 2"));
	assert_int_equal(risk->evidence[2].conn, 2);
	harness_finish(&h);
}

/* Refreshes every 45 s (Session-Expires 90) keep the connection busy: no forecast. */
static void test_refreshes_shorter_than_idle_close(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	first_call_reverse_fails(&h);
	second_call(&h, 400.0, 3, SE_90_REQ, SE_90_RESP);
	assert_null(second_call_risk(&h));
	harness_finish(&h);
}

/* An idle close shorter than the call and no reverse connection ever seen: "may". */
static void test_unproven_reverse_path(void **state)
{
	const struct diagnosis *risk;
	struct harness h;

	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	h_conn_end(&h, 123.0, 1, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 120.0, NULL);
	/* the carrier hangs up on a new connection of its own: not the reverse direction */
	h_conn_open(&h, 200.0, 2, DIR_IN);
	h_tls(&h, 200.004, 2, false, true, NULL, NULL);
	h_sip(&h, 200.01, 2, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-car-bye1", true});
	h_sip(&h, 200.02, 2, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 2, "z9hG4bK-car-bye1", true});
	assert_false(harness_any_failure(&h));
	risk = verdict_find(harness_verdict(&h, H_CALL_ID), DIAG_RISK_IDLE_TIMEOUT);
	assert_non_null(risk);
	assert_non_null(strstr(risk->summary, "calls longer than 120 s (2.0 min) on this trunk may "
					      "lose "
					      "their BYE"));
	assert_non_null(strstr(risk->summary, "no such reverse connection has been seen to work"));
	harness_finish(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_failed_reverse_path_forecast),
	    cmocka_unit_test(test_refreshes_shorter_than_idle_close),
	    cmocka_unit_test(test_unproven_reverse_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
