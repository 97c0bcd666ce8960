/* dialog_advance: transactions time out and are freed at 64*T1 from their request or their end,
 * however many messages advance the call in between (it walks a leg's transactions only when
 * one falls due), and it returns when the next one does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "call_table.h"
#include "dialog.h"

#define S	 1000000000ull
#define TIMER_NS (32 * S) /* 64*T1 */

struct fixture {
	struct call_table table;
	struct call *call;
	struct leg *leg;
};

static int setup(void **state)
{
	static struct fixture f;
	struct call_table_config config = {100, 32 * S, 3600 * S};
	struct ip_addr peer = {0};

	memset(&f, 0, sizeof(f));
	call_table_init(&f.table, &config, NULL, NULL);
	f.call = call_table_touch(&f.table, "call-1", 0);
	f.leg = f.call ? call_leg(f.call, &peer, TRANSPORT_TCP) : NULL;
	*state = &f;
	return f.leg ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	call_table_flush(&f->table);
	return 0;
}

/* A request (STATUS 0) or a response of METHOD with BRANCH and CSEQ at TS_NS. */
static void message(struct fixture *f, uint64_t ts_ns, enum sip_method method, uint16_t status,
		    const char *branch, uint32_t cseq)
{
	struct sip_fields fields;
	struct sip_on_leg msg = {.fields = &fields, .ts_ns = ts_ns, .dir = DIR_OUT};

	memset(&fields, 0, sizeof(fields));
	fields.values.decoded = true;
	fields.values.is_request = !status;
	fields.values.method = method;
	fields.values.status = status;
	fields.values.cseq = cseq;
	strcpy(fields.branch, branch);
	strcpy(fields.call_id, "call-1");
	/* as the correlator does: timers that fell due before the message come first */
	dialog_advance(f->call, ts_ns, TIMER_NS);
	assert_int_equal(dialog_on_sip(f->call, f->leg, &msg), 0);
}

static enum txn_outcome outcome(const struct fixture *f, unsigned i)
{
	assert_true(i < f->leg->n_txns);
	return f->leg->txns[i].outcome;
}

static void test_pending_time_out_at_their_request_plus_timer(void **state)
{
	struct fixture *f = *state;

	message(f, 10 * S, SIP_METHOD_OPTIONS, 0, "z9hG4bK-a", 1);
	message(f, 11 * S, SIP_METHOD_OPTIONS, 0, "z9hG4bK-b", 2);
	for (uint64_t t = 12 * S; t < 10 * S + TIMER_NS; t += S / 2) {
		assert_int_equal(dialog_advance(f->call, t, TIMER_NS), 10 * S + TIMER_NS);
		assert_int_equal(outcome(f, 0), TXN_PENDING);
	}
	/* a, timed out, is kept a timer long for retransmissions: b falls due first */
	assert_int_equal(dialog_advance(f->call, 10 * S + TIMER_NS, TIMER_NS), 11 * S + TIMER_NS);
	assert_int_equal(outcome(f, 0), TXN_TIMEOUT);
	assert_int_equal(f->leg->txns[0].final_ts_ns, 10 * S + TIMER_NS);
	assert_int_equal(outcome(f, 1), TXN_PENDING);
	assert_true(f->call->story_changed);
	/* a request after them: its timer runs from now */
	message(f, 20 * S, SIP_METHOD_OPTIONS, 0, "z9hG4bK-c", 3);
	assert_int_equal(dialog_advance(f->call, 20 * S + 1, TIMER_NS), 11 * S + TIMER_NS);
	assert_int_equal(dialog_advance(f->call, 11 * S + TIMER_NS, TIMER_NS), 20 * S + TIMER_NS);
	assert_int_equal(outcome(f, 1), TXN_TIMEOUT);
	assert_int_equal(dialog_advance(f->call, 20 * S + TIMER_NS, TIMER_NS),
			 10 * S + 2 * TIMER_NS);
	/* each one freed a timer after its end */
	assert_int_equal(dialog_advance(f->call, 10 * S + 2 * TIMER_NS, TIMER_NS),
			 11 * S + 2 * TIMER_NS);
	assert_int_equal(f->leg->n_txns, 2);
	dialog_advance(f->call, 20 * S + 2 * TIMER_NS, TIMER_NS);
	assert_int_equal(f->leg->n_txns, 0);
	assert_int_equal(dialog_advance(f->call, 100 * S + 2 * TIMER_NS, TIMER_NS), UINT64_MAX);
}

