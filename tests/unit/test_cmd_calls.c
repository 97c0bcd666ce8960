/* `siptrail calls` end to end on the journals in tests/data: the line per call, --json, stdin
 * and the exit codes. Runs SIPTRAIL_BIN (default build/siptrail). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/siptrail_cmd.h"

static char out[65536];

/* Runs `siptrail calls ARGS` (stderr included); returns the exit status. */
static int run(const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "calls %s", args);
	return siptrail_cmd(cmd, out, sizeof(out));
}

static unsigned count_lines(const char *text)
{
	unsigned n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static void test_failed_call_line(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/bye_failed_incomplete_chain.jsonl"), 1);
	assert_int_equal(count_lines(out), 2); /* the call and the summary */
	assert_non_null(strstr(out, "2025-11-27 10:40:00.010  last 2025-11-27 10:45:00.033"));
	assert_non_null(strstr(out, "a84b4c76e66710@198.51.100.20  hung up by 10.0.0.5"));
	assert_non_null(
	    strstr(out, "leg 198.51.100.20 tls conn 1, failed conn 2 SE 1800 s refresher peer"));
	assert_non_null(strstr(out, "leg 10.0.0.5 udp SE 1800 s refresher this host"));
	assert_non_null(
	    strstr(out, "verdict BYE_FAILED TLS_INCOMPLETE_CHAIN IDLE_CLOSE_REVERSE\n"));
	assert_non_null(strstr(out, "1 call(s), 1 failed; 20 events"));
}

static void test_healthy_call_with_reverse_conn(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/bye_reverse_ok.jsonl"), 0);
	assert_non_null(strstr(out, "  end 2025-11-27 10:45:00.081    300.1 s"));
	assert_non_null(strstr(out, "tls conn 1..2 (2 conns)"));
	assert_non_null(strstr(out, "verdict RISK_IDLE_TIMEOUT(warning)\n"));
	assert_non_null(strstr(out, "1 call(s), 0 failed"));
}

static void test_session_timer_verdicts(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/refresh_missed_expired.jsonl"), 1);
	assert_non_null(strstr(out, "SE 90 s refresher peer, 0 refresh(es)"));
	assert_non_null(strstr(out, "verdict REFRESH_MISSED SESSION_EXPIRED\n"));
	assert_int_equal(run("- < tests/data/refresh_failed_connect_refused.jsonl"), 1);
	assert_non_null(strstr(out, "SE 300 s refresher this host"));
	assert_non_null(strstr(out, "REFRESH_FAILED CONNECT_FAILED IDLE_CLOSE_REVERSE"));
}

static void test_json(void **state)
{
	json_error_t error;
	json_t *obj, *legs;
	(void)state;
	assert_int_equal(run("--json tests/data/bye_reverse_ok.jsonl"), 0);
	assert_int_equal(count_lines(out), 1);
	obj = json_loads(out, 0, &error);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "call_id")),
			    "a84b4c76e66710@198.51.100.20");
	assert_true(json_is_true(json_object_get(obj, "ended")));
	assert_false(json_is_true(json_object_get(obj, "failed")));
	assert_string_equal(json_string_value(json_object_get(obj, "hung_up_from")), "10.0.0.5");
	legs = json_object_get(obj, "legs");
	assert_int_equal(json_array_size(legs), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(legs, 0), "conns_used")),
			 2);
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(json_array_get(legs, 0), "session_timer"), "session_expires_s")),
	    1800);
	assert_string_equal(json_string_value(json_array_get(json_object_get(obj, "verdict"), 0)),
			    "RISK_IDLE_TIMEOUT");
	assert_int_equal(json_array_size(json_object_get(json_array_get(legs, 0), "failed_conns")),
			 0);
	json_decref(obj);
	assert_int_equal(run("--json tests/data/refresh_failed_connect_refused.jsonl"), 1);
	obj = json_loads(out, 0, &error);
	assert_non_null(obj);
	legs = json_object_get(obj, "legs");
	assert_int_equal(json_integer_value(json_array_get(
			     json_object_get(json_array_get(legs, 0), "failed_conns"), 0)),
			 2);
	assert_true(json_is_true(json_object_get(obj, "failed")));
	json_decref(obj);
}

static void test_usage_and_io_errors(void **state)
{
	(void)state;
	assert_int_equal(run(""), 2);
	assert_int_equal(run("--help"), 0);
	assert_non_null(strstr(out, "usage: siptrail calls JOURNAL"));
	assert_int_equal(run("/nonexistent/journal.jsonl"), 2);
	assert_non_null(strstr(out, "siptrail calls: /nonexistent/journal.jsonl: No such file"));
	assert_int_equal(run("--t1-ms x tests/data/bye_reverse_ok.jsonl"), 2);
	assert_int_equal(run("- < /dev/null"), 0);
	assert_non_null(strstr(out, "0 call(s), 0 failed; 0 events"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_failed_call_line),
	    cmocka_unit_test(test_healthy_call_with_reverse_conn),
	    cmocka_unit_test(test_session_timer_verdicts),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_usage_and_io_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
