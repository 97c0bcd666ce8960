/* The connections awaiting their end, and the sweep that finds those the kernel no longer has
 * (userspace/sources/open_conns.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include "open_conns.h"

static struct sock_event record(__u32 type, uint64_t cookie)
{
	struct sock_event event = {.type = type, .ts_ns = 1};

	event.conn.cookie = cookie;
	event.conn.how = SOCK_HOW_FIN;
	return event;
}

static size_t sweep(struct open_conns *set, const uint64_t *present, size_t n_present, bool both,
		    uint64_t *gone, size_t max)
{
	open_conns_sweep_begin(set);
	for (size_t i = 0; i < n_present; i++)
		open_conns_present(set, &(struct tcp_diag_sock){.cookie = present[i]});
	return open_conns_sweep_end(set, both, gone, max);
}

/* Gone in two sweeps in a row, or in one when both is false; an end forgets the connection. */
static void test_gone_twice_in_a_row(void **state)
{
	struct open_conns *set = open_conns_new();
	struct sock_event open1 = record(SOCK_EV_OPEN, 1), open2 = record(SOCK_EV_OPEN, 2);
	struct sock_event close2 = record(SOCK_EV_CLOSE, 2), end1 = record(SOCK_EV_END, 1);
	const uint64_t only1[] = {1};
	struct sock_conn conn;
	uint64_t gone[4];

	(void)state;
	assert_non_null(set);
	assert_int_equal(open_conns_learn(set, &open1), 0);
	assert_int_equal(open_conns_learn(set, &open2), 0);
	assert_int_equal(open_conns_learn(set, &close2), 0);
	/* 2 is missing once: not gone yet, unless this is the last sweep */
	assert_int_equal(sweep(set, only1, 1, true, gone, 4), 0);
	assert_int_equal(sweep(set, only1, 1, true, gone, 4), 1);
	assert_int_equal(gone[0], 2);
	assert_true(open_conns_take(set, 2, &conn));
	/* the close's state, marked as sent */
	assert_int_equal(conn.how, SOCK_HOW_FIN);
	assert_true(conn.flags & SOCK_F_CLOSE_REPORTED);
	assert_true(conn.flags & SOCK_F_OPEN_REPORTED);
	assert_false(open_conns_take(set, 2, &conn));
	assert_int_equal(open_conns_learn(set, &end1), 0);
	assert_int_equal(sweep(set, NULL, 0, false, gone, 4), 0);
	open_conns_free(set);
}

/* Many connections: the table grows and finds each; gone counts beyond max. */
static void test_many(void **state)
{
	struct open_conns *set = open_conns_new();
	struct sock_conn conn;
	uint64_t gone[8];

	(void)state;
	for (uint64_t cookie = 1; cookie <= 10000; cookie++) {
		struct sock_event open = record(SOCK_EV_OPEN, cookie);

		assert_int_equal(open_conns_learn(set, &open), 0);
		if (cookie % 2) {
			struct sock_event end = record(SOCK_EV_END, cookie);

			assert_int_equal(open_conns_learn(set, &end), 0);
		}
	}
	assert_int_equal(sweep(set, NULL, 0, false, gone, 8), 5000);
	for (uint64_t cookie = 2; cookie <= 10000; cookie += 2)
		assert_true(open_conns_take(set, cookie, &conn));
	assert_int_equal(sweep(set, NULL, 0, false, gone, 8), 0);
	open_conns_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gone_twice_in_a_row),
	    cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
