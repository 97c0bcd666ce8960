/* `siptrail explain` on the journals in tests/data (shaped like a TLS trunk through an SBC):
 * the printed diagnosis chain, --json, --call-id and the exit codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/siptrail_cmd.h"

/* Runs `siptrail explain ARGS`; returns its exit status, output in OUT. */
static int run(const char *args, char *out, size_t out_len)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "explain %s", args);
	return siptrail_cmd(cmd, out, out_len);
}

static char out[65536];

static void test_bye_failed_incomplete_chain(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/bye_failed_incomplete_chain.jsonl", out, sizeof(out)), 1);
	assert_non_null(
	    strstr(out, "chain: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "missing CN=Carrier Intermediate CA"));
	assert_non_null(strstr(out, "closed by this host after 120 s idle"));
	assert_non_null(strstr(out, "1 call(s), 1 failed"));
}

/* The journal has the conn_close of the idle connection but no conn_end (its socket outlived
 * the close): who closed it and after how long idle is known all the same. */
static void test_idle_close_from_conn_close_alone(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/bye_failed_conn_close_only.jsonl", out, sizeof(out)), 1);
	assert_non_null(
	    strstr(out, "chain: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "closed by this host after 120 s idle"));
	assert_non_null(strstr(out, "0 bad line(s)"));
}

static void test_reverse_ok_is_not_a_failure(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/bye_reverse_ok.jsonl", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "RISK_IDLE_TIMEOUT (warning)"));
	assert_non_null(strstr(out, "such reverse connections have worked"));
	assert_null(strstr(out, "BYE_FAILED"));
}

static void test_refresh_missed(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/refresh_missed_expired.jsonl", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "chain: SESSION_EXPIRED <- REFRESH_MISSED"));
	assert_non_null(strstr(out, "the refresher was the peer (Session-Expires 90 s)"));
}

static void test_refresh_failed_connect_refused(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/refresh_failed_connect_refused.jsonl", out, sizeof(out)),
			 1);
	assert_non_null(strstr(out, "chain: SESSION_EXPIRED <- REFRESH_FAILED <- CONNECT_FAILED "
				    "<- IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "refused, ECONNREFUSED"));
}

static void test_json_and_call_id(void **state)
{
	(void)state;
	assert_int_equal(
	    run("--json tests/data/bye_failed_incomplete_chain.jsonl", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "{\"id\":\"BYE_FAILED\",\"call_id\":"
				    "\"a84b4c76e66710@198.51.100.20\""));
	assert_non_null(strstr(out, "\"causes\":[\"TLS_INCOMPLETE_CHAIN\"]"));
	assert_int_equal(
	    run("--call-id nosuch tests/data/bye_failed_incomplete_chain.jsonl", out, sizeof(out)),
	    0);
	assert_non_null(strstr(out, "0 call(s)"));
}

static void test_usage_and_io_errors(void **state)
{
	(void)state;
	assert_int_equal(run("", out, sizeof(out)), 2);
	assert_int_equal(run("/nonexistent/journal.jsonl", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "No such file"));
	assert_int_equal(run("--t1-ms 0 tests/data/bye_reverse_ok.jsonl", out, sizeof(out)), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bye_failed_incomplete_chain),
	    cmocka_unit_test(test_idle_close_from_conn_close_alone),
	    cmocka_unit_test(test_reverse_ok_is_not_a_failure),
	    cmocka_unit_test(test_refresh_missed),
	    cmocka_unit_test(test_refresh_failed_connect_refused),
	    cmocka_unit_test(test_json_and_call_id),
	    cmocka_unit_test(test_usage_and_io_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
