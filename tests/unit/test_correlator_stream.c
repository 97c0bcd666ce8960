/* The live feed: the reorder window, diagnoses reported as soon as they can be made through
 * diag_stream, and the bounds of the correlator's tables (calls, connections, transactions). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/corr_harness.h"
#include "diag_stream.h"

#define MS 1000000ull

static struct event at(uint64_t ts_ns, uint64_t conn)
{
	return (struct event){.kind = EV_LOST, .ts_ns = ts_ns, .conn = conn};
}

/* reorder_window_pop's event copied out, as the tests compare it after the next push */
static int pop(struct reorder_window *w, uint64_t now_ns, struct event *ev)
{
	struct event *held = reorder_window_pop(w, now_ns);

	if (!held)
		return 0;
	*ev = *held;
	return 1;
}

static void test_window_orders_and_releases(void **state)
{
	struct reorder_window w;
	struct event ev;
	const uint64_t in[] = {1000, 1100, 1050, 1050, 1400, 1200};
	(void)state;
	assert_int_equal(reorder_window_init(&w, 200 * MS, 16), 0);
	for (unsigned i = 0; i < 6; i++) {
		ev = at(in[i] * MS, i);
		assert_int_equal(reorder_window_push(&w, &ev), 0);
	}
	/* newest is 1400 ms: what is 200 ms older (<= 1200) is due, oldest first, equal times in
	 * arrival order */
	const uint64_t out_ms[] = {1000, 1050, 1050, 1100, 1200};
	const uint64_t out_conn[] = {0, 2, 3, 1, 5};
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(pop(&w, 0, &ev), 1);
		assert_int_equal(ev.ts_ns, out_ms[i] * MS);
		assert_int_equal(ev.conn, out_conn[i]);
	}
	assert_int_equal(pop(&w, 0, &ev), 0);
	/* the caller's clock releases the rest when the feed is quiet */
	assert_int_equal(pop(&w, 1599 * MS, &ev), 0);
	assert_int_equal(pop(&w, 1600 * MS, &ev), 1);
	assert_int_equal(ev.ts_ns, 1400 * MS);
	/* older than what was released: still handed out, and counted */
	ev = at(900 * MS, 9);
	assert_int_equal(reorder_window_push(&w, &ev), 0);
	assert_int_equal(pop(&w, 0, &ev), 1);
	assert_int_equal(w.late, 1);
	assert_int_equal(w.forced, 0);
	reorder_window_free(&w);
}

/* A capture's events: mostly in order, some a little late (less than the window), many at
 * equal times. Out: every one, in time order, equal times in arrival order, none late, also
 * when the held events wrap around the buffer many times. */
static void test_window_orders_jittered_stream(void **state)
{
	struct reorder_window w;
	struct event ev;
	uint64_t last_ts = 0, last_conn = 0, out = 0;
	unsigned seed = 1;
	(void)state;
	assert_int_equal(reorder_window_init(&w, 200 * MS, 512), 0);
	for (uint64_t i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		/* 1 ms apart; one in 8 arrives up to 150 ms late; ties every 4th */
		uint64_t ts =
		    (1000 + i - (i % 4 == 1)) * MS - ((seed >> 16) % 8 ? 0 : (seed % 150) * MS);
		ev = at(ts, i);
		assert_int_equal(reorder_window_push(&w, &ev), 0);
		while (pop(&w, 0, &ev) == 1 || (i == 19999 && pop(&w, UINT64_MAX, &ev) == 1)) {
			assert_true(ev.ts_ns > last_ts ||
				    (ev.ts_ns == last_ts && ev.conn > last_conn) || !out);
			last_ts = ev.ts_ns;
			last_conn = ev.conn;
			out++;
		}
	}
	assert_int_equal(out, 20000);
	assert_int_equal(w.late, 0);
	assert_int_equal(w.forced, 0);
	/* held events of both kinds are released by free (ASan's build checks) */
	ev = at(5000 * MS, 1);
	ev.kind = EV_SIP;
	ev.sip.raw = strdup("in order");
	assert_int_equal(reorder_window_push(&w, &ev), 0);
	ev = at(4990 * MS, 2);
	ev.kind = EV_SIP;
	ev.sip.raw = strdup("late");
	assert_int_equal(reorder_window_push(&w, &ev), 0);
	reorder_window_free(&w);
}