static void test_final_response_moves_the_clock_to_its_end(void **state)
{
	struct fixture *f = *state;

	message(f, 10 * S, SIP_METHOD_OPTIONS, 0, "z9hG4bK-a", 1);
	assert_int_equal(dialog_advance(f->call, 11 * S, TIMER_NS), 10 * S + TIMER_NS);
	message(f, 15 * S, SIP_METHOD_OPTIONS, 200, "z9hG4bK-a", 1);
	assert_int_equal(outcome(f, 0), TXN_ANSWERED);
	assert_int_equal(dialog_advance(f->call, 16 * S, TIMER_NS), 15 * S + TIMER_NS);
	assert_int_equal(dialog_advance(f->call, 10 * S + TIMER_NS, TIMER_NS), 15 * S + TIMER_NS);
	assert_int_equal(f->leg->n_txns, 1);
	assert_int_equal(dialog_advance(f->call, 15 * S + TIMER_NS, TIMER_NS), UINT64_MAX);
	assert_int_equal(f->leg->n_txns, 0);
}

/* RFC 3261 §17.1.1.2: an INVITE with a provisional response does not time out (Timer B) */
static void test_provisional_stops_an_invites_clock(void **state)
{
	struct fixture *f = *state;

	message(f, 10 * S, SIP_METHOD_INVITE, 0, "z9hG4bK-i", 1);
	assert_int_equal(dialog_advance(f->call, 11 * S, TIMER_NS), 10 * S + TIMER_NS);
	message(f, 12 * S, SIP_METHOD_INVITE, 180, "z9hG4bK-i", 1);
	assert_int_equal(dialog_advance(f->call, 10 * S + TIMER_NS, TIMER_NS), UINT64_MAX);
	assert_int_equal(outcome(f, 0), TXN_PENDING);
}

/* A leg keeps LEG_MAX_TXNS: a new one drops the oldest, whose timer then no longer counts. */
static void test_dropped_transaction_leaves_the_next_due(void **state)
{
	struct fixture *f = *state;
	const uint64_t gap_ns = S / 4;
	char branch[32];

	for (unsigned i = 0; i <= LEG_MAX_TXNS; i++) {
		snprintf(branch, sizeof(branch), "z9hG4bK-%u", i);
		message(f, 10 * S + i * gap_ns, SIP_METHOD_OPTIONS, 0, branch, i + 1);
	}
	assert_int_equal(f->leg->n_txns, LEG_MAX_TXNS);
	assert_int_equal(f->leg->txns[0].request_ts_ns, 10 * S + gap_ns);
	assert_int_equal(dialog_advance(f->call, 20 * S, TIMER_NS), 10 * S + gap_ns + TIMER_NS);
	assert_int_equal(dialog_advance(f->call, 10 * S + TIMER_NS, TIMER_NS),
			 10 * S + gap_ns + TIMER_NS);
	assert_int_equal(outcome(f, 0), TXN_PENDING);
	assert_int_equal(dialog_advance(f->call, 10 * S + gap_ns + TIMER_NS, TIMER_NS),
			 10 * S + 2 * gap_ns + TIMER_NS);
	assert_int_equal(outcome(f, 0), TXN_TIMEOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pending_time_out_at_their_request_plus_timer,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_final_response_moves_the_clock_to_its_end, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_provisional_stops_an_invites_clock, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dropped_transaction_leaves_the_next_due, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
