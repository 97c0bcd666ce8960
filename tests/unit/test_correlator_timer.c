/* RFC 4028 session timers: the math, uac/uas mapped to our side, hand-over, 422/Min-SE, and
 * the refresh outcomes through the correlator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../lib/corr_harness.h"
#include "session_timer.h"

#define S 1000000000ull

static void test_due_and_expiry(void **state)
{
	(void)state;
	/* §10: due at SE/2; expiry SE - min(32, SE/3) */
	assert_int_equal(session_timer_refresh_due_ns(0, 1800), 900 * S);
	assert_int_equal(session_timer_expiry_ns(0, 1800), 1768 * S);
	assert_int_equal(session_timer_refresh_due_ns(10 * S, 90), 55 * S);
	assert_int_equal(session_timer_expiry_ns(10 * S, 90), 70 * S); /* 90 - 30 */
	assert_int_equal(session_timer_expiry_ns(0, 96), 64 * S);      /* 96 - 32 */
	assert_int_equal(session_timer_expiry_ns(0, 97), 65 * S);      /* cap at 32 */
}

static void test_refresher_mapping(void **state)
{
	(void)state;
	/* we sent the request: we are its UAC */
	assert_int_equal(session_timer_refresher_side(DIR_OUT, SIP_REFRESHER_UAC), SIDE_LOCAL);
	assert_int_equal(session_timer_refresher_side(DIR_OUT, SIP_REFRESHER_UAS), SIDE_PEER);
	assert_int_equal(session_timer_refresher_side(DIR_IN, SIP_REFRESHER_UAC), SIDE_PEER);
	assert_int_equal(session_timer_refresher_side(DIR_IN, SIP_REFRESHER_UAS), SIDE_LOCAL);
	assert_int_equal(session_timer_refresher_side(DIR_IN, SIP_REFRESHER_NONE), SIDE_UNKNOWN);
}

static void test_handover_and_flip(void **state)
{
	struct session_timer st = {0};
	(void)state;
	/* the peer's INVITE, refresher=uac: the peer refreshes */
	session_timer_on_2xx(&st, 0, DIR_IN, true, 1800, SIP_REFRESHER_UAC, false, 1);
	assert_int_equal(st.refresher, SIDE_PEER);
	/* our re-INVITE with refresher=uac: we took the role over by refreshing */
	session_timer_on_2xx(&st, 800 * S, DIR_OUT, true, 1800, SIP_REFRESHER_UAC, true, 2);
	assert_int_equal(st.refresher, SIDE_LOCAL);
	assert_int_equal(st.handovers, 1);
	assert_int_equal(st.flips, 0);
	assert_int_equal(st.refreshes, 1);
	assert_int_equal(st.last_refresh_by, SIDE_LOCAL);
	assert_int_equal(st.interval_start_ns, 800 * S);
	/* the peer refreshes but the 2xx names us (uas) as refresher: hand-over to us is no
	 * flip; a refresh by us that gives the role to the peer is */
	session_timer_on_2xx(&st, 1600 * S, DIR_OUT, true, 1800, SIP_REFRESHER_UAS, true, 2);
	assert_int_equal(st.refresher, SIDE_PEER);
	assert_int_equal(st.flips, 1);
	/* a 2xx without Session-Expires ends the timer (§7.2) */
	session_timer_on_2xx(&st, 2000 * S, DIR_OUT, false, 0, SIP_REFRESHER_NONE, true, 2);
	assert_false(st.active);
}

static void test_missing_refresher_counts_and_defaults_to_uac(void **state)
{
	struct session_timer st = {0};
	(void)state;
	session_timer_on_2xx(&st, 0, DIR_IN, true, 600, SIP_REFRESHER_NONE, false, 1);
	assert_int_equal(st.no_refresher, 1);
	assert_int_equal(st.refresher, SIDE_PEER);
}

static void test_check_outcomes(void **state)
{
	struct session_timer st = {0};
	struct refresh_failure f = {.ts_ns = 50 * S, .cseq = 3, .status = 503};
	(void)state;
	session_timer_on_2xx(&st, 0, DIR_IN, true, 90, SIP_REFRESHER_UAC, false, 1);
	session_timer_check(&st, 59 * S, false);
	assert_true(st.active);
	session_timer_check(&st, 60 * S, false);
	assert_false(st.active);
	assert_int_equal(st.problem, REFRESH_NEVER_SENT);
	assert_int_equal(st.expired_ns, 60 * S);

	st = (struct session_timer){0};
	session_timer_on_2xx(&st, 0, DIR_IN, true, 90, SIP_REFRESHER_UAC, false, 1);
	session_timer_check(&st, 61 * S, true);
	assert_int_equal(st.problem, REFRESH_CONN_FAILED);

	st = (struct session_timer){0};
	session_timer_on_2xx(&st, 0, DIR_IN, true, 90, SIP_REFRESHER_UAC, false, 1);
	session_timer_on_refresh_sent(&st);
	session_timer_on_refresh_failed(&st, &f);
	session_timer_check(&st, 61 * S, false);
	assert_int_equal(st.problem, REFRESH_SENT_FAILED);
	assert_int_equal(st.problem_failure.status, 503);
}