/* A capture held 50 ms instead of the 200 ms window: in order within the hold, events leave as
 * soon as they are 50 ms old, in the whole window's order; the first one more than 50 ms out of
 * order widens the hold to the window for good. */
static void test_window_hold_widens_at_disorder(void **state)
{
	struct reorder_window w;
	struct event ev;
	const uint64_t in[] = {1000, 1030, 1010, 1060, 1075};
	const uint64_t out_ms[] = {1000, 1010};
	unsigned out = 0;
	(void)state;
	assert_int_equal(reorder_window_init(&w, 200 * MS, 16), 0);
	reorder_window_hold(&w, 50 * MS);
	for (unsigned i = 0; i < 5; i++) {
		ev = at(in[i] * MS, i);
		assert_int_equal(reorder_window_push(&w, &ev), 0);
		while (pop(&w, 0, &ev) == 1) {
			assert_true(out < 2);
			assert_int_equal(ev.ts_ns, out_ms[out++] * MS);
		}
	}
	/* 1010 came 20 ms behind 1030: within the hold, put in order; 1030 waits for 1080 */
	assert_int_equal(out, 2);
	assert_false(w.widened);
	/* 55 ms behind the newest (1075): the hold becomes the window; not late (1010 was the
	 * newest out) */
	ev = at(1020 * MS, 5);
	assert_int_equal(reorder_window_push(&w, &ev), 0);
	assert_true(w.widened);
	assert_int_equal(w.hold_ns, 200 * MS);
	assert_int_equal(pop(&w, 0, &ev), 0); /* nothing is 200 ms old */
	ev = at(1300 * MS, 6);
	assert_int_equal(reorder_window_push(&w, &ev), 0);
	const uint64_t rest_ms[] = {1020, 1030, 1060, 1075};
	const uint64_t rest_conn[] = {5, 1, 3, 4};
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pop(&w, 0, &ev), 1);
		assert_int_equal(ev.ts_ns, rest_ms[i] * MS);
		assert_int_equal(ev.conn, rest_conn[i]);
	}
	assert_int_equal(pop(&w, 0, &ev), 0);
	assert_int_equal(w.late, 0);
	/* a hold longer than the window is the window */
	reorder_window_hold(&w, 300 * MS);
	assert_int_equal(w.hold_ns, 200 * MS);
	reorder_window_free(&w);
}

static void test_window_is_bounded(void **state)
{
	struct reorder_window w;
	struct event ev;
	unsigned released = 0;
	(void)state;
	assert_int_equal(reorder_window_init(&w, 200 * MS, 4), 0);
	for (unsigned i = 0; i < 10; i++) {
		ev = at((1000 + i) * MS, i);
		assert_int_equal(reorder_window_push(&w, &ev), 0);
		while (pop(&w, 0, &ev) == 1) {
			assert_int_equal(ev.conn, released);
			released++;
		}
		assert_true(w.count < 4);
	}
	assert_int_equal(released, 7);
	assert_int_equal(w.forced, 7);
	/* a full buffer refuses more until the caller pops */
	ev = at(2000 * MS, 10);
	assert_int_equal(reorder_window_push(&w, &ev), 0);
	ev = at(2001 * MS, 11);
	assert_int_equal(reorder_window_push(&w, &ev), -ENOBUFS);
	while (pop(&w, UINT64_MAX, &ev) == 1)
		released++;
	assert_int_equal(released, 11);
	reorder_window_free(&w);
}

struct reported {
	enum diag_id ids[DIAG_COUNT * 2];
	enum diag_id first_cause[DIAG_COUNT * 2];
	char bye_summary[320];
	unsigned n;
};

static void on_diag(const struct call_verdict *verdict, const struct diagnosis *diag, void *ctx)
{
	struct reported *r = ctx;
	(void)verdict;
	assert_true(r->n < DIAG_COUNT * 2);
	r->first_cause[r->n] = diag->n_causes ? diag->causes[0] : DIAG_COUNT;
	r->ids[r->n++] = diag->id;
	if (diag->id == DIAG_BYE_FAILED)
		snprintf(r->bye_summary, sizeof(r->bye_summary), "%s", diag->summary);
}

