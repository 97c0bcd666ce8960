/*
 * What the SBC can say when the peer's in-dialog request never reaches it (the peer's new
 * connection fails), when the trace ends before a failed request times out, and a refresh
 * lost across a proxy: patterns seen in the lab (tools/lab/cases b-*, c-no-reuse-new-conn,
 * d-timer-refresh-lost), with their healthy twins.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../lib/corr_harness.h"

/* RFC 4028 timer with the carrier (the INVITE's UAS) as refresher: refresh due at 3 + 45 s,
 * expiry at 3 + 90 - 30 = 63 s. SE_90_UAC: the same on a carrier-initiated call. */
#define SE_90_REQ      "Supported: timer\r\nSession-Expires: 90;refresher=uas\r\n"
#define SE_90_RESP     "Require: timer\r\nSession-Expires: 90;refresher=uas\r\n"
#define SE_90_UAC_REQ  "Supported: timer\r\nSession-Expires: 90;refresher=uac\r\n"
#define SE_90_UAC_RESP "Require: timer\r\nSession-Expires: 90;refresher=uac\r\n"

static void peer_conn_rejected(struct harness *h, double t);

/* The PBX calls out: this host opens conn 1 to the carrier, the call is up at 3 s.
 * EARLY_FAILURE: the carrier's conn 3 fails at 1 s, before the call is up. */