static void test_422_raises_min_se(void **state)
{
	struct session_timer st = {0};
	(void)state;
	session_timer_on_422(&st, 90);
	session_timer_on_422(&st, 60);
	assert_int_equal(st.responses_422, 2);
	assert_int_equal(st.min_se_s, 90);
}

#define SE90_UAC_REQ  "Supported: timer\r\nSession-Expires: 90;refresher=uac\r\n"
#define SE90_UAC_RESP "Require: timer\r\nSession-Expires: 90;refresher=uac\r\n"

static void carrier_reinvite(struct harness *h, double t, unsigned cseq, int pbx_status)
{
	char branch_in[32], branch_out[32];
	snprintf(branch_in, sizeof(branch_in), "z9hG4bK-car-re%u", cseq);
	snprintf(branch_out, sizeof(branch_out), "z9hG4bK-sbc-re%u", cseq);
	h_sip(h, t, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, cseq, branch_in, true, SE90_UAC_REQ});
	h_sip(h, t + 0.001, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"INVITE", 0, cseq, branch_out, true, SE90_UAC_REQ});
	h_sip(h, t + 0.05, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"INVITE", pbx_status, cseq, branch_out, true,
			      pbx_status < 300 ? SE90_UAC_RESP : NULL});
	h_sip(h, t + 0.051, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", pbx_status, cseq, branch_in, true,
			      pbx_status < 300 ? SE90_UAC_RESP : NULL});
}

static void carrier_bye(struct harness *h, double t, unsigned cseq)
{
	h_sip(h, t, 1, DIR_IN, H_CARRIER, &(struct h_msg){"BYE", 0, cseq, "z9hG4bK-car-bye", true});
	h_sip(h, t + 0.01, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 200, cseq, "z9hG4bK-car-bye", true});
}

static void test_refreshed_on_time_is_healthy(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, SE90_UAC_REQ, SE90_UAC_RESP);
	carrier_reinvite(&h, 48.0, 2, 200);
	carrier_reinvite(&h, 93.0, 3, 200);
	carrier_bye(&h, 120.0, 4);
	assert_int_equal(harness_verdict(&h, H_CALL_ID)->n_diags, 0);
}

static void test_refresh_missed_then_expired(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, SE90_UAC_REQ, SE90_UAC_RESP);
	carrier_bye(&h, 63.5, 2); /* expiry at 3 + 60 s */
	assert_true(harness_has(&h, DIAG_REFRESH_MISSED));
	assert_int_equal(harness_cause(&h, DIAG_SESSION_EXPIRED), DIAG_REFRESH_MISSED);
}

static void test_bye_before_expiry_is_not_expired(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, SE90_UAC_REQ, SE90_UAC_RESP);
	carrier_bye(&h, 50.0, 2); /* after due (48 s) but before the deadline */
	assert_false(harness_has(&h, DIAG_REFRESH_MISSED));
	assert_false(harness_has(&h, DIAG_SESSION_EXPIRED));
}

static void test_refresh_failed_error_response(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, SE90_UAC_REQ, SE90_UAC_RESP);
	carrier_reinvite(&h, 48.0, 2, 500);
	carrier_bye(&h, 64.0, 3);
	assert_true(harness_has(&h, DIAG_REFRESH_FAILED));
	assert_false(harness_has(&h, DIAG_REFRESH_MISSED));
	assert_int_equal(harness_cause(&h, DIAG_SESSION_EXPIRED), DIAG_REFRESH_FAILED);
}

/* 422 then a retry with the peer's Min-SE: set-up succeeds, the timer runs on the retry's
 * interval (RFC 4028 §6) */
static void test_422_retry(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_conn_open(&h, 0.0, 1, DIR_IN);
	h_sip(&h, 0.01, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-a", false,
			      "Supported: timer\r\nSession-Expires: 60\r\n"});
	h_sip(&h, 0.02, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 422, 1, "z9hG4bK-a", true, "Min-SE: 90\r\n"});
	h_sip(&h, 0.05, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 2, "z9hG4bK-b", false,
			      "Supported: timer\r\nSession-Expires: 90\r\nMin-SE: 90\r\n"});
	h_sip(&h, 1.0, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 2, "z9hG4bK-b", true, SE90_UAC_RESP});
	carrier_bye(&h, 50.0, 3);
	assert_false(harness_any_failure(&h)); /* the 422 is not a failure, call not ended */

	harness_init(&h); /* same, but no refresh: the deadline follows the retry's 2xx */
	h_conn_open(&h, 0.0, 1, DIR_IN);
	h_sip(&h, 0.01, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-a", false, "Session-Expires: 60\r\n"});
	h_sip(&h, 0.02, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 422, 1, "z9hG4bK-a", true, "Min-SE: 90\r\n"});
	h_sip(&h, 0.05, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 2, "z9hG4bK-b", false, "Session-Expires: 90\r\n"});
	h_sip(&h, 1.0, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 2, "z9hG4bK-b", true, SE90_UAC_RESP});
	carrier_bye(&h, 61.5, 3); /* deadline 1 + 60 */
	assert_true(harness_has(&h, DIAG_SESSION_EXPIRED));
}