static void stream_init(struct diag_stream *s, uint64_t window_ns, unsigned capacity,
			struct reported *r)
{
	struct correlator_config config;

	correlator_config_default(&config);
	assert_int_equal(diag_stream_init(s, &config, window_ns, capacity, on_diag, r, stderr), 0);
}

static int find(const struct reported *r, enum diag_id id)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->ids[i] == id)
			return (int)i;
	return -1;
}

/* The BYE of an idle-closed call needs a reverse connection whose handshake fails on an
 * incomplete chain (as in test_explain.c), built and held, not fed. */
static void build_incomplete_chain_call(struct harness *h)
{
	harness_init(h);
	h->hold = true;
	h_setup_call(h, NULL, NULL);
	h_conn_end(h, 123.0, 1, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 120.0, NULL);
	h_sip(h, 300.0, 0, DIR_IN, H_PBX, &(struct h_msg){"BYE", 0, 2, "z9hG4bK-pbx-bye1", true});
	h_conn_open(h, 300.001, 2, DIR_OUT);
	h_chain(h, 300.03, 2, SIDE_PEER, CHAIN_INCOMPLETE, 1, "c0ffee", "CN=Carrier Int");
	h_alert(h, 300.031, 2, SIDE_LOCAL, "unknown_ca");
	h_tls(h, 300.031, 2, true, false, "certificate verify failed",
	      "unable to get local issuer certificate");
	h_conn_end(h, 300.032, 2, DIR_OUT, SIDE_LOCAL, CLOSE_FIN, 0, NULL);
	h_sip(h, 300.033, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"BYE", 477, 2, "z9hG4bK-pbx-bye1", true});
	h_conn_open(h, 310.0, 3, DIR_IN); /* later traffic moves time on */
}

/* Delivers the held events with those between 300.0 s and 300.033 s in reverse order (the
 * sources' ring buffers were read in the wrong order, 33 ms apart at most). */
static void deliver_shuffled(struct harness *h, struct diag_stream *s)
{
	unsigned first = 0, last = 0;

	for (unsigned i = 0; i < h->n_held; i++) {
		if (h->held[i].ts_ns >= h_ts(300.0) && h->held[i].ts_ns <= h_ts(300.033)) {
			if (!first)
				first = i;
			last = i;
		}
	}
	for (unsigned i = 0; i < h->n_held; i++) {
		unsigned j = i >= first && i <= last ? first + last - i : i;
		assert_int_equal(diag_stream_feed(s, &h->held[j]), 0);
	}
}

/* Builds the call, delivers it shuffled through a stream with the window given (left open for
 * the test to look at). Returns how many diagnoses were reported before the end. */
static unsigned run_shuffled(struct harness *h, struct diag_stream *s, struct reported *r,
			     uint64_t window_ns, unsigned capacity)
{
	build_incomplete_chain_call(h);
	stream_init(s, window_ns, capacity, r);
	deliver_shuffled(h, s);
	return r->n;
}

static void test_stream_reorders_and_reports_early(void **state)
{
	struct diag_stream s;
	struct reported r = {0};
	struct harness h;
	(void)state;
	/* reported while the call is still in the table (ended, lingering) */
	assert_true(run_shuffled(&h, &s, &r, DIAG_STREAM_WINDOW_NS, DIAG_STREAM_WINDOW_CAPACITY) >=
		    3);
	assert_int_equal(s.feed.corr.calls.count, 1);
	diag_stream_finish(&s);
	harness_finish(&h);
	assert_true(find(&r, DIAG_BYE_FAILED) >= 0);
	assert_non_null(strstr(r.bye_summary, "was rejected"));
	assert_int_equal(r.first_cause[find(&r, DIAG_BYE_FAILED)], DIAG_TLS_INCOMPLETE_CHAIN);
	assert_int_equal(r.first_cause[find(&r, DIAG_TLS_INCOMPLETE_CHAIN)],
			 DIAG_IDLE_CLOSE_REVERSE);
	/* each diagnosis once */
	for (unsigned i = 0; i < r.n; i++)
		assert_int_equal(find(&r, r.ids[i]), (int)i);
	assert_int_equal(s.feed.window.late, 0);
}

