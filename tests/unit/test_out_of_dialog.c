/* Calls made only of out-of-dialog transactions (OPTIONS pings, REGISTER, MESSAGE, an INVITE
 * rejected or challenged before any dialog) are retired once their last transaction is over,
 * as ended calls are, and so are subscriptions' dialogs once a NOTIFY ends the subscription;
 * calls with a dialog, or perhaps in one, still end only by ending. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../lib/corr_harness.h"

#define PING_ID "ping-1@192.0.2.10"
#define REG_ID	"reg-1@192.0.2.10"

/* Moves the correlator's clock to T (seconds) with an event no table keeps. */
static void advance_to(struct harness *h, double t)
{
	struct event ev = {.kind = EV_LOST, .ts_ns = h_ts(t)};

	assert_int_equal(correlator_feed(&h->corr, &ev), 0);
}

static bool held(struct harness *h, const char *call_id)
{
	return call_table_find(&h->corr.calls, call_id) != NULL;
}

/* A request of this host to PEER over UDP, or its answer (STATUS > 0). */
static void sip_out(struct harness *h, double t, const char *peer, const char *method, int status,
		    unsigned cseq, const char *branch, const char *call_id)
{
	h_sip(h, t, 0, status ? DIR_IN : DIR_OUT, peer,
	      &(struct h_msg){method, status, cseq, branch, false, NULL, call_id});
}

/* A request of this host to PEER at T and its final response STATUS at T_FINAL. */
static void exchange(struct harness *h, double t, double t_final, const char *peer,
		     const char *method, int status, unsigned cseq, const char *branch,
		     const char *call_id)
{
	sip_out(h, t, peer, method, 0, cseq, branch, call_id);
	sip_out(h, t_final, peer, method, status, cseq, branch, call_id);
}

static unsigned watched;

static void count_watch(const struct correlator *corr, struct call *call, void *ctx)
{
	(void)corr;
	(void)call;
	(void)ctx;
	watched++;
}

/* Answered 200: done 64*T1 after the answer, retired then with nothing to say. */
static void test_options_answered_retired(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	exchange(&h, 10.0, 10.05, H_PBX, "OPTIONS", 200, 1, "z9hG4bK-o1", PING_ID);
	advance_to(&h, 41.0);
	assert_true(held(&h, PING_ID)); /* kept for retransmissions */
	advance_to(&h, 42.1);
	assert_false(held(&h, PING_ID));
	assert_int_equal(h.n_verdicts, 1);
	assert_string_equal(h.verdicts[0].call_id, PING_ID);
	assert_int_equal(h.verdicts[0].n_diags, 0);
	assert_int_equal(h.corr.calls.count, 0);
	harness_finish(&h);
}

/* A peer down: the OPTIONS times out at 64*T1 (told to the watcher while the call is held, as
 * before), is kept 64*T1 more for a late answer, and the call is retired then. A 503 is told
 * the same way. */
static void test_options_failed_told_then_retired(void **state)
{
	struct harness h;
	struct call *call;
	(void)state;
	harness_init(&h);
	watched = 0;
	correlator_watch(&h.corr, count_watch, NULL);
	sip_out(&h, 10.0, H_PBX, "OPTIONS", 0, 1, "z9hG4bK-o1", PING_ID);
	/* UDP retransmissions (RFC 3261 §17.1.2.2 Timer E) */
	for (double t = 0.5; t < 32.0; t = t < 4.0 ? 2 * t : t + 4.0)
		sip_out(&h, 10.0 + t, H_PBX, "OPTIONS", 0, 1, "z9hG4bK-o1", PING_ID);
	advance_to(&h, 41.0);
	assert_int_equal(watched, 0);
	advance_to(&h, 42.5);
	call = call_table_find(&h.corr.calls, PING_ID);
	assert_non_null(call);
	assert_int_equal(call->legs[0].txns[0].outcome, TXN_TIMEOUT);
	assert_int_equal(watched, 1);
	advance_to(&h, 73.5);
	assert_true(held(&h, PING_ID));
	advance_to(&h, 74.5); /* timed out at 42 s, kept to 74 s */
	assert_false(held(&h, PING_ID));
	assert_int_equal(h.n_verdicts, 1);

	exchange(&h, 100.0, 100.01, H_PBX, "OPTIONS", 503, 1, "z9hG4bK-o2", "ping-2");
	assert_int_equal(watched, 2);
	advance_to(&h, 133.0);
	assert_false(held(&h, "ping-2"));
	assert_int_equal(h.n_verdicts, 2);
	harness_finish(&h);
}