static void test_refresher_conflict(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, "Supported: timer\r\nSession-Expires: 1800\r\n",
		     "Require: timer\r\nSession-Expires: 1800\r\n");
	carrier_bye(&h, 100.0, 2);
	assert_true(harness_has(&h, DIAG_REFRESHER_CONFLICT));
	assert_false(harness_any_failure(&h));
}

/* bounded tables: the oldest call is retired when full; ended connections age out */
static void test_tables_bounded(void **state)
{
	struct correlator_config config;
	struct harness h;
	(void)state;
	correlator_config_default(&config);
	config.max_calls = 1;
	config.max_conns = 2;
	harness_init_config(&h, &config);
	h_setup_call(&h, NULL, NULL);
	h_sip(&h, 5.0, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"OPTIONS", 0, 1, "z9hG4bK-o", false, NULL, "other"});
	h_conn_open(&h, 6.0, 3, DIR_IN);
	h_conn_open(&h, 7.0, 4, DIR_IN);
	assert_int_equal(h.corr.calls.count, 1);
	assert_int_equal(h.corr.calls.evicted, 1);
	assert_int_equal(h.n_verdicts, 1); /* the evicted call was explained */
	assert_int_equal(h.corr.conns.count, 2);
	assert_int_equal(h.corr.conns.evicted, 1);
	harness_finish(&h);

	correlator_config_default(&config);
	config.conn_linger_ns = 10 * S;
	harness_init_config(&h, &config);
	h_conn_open(&h, 0.0, 1, DIR_IN);
	h_conn_end(&h, 1.0, 1, DIR_IN, SIDE_PEER, CLOSE_FIN, 0.5, NULL);
	h_conn_open(&h, 5.0, 2, DIR_IN);
	assert_int_equal(h.corr.conns.count, 2);
	h_conn_open(&h, 12.0, 3, DIR_IN);
	assert_null(conn_table_find(&h.corr.conns, 1));	    /* ended 11 s ago */
	assert_non_null(conn_table_find(&h.corr.conns, 2)); /* still open */
	harness_finish(&h);
}

/* By default an ended connection no call holds is dropped 5 min after its end (its events
 * are all in by then); one a call used stays while the call does. */
static void test_ended_conn_kept_five_minutes(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	h_conn_open(&h, 0.0, 1, DIR_IN);
	h_conn_end(&h, 1.0, 1, DIR_IN, SIDE_PEER, CLOSE_FIN, 0.5, NULL);
	h_conn_open(&h, 290.0, 2, DIR_IN);
	assert_non_null(conn_table_find(&h.corr.conns, 1));
	h_conn_open(&h, 302.0, 3, DIR_IN);
	assert_null(conn_table_find(&h.corr.conns, 1));
	harness_finish(&h);
}

static void test_ended_call_retired_after_linger(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	carrier_bye(&h, 10.0, 2);
	h_conn_open(&h, 30.0, 5, DIR_IN);
	assert_int_equal(h.n_verdicts, 0);
	h_conn_open(&h, 43.0, 6, DIR_IN); /* 32 s after the end */
	assert_int_equal(h.n_verdicts, 1);
	harness_finish(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_due_and_expiry),
	    cmocka_unit_test(test_refresher_mapping),
	    cmocka_unit_test(test_handover_and_flip),
	    cmocka_unit_test(test_missing_refresher_counts_and_defaults_to_uac),
	    cmocka_unit_test(test_check_outcomes),
	    cmocka_unit_test(test_422_raises_min_se),
	    cmocka_unit_test(test_refreshed_on_time_is_healthy),
	    cmocka_unit_test(test_refresh_missed_then_expired),
	    cmocka_unit_test(test_bye_before_expiry_is_not_expired),
	    cmocka_unit_test(test_refresh_failed_error_response),
	    cmocka_unit_test(test_422_retry),
	    cmocka_unit_test(test_refresher_conflict),
	    cmocka_unit_test(test_tables_bounded),
	    cmocka_unit_test(test_ended_conn_kept_five_minutes),
	    cmocka_unit_test(test_ended_call_retired_after_linger),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
