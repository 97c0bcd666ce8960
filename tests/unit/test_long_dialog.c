/*
 * Inputs at the size of a real trunk (issue 15): a capture appended to itself (mergecap -a,
 * time restarts at every copy) is ordered by time, stably; a dialog with thousands of
 * in-dialog transactions (INFO every 2 s for hours, each retransmitted once) is followed to
 * its end with bounded per-message state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "corr_harness.h"
#include "event_load.h"

#define COPIES	 50
#define PER_COPY 400

static void test_appended_copies_sorted_stably(void **state)
{
	struct event_list list = {0};
	(void)state;
	for (unsigned c = 0; c < COPIES; c++) {
		for (unsigned i = 0; i < PER_COPY; i++) {
			/* two events per time stamp, so ties inside a copy are tested too */
			struct event ev = {
			    .kind = EV_LOST, .ts_ns = 1000 + i / 2, .conn = c * PER_COPY + i};
			assert_int_equal(event_list_push(&list, &ev), 0);
		}
	}
	assert_int_equal(event_list_sort(&list), 0);
	assert_int_equal(list.count, COPIES * PER_COPY);
	for (size_t i = 1; i < list.count; i++) {
		const struct event *a = &list.events[i - 1], *b = &list.events[i];
		assert_true(a->ts_ns <= b->ts_ns);
		if (a->ts_ns == b->ts_ns)
			assert_true(a->conn < b->conn); /* input order kept */
	}
	/* in order already: left as it is */
	assert_int_equal(event_list_sort(&list), 0);
	assert_int_equal(list.events[0].conn, 0);
	assert_int_equal(list.events[list.count - 1].conn, (COPIES - 1) * PER_COPY + PER_COPY - 1);
	event_list_free(&list);
}

#define INFOS 5000

/* Every message is matched against the leg's live transactions only: they must stay few
 * however long the dialog, so the work per message does not grow with the dialog's length. */
static void test_chatty_dialog_followed_to_its_end(void **state)
{
	struct harness h;
	struct call *call;
	unsigned most_txns = 0;
	char branch[32];
	double t = 10.0;
	(void)state;
	harness_init(&h);
	h_setup_call(&h, NULL, NULL);
	call = call_table_find(&h.corr.calls, H_CALL_ID);
	assert_non_null(call);
	for (unsigned i = 0; i < INFOS; i++, t += 2.0) {
		const struct txn *last;
		snprintf(branch, sizeof(branch), "z9hG4bK-info%u", i);
		h_sip(&h, t, 1, DIR_IN, H_CARRIER,
		      &(struct h_msg){"INFO", 0, 10 + i, branch, true});
		h_sip(&h, t + 0.5, 1, DIR_IN, H_CARRIER,
		      &(struct h_msg){"INFO", 0, 10 + i, branch, true}); /* retransmission */
		h_sip(&h, t + 0.6, 1, DIR_OUT, H_CARRIER,
		      &(struct h_msg){"INFO", 200, 10 + i, branch, true});
		last = &call->legs[0].txns[call->legs[0].n_txns - 1];
		assert_int_equal(last->cseq, 10 + i);
		assert_int_equal(last->retransmits, 1);
		assert_int_equal(last->outcome, TXN_ANSWERED);
		if (call->legs[0].n_txns > most_txns)
			most_txns = call->legs[0].n_txns;
	}
	/* 64*T1 = 32 s of transactions at one per 2 s, not the dialog's 5000 */
	assert_true(most_txns <= 17);
	assert_false(call->ended);
	h_sip(&h, t, 1, DIR_IN, H_CARRIER, &(struct h_msg){"BYE", 0, 9000, "z9hG4bK-bye", true});
	h_sip(&h, t + 0.01, 1, DIR_OUT, H_CARRIER,
	      &(struct h_msg){"BYE", 200, 9000, "z9hG4bK-bye", true});
	assert_true(call->ended);
	harness_finish(&h);
	assert_int_equal(h.n_verdicts, 1);
	assert_false(harness_any_failure(&h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_appended_copies_sorted_stably),
	    cmocka_unit_test(test_chatty_dialog_followed_to_its_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