/* A REGISTER challenged, sent again and refreshed on the same Call-ID: one call while the
 * transactions follow each other within 64*T1, a new call for a refresh after the first was
 * retired. */
static void test_register_refreshed_on_same_call_id(void **state)
{
	struct harness h;
	struct call *call;
	(void)state;
	harness_init(&h);
	exchange(&h, 0.0, 0.05, H_CARRIER, "REGISTER", 401, 1, "z9hG4bK-r1", REG_ID);
	exchange(&h, 0.1, 0.15, H_CARRIER, "REGISTER", 200, 2, "z9hG4bK-r2", REG_ID);
	exchange(&h, 20.0, 20.05, H_CARRIER, "REGISTER", 200, 3, "z9hG4bK-r3", REG_ID);
	advance_to(&h, 50.0);
	call = call_table_find(&h.corr.calls, REG_ID);
	assert_non_null(call);
	assert_int_equal(call->first_ts_ns, h_ts(0.0));
	advance_to(&h, 53.0);
	assert_false(held(&h, REG_ID));
	sip_out(&h, 600.0, H_CARRIER, "REGISTER", 0, 4, "z9hG4bK-r4", REG_ID);
	call = call_table_find(&h.corr.calls, REG_ID);
	assert_non_null(call);
	assert_int_equal(call->first_ts_ns, h_ts(600.0));
	sip_out(&h, 600.05, H_CARRIER, "REGISTER", 200, 4, "z9hG4bK-r4", REG_ID);
	advance_to(&h, 633.0);
	assert_false(held(&h, REG_ID));
	assert_int_equal(h.n_verdicts, 2);
	assert_int_equal(h.verdicts[0].first_ts_ns, h_ts(0.0));
	assert_int_equal(h.verdicts[1].first_ts_ns, h_ts(600.0));
	assert_int_equal(h.verdicts[0].n_diags + h.verdicts[1].n_diags, 0);
	harness_finish(&h);
}

/* The INVITE that sets up a call on the REGISTER's Call-ID, while the REGISTER is kept, makes
 * one call with a dialog: it stays up long past 64*T1 and ends at its BYE. */
static void test_register_then_invite_on_one_call_id(void **state)
{
	struct harness h;
	struct call *call;
	(void)state;
	harness_init(&h);
	h_sip(&h, 0.0, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"REGISTER", 0, 1, "z9hG4bK-r1", false, NULL, H_CALL_ID});
	h_sip(&h, 0.01, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"REGISTER", 200, 1, "z9hG4bK-r1", true, NULL, H_CALL_ID});
	advance_to(&h, 5.0);
	h_conn_open(&h, 5.0, 1, DIR_OUT);
	h_tls(&h, 5.004, 1, true, true, NULL, NULL);
	h_sip(&h, 5.01, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 2, "z9hG4bK-i1", false, NULL, H_CALL_ID});
	h_sip(&h, 5.2, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 2, "z9hG4bK-i1", true, NULL, H_CALL_ID});
	h_sip(&h, 5.21, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"ACK", 0, 2, "z9hG4bK-a1", true, NULL, H_CALL_ID});
	advance_to(&h, 200.0);
	call = call_table_find(&h.corr.calls, H_CALL_ID);
	assert_non_null(call);
	assert_true(call->confirmed);
	assert_int_equal(call->first_ts_ns, h_ts(0.0));
	h_sip(&h, 300.0, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 3, "z9hG4bK-b1", true, NULL, H_CALL_ID});
	h_sip(&h, 300.05, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 3, "z9hG4bK-b1", true, NULL, H_CALL_ID});
	advance_to(&h, 333.0);
	assert_false(held(&h, H_CALL_ID));
	assert_int_equal(h.n_verdicts, 1);
	assert_false(harness_any_failure(&h));
	harness_finish(&h);
}

