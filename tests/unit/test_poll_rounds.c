#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "poll_rounds.h"

#define MS 1000000LL

/* No record: an idle host is woken once a second. */
static void test_idle_waits_longest(void **state)
{
	(void)state;
	assert_int_equal(poll_round_wait_ms(0, 100 * MS, false), POLL_ROUND_MAX_MS);
	assert_int_equal(poll_round_wait_ms(0, 0, false), POLL_ROUND_MAX_MS);
}

/* The bench's trunk: 30 connections of six records each in about 0.6 s. */
static void test_few_records_wait_for_more(void **state)
{
	(void)state;
	assert_int_equal(poll_round_wait_ms(30, 100 * MS, false), 853);
	assert_int_equal(poll_round_wait_ms(8, 1000 * MS, false), POLL_ROUND_MAX_MS);
	assert_int_equal(poll_round_wait_ms(POLL_ROUND_RECORDS, 400 * MS, false), 400);
}

/* Connection churn, or a ring buffer that woke the reader: read every 100 ms as before. */
static void test_many_records_read_often(void **state)
{
	(void)state;
	assert_int_equal(poll_round_wait_ms(900, 100 * MS, false), POLL_ROUND_MIN_MS);
	assert_int_equal(poll_round_wait_ms(3000, 2 * MS, false), POLL_ROUND_MIN_MS);
	assert_int_equal(poll_round_wait_ms(1, 0, false), POLL_ROUND_MIN_MS);
}

/* Packets flowing: the packet ring's block timeout no longer wakes the reader, the round's
 * wait does, at most POLL_ROUND_PACKETS_MS however few came. */
static void test_packets_cap_the_wait(void **state)
{
	(void)state;
	assert_int_equal(poll_round_wait_ms(30, 100 * MS, true), POLL_ROUND_PACKETS_MS);
	assert_int_equal(poll_round_wait_ms(1, 86400000 * MS, true), POLL_ROUND_PACKETS_MS);
	/* the lab trunk's rate (about 1,400 records a second) */
	assert_int_equal(poll_round_wait_ms(140, 100 * MS, true), 182);
	assert_int_equal(poll_round_wait_ms(900, 100 * MS, true), POLL_ROUND_MIN_MS);
}

/* Hours without a round (a stopped process, a suspended VM) neither overflow nor wait long. */
static void test_long_gap(void **state)
{
	(void)state;
	assert_int_equal(poll_round_wait_ms(1, 86400000 * MS, false), POLL_ROUND_MAX_MS);
	assert_int_equal(poll_round_wait_ms(2000000000, 86400000 * MS, false), POLL_ROUND_MIN_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_idle_waits_longest),
	    cmocka_unit_test(test_few_records_wait_for_more),
	    cmocka_unit_test(test_many_records_read_often),
	    cmocka_unit_test(test_packets_cap_the_wait),
	    cmocka_unit_test(test_long_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