/* Why the window is there: the same disorder without one loses the story (the 477 comes
 * before its BYE, the failed connection before the request that needed it). */
static void test_without_window_the_story_is_lost(void **state)
{
	struct diag_stream s;
	struct reported r = {0};
	struct harness h;
	(void)state;
	run_shuffled(&h, &s, &r, 0, 16);
	assert_true(s.feed.corr.out_of_order > 0);
	diag_stream_finish(&s);
	harness_finish(&h);
	assert_true(find(&r, DIAG_TLS_INCOMPLETE_CHAIN) < 0);
	assert_null(strstr(r.bye_summary, "was rejected"));
}

/* A healthy call's forecast only shows at retirement, and is reported then. */
static void test_stream_reports_at_retirement(void **state)
{
	struct diag_stream s;
	struct reported r = {0};
	struct harness h;
	(void)state;
	harness_init(&h);
	h.hold = true;
	h_setup_call(&h, "Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\n",
		     "Require: timer\r\nSession-Expires: 1800;refresher=uac\r\n");
	h_conn_end(&h, 123.0, 1, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 120.0, NULL);
	stream_init(&s, DIAG_STREAM_WINDOW_NS, DIAG_STREAM_WINDOW_CAPACITY, &r);
	for (unsigned i = 0; i < h.n_held; i++)
		assert_int_equal(diag_stream_feed(&s, &h.held[i]), 0);
	assert_int_equal(diag_stream_tick(&s, h_ts(200.0)), 0);
	assert_int_equal(r.n, 0);
	diag_stream_finish(&s);
	harness_finish(&h);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], DIAG_RISK_IDLE_TIMEOUT);
}

/* Table limits hold with many calls and connections, and evictions are counted; every
 * evicted call is still handed over (explained). */
static void test_tables_stay_bounded(void **state)
{
	struct correlator_config config;
	struct harness h;
	char call_id[32];
	(void)state;
	correlator_config_default(&config);
	config.max_calls = 100;
	config.max_conns = 10;
	harness_init_config(&h, &config);
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(call_id, sizeof(call_id), "call-%u", i);
		h_conn_open(&h, i * 0.01, 100 + i, DIR_IN);
		h_sip(&h, i * 0.01 + 0.001, 100 + i, DIR_IN, H_CARRIER,
		      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-b", false, NULL, call_id});
		assert_true(h.corr.calls.count <= 100);
		assert_true(h.corr.conns.count <= 10);
	}
	assert_int_equal(h.corr.calls.count, 100);
	assert_int_equal(h.corr.calls.evicted, 900);
	assert_int_equal(h.corr.conns.count, 10);
	assert_int_equal(h.corr.conns.evicted, 990);
	assert_non_null(call_table_find(&h.corr.calls, "call-999"));
	assert_null(call_table_find(&h.corr.calls, "call-899"));
	harness_finish(&h);
}

/* A call holds the connections it used past their linger time while it is not retired, and no
 * longer: a call whose BYE failed until it idles out, a call that ended until its linger. */