/* An INVITE on a Call-ID whose REGISTER was retired is a new call, set up and ended cleanly. */
static void test_invite_after_register_retired(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	exchange(&h, 0.0, 0.01, H_CARRIER, "REGISTER", 200, 1, "z9hG4bK-r1", H_CALL_ID);
	advance_to(&h, 40.0);
	assert_int_equal(h.n_verdicts, 1);
	sip_out(&h, 50.0, H_CARRIER, "INVITE", 0, 2, "z9hG4bK-i1", H_CALL_ID);
	h_sip(&h, 50.5, 0, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 2, "z9hG4bK-i1", true, NULL, H_CALL_ID});
	h_sip(&h, 50.51, 0, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"ACK", 0, 2, "z9hG4bK-a1", true, NULL, H_CALL_ID});
	advance_to(&h, 200.0);
	assert_true(held(&h, H_CALL_ID));
	assert_int_equal(call_table_find(&h.corr.calls, H_CALL_ID)->first_ts_ns, h_ts(50.0));
	h_sip(&h, 210.0, 0, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 1, "z9hG4bK-b1", true, NULL, H_CALL_ID});
	h_sip(&h, 210.05, 0, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 1, "z9hG4bK-b1", true, NULL, H_CALL_ID});
	advance_to(&h, 243.0);
	assert_false(held(&h, H_CALL_ID));
	assert_int_equal(h.n_verdicts, 2);
	assert_int_equal(h.verdicts[1].n_diags, 0);
	harness_finish(&h);
}

static void test_message_retired(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	exchange(&h, 1.0, 1.02, H_PBX, "MESSAGE", 202, 1, "z9hG4bK-m1", "msg-1");
	advance_to(&h, 34.0);
	assert_false(held(&h, "msg-1"));
	assert_int_equal(h.n_verdicts, 1);
	harness_finish(&h);
}

/* An INVITE rejected before any dialog ended before (a failed set-up) and still does; one
 * challenged and never sent again is retired too; one sent again at once is one call. */
static void test_rejected_and_challenged_invites(void **state)
{
	struct harness h;
	struct call *call;
	(void)state;
	harness_init(&h);
	exchange(&h, 0.0, 0.1, H_PBX, "INVITE", 486, 1, "z9hG4bK-i1", "busy");
	sip_out(&h, 0.11, H_PBX, "ACK", 0, 1, "z9hG4bK-i1", "busy");
	assert_true(call_table_find(&h.corr.calls, "busy")->ended);
	exchange(&h, 1.0, 1.1, H_PBX, "INVITE", 407, 1, "z9hG4bK-i2", "scan");
	sip_out(&h, 1.11, H_PBX, "ACK", 0, 1, "z9hG4bK-i2", "scan");
	exchange(&h, 2.0, 2.1, H_PBX, "INVITE", 407, 1, "z9hG4bK-i3", "auth");
	sip_out(&h, 2.11, H_PBX, "ACK", 0, 1, "z9hG4bK-i3", "auth");
	sip_out(&h, 2.2, H_PBX, "INVITE", 0, 2, "z9hG4bK-i4", "auth");
	h_sip(&h, 2.5, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"INVITE", 200, 2, "z9hG4bK-i4", true, NULL, "auth"});
	advance_to(&h, 33.0);
	assert_false(held(&h, "busy"));
	assert_true(held(&h, "scan")); /* 64*T1 from its end (1.1 s) not over yet */
	advance_to(&h, 34.0);
	assert_false(held(&h, "scan"));
	call = call_table_find(&h.corr.calls, "auth");
	assert_non_null(call);
	assert_true(call->confirmed);
	assert_int_equal(call->first_ts_ns, h_ts(2.0));
	assert_int_equal(h.n_verdicts, 2);
	harness_finish(&h);
}

/* What has or may have a dialog stays until it ends (or idles out): a call up without its BYE
 * yet, a subscription with its NOTIFYs, a response whose request came before the trace. */
static void test_dialogs_stay(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	sip_out(&h, 4.0, H_PBX, "SUBSCRIBE", 0, 1, "z9hG4bK-s1", "sub");
	h_sip(&h, 4.01, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"SUBSCRIBE", 200, 1, "z9hG4bK-s1", true, NULL, "sub"});
	h_sip(&h, 4.02, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"NOTIFY", 0, 1, "z9hG4bK-n1", true, NULL, "sub"});
	h_sip(&h, 4.03, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"NOTIFY", 200, 1, "z9hG4bK-n1", true, NULL, "sub"});
	h_sip(&h, 5.0, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-before", true, NULL, "older"});
	advance_to(&h, 3600.0);
	assert_true(held(&h, H_CALL_ID));
	assert_true(held(&h, "sub"));
	assert_true(held(&h, "older"));
	assert_int_equal(h.n_verdicts, 0);
	harness_finish(&h);
}

#define TERMINATED "Subscription-State: terminated;reason=timeout\r\n"

/* A subscription's dialog whose NOTIFY ends the subscription (RFC 6665 §4.4.1) is over once
 * that NOTIFY's transaction is: retired 64*T1 after its answer, not after call_idle_ns. */
