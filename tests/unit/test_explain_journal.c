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

/* The same call with a healthy call 90 minutes later in the journal: the first call's
 * connections ended more than an hour before the input ends, when it is retired. */
static void test_later_call_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(
	    run("tests/data/bye_failed_then_call_90_min_later.jsonl", out, sizeof(out)), 1);
	assert_non_null(
	    strstr(out, "chain: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "missing CN=Carrier Intermediate CA"));
	assert_non_null(strstr(out, "2 call(s), 1 failed"));
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
	    1); /* a call asked for that is not there */
	assert_non_null(strstr(out, "0 call(s)"));
	assert_non_null(strstr(out, "siptrail explain: call 'nosuch' is not in "
				    "tests/data/bye_failed_incomplete_chain.jsonl\n"));
}

static void test_usage_and_io_errors(void **state)
{
	(void)state;
	assert_int_equal(run("", out, sizeof(out)), 2);
	assert_int_equal(run("/nonexistent/journal.jsonl", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "No such file"));
	assert_int_equal(run("--t1-ms 0 tests/data/bye_reverse_ok.jsonl", out, sizeof(out)), 2);
}

/* Journals that `siptrail live` wrote on the sbc in the lab (tools/lab/cases, build/lab/CASE/
 * journal.jsonl). */

/* c-no-reuse-new-conn: the carrier opens its own connection for its BYE, the sbc's leaf-only
 * server chain is rejected (unknown_ca from the carrier); the sbc never sees the BYE. */
static void test_lab_peer_bye_lost(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/lab-c-no-reuse-new-conn.jsonl", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "chain: BYE_FAILED <- TLS_UNTRUSTED\n"));
	assert_non_null(strstr(out, "an in-dialog request from 10.99.0.2 (most likely its BYE"));
	assert_non_null(strstr(out, "alert unknown_ca sent by the peer"));
	assert_non_null(strstr(out, "until the trace ended"));
	assert_null(strstr(out, "IDLE_CLOSE_REVERSE"));
}

/* d-timer-uas-update: the sbc side refreshes by UPDATE (refresher=uac in each refresh, RFC
 * 4028 §7.4) every 2 s over the carrier's connection: healthy, no warning. */
static void test_lab_refreshes_healthy(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/lab-d-timer-uas-update.jsonl", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "1 call(s), 0 failed, 0 with warnings only"));
}

/* demo-carrier-in-leaf-only (make demo): the carrier called in, the sbc closed the idle
 * connection, its BYE went on a reverse connection; TLS 1.3, so the carrier's rejection of
 * the sbc's leaf-only client certificate came after the sbc's handshake call returned
 * (after_handshake) and the BYE was written into it. conn_close gives the idle close. The
 * sbc's Kamailio answered the PBX's BYE 408, and that is the BYE explained. */
static void test_lab_demo_client_cert_after_handshake(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/lab-demo-carrier-in-leaf-only.jsonl", out, sizeof(out)),
			 1);
	assert_non_null(strstr(out, "chain: BYE_FAILED <- TLS_CLIENT_CERT <- IDLE_CLOSE_REVERSE"));
	/* the PBX's BYE got Kamailio's 408 (a fact seen) rather than the carrier-side BYE that
	 * was still unanswered when the trace ended */
	assert_non_null(strstr(out, "final response 408"));
	assert_non_null(strstr(out, "failed after the handshake call had returned success: tlsv1 "
				    "alert unknown ca"));
	assert_non_null(
	    strstr(out, "(opened by the peer) was closed by this host after 11 s idle"));
}

/* b-leaf-only-tls12: the sbc called out and closed the idle connection; the carrier's BYE
 * came on its own connection, where the sbc (server) sent only its leaf (visible in TLS 1.2):
 * the BYE itself never reached the sbc. */
static void test_lab_peer_bye_lost_incomplete_chain(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/lab-b-leaf-only-tls12.jsonl", out, sizeof(out)), 1);
	assert_non_null(
	    strstr(out, "chain: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "missing CN=Lab SBC Intermediate CA"));
	assert_non_null(strstr(out, "(inferred: the request itself was never seen)"));
}

/* d-timer-refresh-lost: the carrier, refresher, could not open its connection for the UPDATE
 * at SE/2. The full journal runs past the expiry deadline (the session timer's own
 * REFRESH_FAILED); the same journal cut 5 s after the failure ends before the deadline (the
 * inferred one). The PBX leg's missing refresh is the same failure, not a REFRESH_MISSED. */
static void test_lab_refresh_lost(void **state)
{
	(void)state;
	assert_int_equal(run("tests/data/lab-d-timer-refresh-lost.jsonl", out, sizeof(out)), 1);
	assert_non_null(
	    strstr(out, "chain: REFRESH_FAILED <- TLS_UNTRUSTED <- IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "connection for the refresh could not be made"));
	assert_null(strstr(out, "REFRESH_MISSED"));
	assert_null(strstr(out, "BYE_FAILED"));
	assert_int_equal(run("tests/data/lab-d-timer-refresh-lost-short.jsonl", out, sizeof(out)),
			 1);
	assert_non_null(
	    strstr(out, "chain: REFRESH_FAILED <- TLS_UNTRUSTED <- IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "the session refresh by 10.99.0.2 (the refresher) could not "
				    "reach this host"));
	assert_null(strstr(out, "REFRESH_MISSED"));
	assert_null(strstr(out, "BYE_FAILED"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bye_failed_incomplete_chain),
	    cmocka_unit_test(test_later_call_changes_nothing),
	    cmocka_unit_test(test_idle_close_from_conn_close_alone),
	    cmocka_unit_test(test_reverse_ok_is_not_a_failure),
	    cmocka_unit_test(test_refresh_missed),
	    cmocka_unit_test(test_refresh_failed_connect_refused),
	    cmocka_unit_test(test_json_and_call_id),
	    cmocka_unit_test(test_usage_and_io_errors),
	    cmocka_unit_test(test_lab_peer_bye_lost),
	    cmocka_unit_test(test_lab_refreshes_healthy),
	    cmocka_unit_test(test_lab_demo_client_cert_after_handshake),
	    cmocka_unit_test(test_lab_peer_bye_lost_incomplete_chain),
	    cmocka_unit_test(test_lab_refresh_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