static void outbound_call_with(struct harness *h, const char *se_req, const char *se_resp,
			       bool early_failure)
{
	h_sip(h, 0.0, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-pbx-inv1", false, se_req});
	h_conn_open(h, 0.002, 1, DIR_OUT);
	h_tls(h, 0.006, 1, true, true, NULL, NULL);
	h_sip(h, 0.010, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-sbc-inv1", false, se_req});
	if (early_failure)
		peer_conn_rejected(h, 1.0);
	h_sip(h, 3.000, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-sbc-inv1", true, se_resp});
	h_sip(h, 3.001, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-pbx-inv1", true, se_resp});
	h_sip(h, 3.040, 0, DIR_IN, H_PBX, &(struct h_msg){"ACK", 0, 1, "z9hG4bK-pbx-ack1", true});
	h_sip(h, 3.041, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"ACK", 0, 1, "z9hG4bK-sbc-ack1", true});
}

static void outbound_call(struct harness *h, const char *se_req, const char *se_resp)
{
	outbound_call_with(h, se_req, se_resp, false);
}

/* The call on conn 1 opened by this host, which this host closes idle at 40 s (lab b-*). */
static void call_then_idle_close(struct harness *h, const char *se_req, const char *se_resp)
{
	outbound_call(h, se_req, se_resp);
	h_conn_end(h, 40.0, 1, DIR_OUT, SIDE_LOCAL, CLOSE_FIN, 36.9, NULL);
}

/* The carrier opens conn 3 to this host at T and rejects this host's chain (TLS 1.3: its
 * plaintext unknown_ca alert; this host's SSL_accept fails). */
static void peer_conn_rejected(struct harness *h, double t)
{
	h_conn_open(h, t, 3, DIR_IN);
	h_alert(h, t + 0.013, 3, SIDE_PEER, "unknown_ca");
	h_tls(h, t + 0.014, 3, false, false, "tlsv1 alert unknown ca", NULL);
	h_conn_end(h, t + 0.02, 3, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 0.004, NULL);
}

/* Another call's message, only to move time on. */
static void other_call(struct harness *h, double t, unsigned cseq)
{
	h_sip(h, t, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"OPTIONS", 0, cseq, "z9hG4bK-other", false, NULL, "other@pbx"});
}

static void test_peer_bye_lost(void **state)
{
	struct harness h;
	const struct call_verdict *v;
	const struct diagnosis *d;
	(void)state;
	harness_init(&h);
	call_then_idle_close(&h, NULL, NULL);
	peer_conn_rejected(&h, 60.0);
	other_call(&h, 66.0, 1); /* the trace ends 6 s later, as in the lab */
	v = harness_verdict(&h, H_CALL_ID);
	d = verdict_find(v, DIAG_BYE_FAILED);
	assert_non_null(d);
	assert_non_null(strstr(d->summary, "most likely its BYE"));
	assert_non_null(strstr(d->summary, "inferred"));
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_UNTRUSTED);
	assert_int_equal(harness_cause(&h, DIAG_TLS_UNTRUSTED), DIAG_IDLE_CLOSE_REVERSE);
	assert_non_null(strstr(d->evidence[d->n_evidence - 1].text, "until the trace ended"));
	assert_false(harness_has(&h, DIAG_REFRESH_FAILED));
}

/* Two calls up with the carrier when its connection fails: the peer's connections serve all
 * its calls, so each call gets the inference and the evidence says it is shared. */
static void test_peer_failure_shared_by_calls(void **state)
{
	struct harness h;
	const struct diagnosis *d;
	bool shared = false;
	(void)state;
	harness_init(&h);
	outbound_call(&h, NULL, NULL);
	h_sip(&h, 5.0, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-two-inv", false, NULL, "two@pbx"});
	h_sip(&h, 5.1, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-two-inv", true, NULL, "two@pbx"});
	h_sip(&h, 5.2, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"ACK", 0, 1, "z9hG4bK-two-ack", true, NULL, "two@pbx"});
	h_conn_end(&h, 40.0, 1, DIR_OUT, SIDE_LOCAL, CLOSE_FIN, 34.8, NULL);
	peer_conn_rejected(&h, 60.0);
	d = verdict_find(harness_verdict(&h, H_CALL_ID), DIAG_BYE_FAILED);
	assert_non_null(d);
	for (unsigned i = 0; i < d->n_evidence; i++)
		shared |= strstr(d->evidence[i].text, "2 calls with this peer were up") != NULL;
	assert_true(shared);
	assert_non_null(verdict_find(harness_verdict(&h, "two@pbx"), DIAG_BYE_FAILED));
}

/* Without an idle close (the peer does not reuse the connection it has): the same symptom,
 * no IDLE_CLOSE_REVERSE (lab c-no-reuse-new-conn). */
static void test_peer_bye_lost_without_idle_close(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	outbound_call(&h, NULL, NULL);
	peer_conn_rejected(&h, 6.0);
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_UNTRUSTED);
	assert_int_equal(harness_cause(&h, DIAG_TLS_UNTRUSTED), DIAG_COUNT);
	assert_false(harness_has(&h, DIAG_IDLE_CLOSE_REVERSE));
}

/* Twin: the peer's first connection failed, its retry worked and carried the BYE. */
static void test_peer_retry_carries_bye_is_healthy(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	call_then_idle_close(&h, NULL, NULL);
	peer_conn_rejected(&h, 60.0);
	h_conn_open(&h, 61.0, 4, DIR_IN);
	h_tls(&h, 61.01, 4, false, true, NULL, NULL);
	h_sip(&h, 61.02, 4, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-car-bye1", true});
	h_sip(&h, 61.03, 4, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 2, "z9hG4bK-car-bye1", true});
	assert_false(harness_any_failure(&h));
}

/* Twin: a failed connection from the peer before the call was set up is not this call's. */
static void test_peer_failure_before_setup_is_not_the_calls(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	outbound_call_with(&h, NULL, NULL, true);
	other_call(&h, 10.0, 1);
	assert_false(harness_any_failure(&h));
}

/* The peer, refresher, opens a connection for its refresh at the due time and it fails; the
 * trace ends before the expiry deadline (lab d-timer-refresh-lost when the run is short). */
static void test_peer_refresh_lost_before_expiry(void **state)
{
	struct harness h;
	const struct diagnosis *d;
	(void)state;
	harness_init(&h);
	call_then_idle_close(&h, SE_90_REQ, SE_90_RESP);
	peer_conn_rejected(&h, 48.0);
	other_call(&h, 50.0, 1);
	d = verdict_find(harness_verdict(&h, H_CALL_ID), DIAG_REFRESH_FAILED);
	assert_non_null(d);
	assert_non_null(strstr(d->summary, "(the refresher) could not reach this host"));
	assert_int_equal(harness_cause(&h, DIAG_REFRESH_FAILED), DIAG_TLS_UNTRUSTED);
	assert_int_equal(harness_cause(&h, DIAG_TLS_UNTRUSTED), DIAG_IDLE_CLOSE_REVERSE);
	assert_false(harness_has(&h, DIAG_BYE_FAILED));
}

/* The same past the expiry deadline: the session timer's own REFRESH_FAILED, once; the PBX
 * leg, whose refresh never came because it was lost on the carrier leg, is not also
 * REFRESH_MISSED; no BYE_FAILED is inferred for the refresh's connection. */
static void test_peer_refresh_lost_past_expiry(void **state)
{
	struct harness h;
	const struct diagnosis *d;
	(void)state;
	harness_init(&h);
	call_then_idle_close(&h, SE_90_REQ, SE_90_RESP);
	peer_conn_rejected(&h, 48.0);
	other_call(&h, 70.0, 1);
	d = verdict_find(harness_verdict(&h, H_CALL_ID), DIAG_REFRESH_FAILED);
	assert_non_null(d);
	assert_non_null(strstr(d->summary, "connection for the refresh could not be made"));
	assert_int_equal(harness_cause(&h, DIAG_REFRESH_FAILED), DIAG_TLS_UNTRUSTED);
	assert_false(harness_has(&h, DIAG_REFRESH_MISSED));
	assert_false(harness_has(&h, DIAG_BYE_FAILED));
}

/* Twin: nothing failed and both legs' refreshes were missed: REFRESH_MISSED stays. */
static void test_refresh_missed_on_both_legs_stays(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, SE_90_UAC_REQ, SE_90_UAC_RESP);
	other_call(&h, 70.0, 1);
	assert_true(harness_has(&h, DIAG_REFRESH_MISSED));
	assert_false(harness_has(&h, DIAG_REFRESH_FAILED));
}