static void test_subscription_ended_by_notify_retired(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	sip_out(&h, 10.0, H_PBX, "SUBSCRIBE", 0, 1, "z9hG4bK-s1", "sub");
	h_sip(&h, 10.01, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"SUBSCRIBE", 200, 1, "z9hG4bK-s1", true, NULL, "sub"});
	h_sip(&h, 10.02, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"NOTIFY", 0, 1, "z9hG4bK-n1", true,
			      "Subscription-State: active;expires=600\r\n", "sub"});
	h_sip(&h, 10.03, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"NOTIFY", 200, 1, "z9hG4bK-n1", true, NULL, "sub"});
	advance_to(&h, 600.0);
	assert_true(held(&h, "sub"));
	h_sip(&h, 610.0, 0, DIR_IN, H_PBX,
	      &(struct h_msg){"NOTIFY", 0, 2, "z9hG4bK-n2", true, TERMINATED, "sub"});
	h_sip(&h, 610.01, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"NOTIFY", 200, 2, "z9hG4bK-n2", true, NULL, "sub"});
	advance_to(&h, 641.0);
	assert_true(held(&h, "sub")); /* kept for retransmissions */
	advance_to(&h, 643.1);
	assert_false(held(&h, "sub"));
	assert_int_equal(h.n_verdicts, 1);
	assert_int_equal(h.verdicts[0].n_diags, 0);
	harness_finish(&h);
}

/* A REFER's subscription inside an INVITE's dialog ends with its NOTIFY, the call does not:
 * it stays until its BYE (RFC 5057: the dialog ends with its last usage). */
static void test_refer_subscription_end_keeps_the_call(void **state)
{
	struct harness h;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	h_sip(&h, 10.0, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"REFER", 0, 2, "z9hG4bK-r1", true, NULL, H_CALL_ID});
	h_sip(&h, 10.01, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"REFER", 202, 2, "z9hG4bK-r1", true, NULL, H_CALL_ID});
	h_sip(&h, 11.0, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"NOTIFY", 0, 3, "z9hG4bK-n1", true, TERMINATED, H_CALL_ID});
	h_sip(&h, 11.01, 1, DIR_IN, H_CARRIER,
	      &(struct h_msg){"NOTIFY", 200, 3, "z9hG4bK-n1", true, NULL, H_CALL_ID});
	advance_to(&h, 3600.0);
	assert_true(held(&h, H_CALL_ID));
	assert_int_equal(h.n_verdicts, 0);
	harness_finish(&h);
}

/* 100 peers pinged every 30 s for 2 hours, a new Call-ID per ping (24,000 calls): the table
 * holds about the pings of the last 64*T1, not every ping of the last call_idle_ns. */
static void test_many_pings_keep_the_table_small(void **state)
{
	enum { PEERS = 100, INTERVAL_S = 30, HOURS = 2 };
	struct harness h;
	char peer[32], call_id[48];
	unsigned most = 0, pings = 0;
	(void)state;
	harness_init(&h);
	for (unsigned round = 0; round < HOURS * 3600 / INTERVAL_S; round++) {
		for (unsigned p = 0; p < PEERS; p++) {
			double t = round * INTERVAL_S + p * (double)INTERVAL_S / PEERS;
			snprintf(peer, sizeof(peer), "203.0.113.%u", p + 1);
			snprintf(call_id, sizeof(call_id), "ping-%u-%u@192.0.2.10", p, round);
			exchange(&h, t, t + 0.02, peer, "OPTIONS", 200, 1, "z9hG4bK-p", call_id);
			pings++;
			if (h.corr.calls.count > most)
				most = h.corr.calls.count;
		}
	}
	/* each ping held 32 s after its answer, retired at the next one-second sweep */
	assert_true(most <= PEERS * 34 / INTERVAL_S + 1);
	assert_int_equal(pings, PEERS * HOURS * 3600 / INTERVAL_S);
	assert_int_equal(h.corr.calls.evicted, 0);
	harness_finish(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options_answered_retired),
	    cmocka_unit_test(test_options_failed_told_then_retired),
	    cmocka_unit_test(test_register_refreshed_on_same_call_id),
	    cmocka_unit_test(test_register_then_invite_on_one_call_id),
	    cmocka_unit_test(test_invite_after_register_retired),
	    cmocka_unit_test(test_message_retired),
	    cmocka_unit_test(test_rejected_and_challenged_invites),
	    cmocka_unit_test(test_dialogs_stay),
	    cmocka_unit_test(test_subscription_ended_by_notify_retired),
	    cmocka_unit_test(test_refer_subscription_end_keeps_the_call),
	    cmocka_unit_test(test_many_pings_keep_the_table_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