static void test_calls_hold_their_conns_until_retired(void **state)
{
	struct harness h;
	struct conn *conn;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	h_conn_end(&h, 123.0, 1, DIR_IN, SIDE_LOCAL, CLOSE_FIN, 120.0, NULL);
	h_sip(&h, 300.0, 0, DIR_IN, H_PBX, &(struct h_msg){"BYE", 0, 2, "z9hG4bK-pbx-bye1", true});
	h_sip(&h, 300.01, 0, DIR_OUT, H_PBX,
	      &(struct h_msg){"BYE", 477, 2, "z9hG4bK-pbx-bye1", true});
	/* a call that ends well, on conn 2 */
	const char *ok = "ok-call";
	h_conn_open(&h, 400.0, 2, DIR_IN);
	h_sip(&h, 400.01, 2, DIR_IN, H_CARRIER,
	      &(struct h_msg){"INVITE", 0, 1, "z9hG4bK-ok1", false, NULL, ok});
	h_sip(&h, 400.02, 2, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"INVITE", 200, 1, "z9hG4bK-ok1", true, NULL, ok});
	h_sip(&h, 410.0, 2, DIR_IN, H_CARRIER,
	      &(struct h_msg){"BYE", 0, 2, "z9hG4bK-ok2", true, NULL, ok});
	h_sip(&h, 410.01, 2, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 2, "z9hG4bK-ok2", true, NULL, ok});
	h_conn_end(&h, 420.0, 2, DIR_IN, SIDE_PEER, CLOSE_FIN, 10.0, NULL);
	/* two hours on: conn 1 is parked for the pending call; conn 2's call was retired at
	 * 442 s, so conn 2 went after its hour */
	h_conn_open(&h, 7200.0, 3, DIR_IN);
	conn = conn_table_find(&h.corr.conns, 1);
	assert_non_null(conn);
	assert_true(conn->parked);
	assert_null(conn_table_find(&h.corr.conns, 2));
	assert_null(call_table_find(&h.corr.calls, ok));
	assert_int_equal(h.corr.conns.count, 2);
	/* the pending call idles out (4 h after its last message): conn 1 goes with it */
	h_conn_open(&h, 300.01 + 4 * 3600 + 1, 4, DIR_IN);
	assert_null(call_table_find(&h.corr.calls, H_CALL_ID));
	assert_null(conn_table_find(&h.corr.conns, 1));
	harness_finish(&h);
	assert_true(harness_has(&h, DIAG_BYE_FAILED));
}

/* Finished transactions are freed 64*T1 after their end; a failed BYE stays as evidence; a
 * leg never holds more than LEG_MAX_TXNS. */
static void test_transactions_freed_evidence_kept(void **state)
{
	struct harness h;
	struct call *call;
	char branch[32];
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	call = call_table_find(&h.corr.calls, H_CALL_ID);
	assert_non_null(call);
	assert_int_equal(call->legs[0].n_txns, 2); /* INVITE and ACK, within 64*T1 */
	h_conn_open(&h, 40.0, 7, DIR_IN);	   /* 37 s later: swept */
	assert_int_equal(call->legs[0].n_txns, 0);
	assert_null(call->legs[0].txns);
	for (unsigned i = 0; i < 3 * LEG_MAX_TXNS; i++) {
		snprintf(branch, sizeof(branch), "z9hG4bK-info%u", i);
		h_sip(&h, 50.0 + i * 0.001, 1, DIR_IN, H_CARRIER,
		      &(struct h_msg){"INFO", 0, 10 + i, branch, true});
		assert_true(call->legs[0].n_txns <= LEG_MAX_TXNS);
	}
	h_sip(&h, 60.0, 1, DIR_IN, H_CARRIER, &(struct h_msg){"BYE", 0, 200, "z9hG4bK-bye", true});
	h_sip(&h, 60.01, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 503, 200, "z9hG4bK-bye", true});
	assert_int_equal(call->legs[0].n_txns, LEG_MAX_TXNS); /* the oldest INFO made room */
	h_conn_open(&h, 150.0, 8, DIR_IN);	   /* the INFOs timed out at 82 s, 64*T1 ago */
	assert_int_equal(call->legs[0].n_txns, 1); /* the failed BYE */
	assert_int_equal(call->legs[0].txns[0].method, SIP_METHOD_BYE);
	harness_finish(&h);
	assert_true(harness_has(&h, DIAG_BYE_FAILED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window_orders_and_releases),
	    cmocka_unit_test(test_window_orders_jittered_stream),
	    cmocka_unit_test(test_window_hold_widens_at_disorder),
	    cmocka_unit_test(test_window_is_bounded),
	    cmocka_unit_test(test_stream_reorders_and_reports_early),
	    cmocka_unit_test(test_without_window_the_story_is_lost),
	    cmocka_unit_test(test_stream_reports_at_retirement),
	    cmocka_unit_test(test_tables_stay_bounded),
	    cmocka_unit_test(test_calls_hold_their_conns_until_retired),
	    cmocka_unit_test(test_transactions_freed_evidence_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