/* This host's BYE is written into a reverse connection whose TLS then fails, and the trace
 * ends before Timer F and before the PBX hears back: still a failed BYE. */
static void test_pending_bye_at_trace_end(void **state)
{
	struct harness h;
	const struct diagnosis *d;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	h_conn_end(&h, 40.0, 1, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 36.9, NULL);
	h_sip(&h, 60.0, 0, DIR_IN, H_PBX, &(struct h_msg){"BYE", 0, 2, "z9hG4bK-pbx-bye1", true});
	h_conn_open(&h, 60.001, 2, DIR_OUT);
	h_tls(&h, 60.03, 2, true, true, NULL, NULL);
	h_sip(&h, 60.031, 2, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-sbc-bye1", true});
	h_tls_failed_after(&h, 60.04, 2, true, "tlsv1 alert unknown ca", NULL);
	other_call(&h, 62.0, 1);
	d = verdict_find(harness_verdict(&h, H_CALL_ID), DIAG_BYE_FAILED);
	assert_non_null(d);
	assert_non_null(strstr(d->summary, "got no final response"));
	assert_int_equal(harness_cause(&h, DIAG_BYE_FAILED), DIAG_TLS_CLIENT_CERT);
	assert_int_equal(harness_cause(&h, DIAG_TLS_CLIENT_CERT), DIAG_IDLE_CLOSE_REVERSE);
}

/* Twin: the BYE is still unanswered when the trace ends, but its connection is fine: no
 * verdict on what the trace did not see. */
static void test_pending_bye_on_good_conn_is_not_judged(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	h_sip(&h, 60.0, 0, DIR_IN, H_PBX, &(struct h_msg){"BYE", 0, 2, "z9hG4bK-pbx-bye1", true});
	h_sip(&h, 60.001, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-sbc-bye1", true});
	other_call(&h, 61.0, 1);
	assert_false(harness_any_failure(&h));
}

struct watched {
	struct call_verdict verdict;
	bool bye_failed;
};

static void on_change(const struct correlator *corr, struct call *call, void *ctx)
{
	struct watched *w = ctx;
	if (strcmp(call->call_id, H_CALL_ID))
		return;
	explain_call(corr, call, &w->verdict);
	w->bye_failed |= verdict_find(&w->verdict, DIAG_BYE_FAILED) != NULL;
}

/* Live, the inference waits until the peer's transaction has timed out (64*T1 = 32 s) with
 * nothing more of the call, and is then made without waiting for the call to be retired. */
static void test_live_inference_waits_64_t1(void **state)
{
	struct harness h;
	struct watched w = {0};
	(void)state;
	harness_init(&h);
	correlator_watch(&h.corr, on_change, &w);
	call_then_idle_close(&h, NULL, NULL);
	peer_conn_rejected(&h, 60.0);
	other_call(&h, 80.0, 1);
	assert_false(w.bye_failed);
	other_call(&h, 92.5, 2);
	assert_true(w.bye_failed);
	harness_finish(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_peer_bye_lost),
	    cmocka_unit_test(test_peer_failure_shared_by_calls),
	    cmocka_unit_test(test_peer_bye_lost_without_idle_close),
	    cmocka_unit_test(test_peer_retry_carries_bye_is_healthy),
	    cmocka_unit_test(test_peer_failure_before_setup_is_not_the_calls),
	    cmocka_unit_test(test_peer_refresh_lost_before_expiry),
	    cmocka_unit_test(test_peer_refresh_lost_past_expiry),
	    cmocka_unit_test(test_refresh_missed_on_both_legs_stays),
	    cmocka_unit_test(test_pending_bye_at_trace_end),
	    cmocka_unit_test(test_pending_bye_on_good_conn_is_not_judged),
	    cmocka_unit_test(test_live_inference_waits_64_t1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
