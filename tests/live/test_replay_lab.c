/* A trunk failure recorded for real on loopback (tests/live/lab/trunk_capture.sh: sipp peers,
 * tcpdump, openssl s_server/s_client with a chain the client cannot complete), then replayed:
 * siptrail must name the lost BYE, the incomplete chain on the reverse connection and the idle
 * close that made the connection reverse, from the capture alone. Needs root (tcpdump). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/live_env.h"
#include "siptrail_cmd.h"
#include "call_index.h"
#include "../lib/test_children.h"

#define CID "stpost-trunk-call-1@127.0.0.2"

static char dir[] = "/tmp/stpost-lab-XXXXXX";
static bool dir_made;
static char out[1 << 18];

/* Records the capture once, for the first test that runs (live_env_require skips before). */
static void ensure_recorded(void)
{
	static bool recorded;
	char cmd[256];

	live_env_require();
	if (recorded)
		return;
	assert_non_null(mkdtemp(dir));
	dir_made = true;
	snprintf(cmd, sizeof(cmd), "tests/live/lab/trunk_capture.sh %s >%s/script.log 2>&1", dir,
		 dir);
	if (system(cmd)) {
		snprintf(cmd, sizeof(cmd), "cat %s/script.log %s/*.log", dir, dir);
		(void)!system(cmd);
		fail_msg("tests/live/lab/trunk_capture.sh failed");
	}
	recorded = true;
}

static int cleanup(void **state)
{
	char cmd[256];

	(void)state;
	if (!dir_made)
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* The events of the capture, with this host inferred (it talks to both peers). */
static void test_events_from_capture(void **state)
{
	struct capture_source_options options = {0};
	struct event_list l;
	char path[128], ca[128];
	unsigned sips = 0, fins_local = 0, alerts = 0;

	(void)state;
	ensure_recorded();
	snprintf(path, sizeof(path), "%s/trunk.pcap", dir);
	snprintf(ca, sizeof(ca), "%s/root.pem", dir);
	options.ca_file = ca;
	assert_int_equal(event_load("test", path, &options, &l), 0);
	assert_string_equal(ip_addr_text(&l.input.capture.local_addr).text, "127.0.0.1");
	assert_true(l.input.capture.local_inferred);
	for (size_t i = 0; i < l.count; i++) {
		const struct event *ev = &l.events[i];
		sips += ev->kind == EV_SIP;
		if (ev->kind == EV_CONN_END && ev->conn == 1) {
			assert_int_equal(ev->conn_ev.how, CLOSE_FIN);
			fins_local += ev->conn_ev.closed_by == SIDE_LOCAL;
			assert_true(ev->conn_ev.idle_ns > 5000000000ull); /* 6 s hold */
		}
		if (ev->kind == EV_CONN_OPEN && ev->conn == 2) {
			assert_int_equal(ev->conn_ev.direction, DIR_OUT);
			assert_int_equal(ev->conn_ev.remote.port, 5061);
		}
		if (ev->kind == EV_TLS_ALERT) {
			alerts++;
			assert_int_equal(ev->alert.from, SIDE_LOCAL);
			assert_string_equal(ev->alert.description, "unknown_ca");
		}
		if (ev->kind == EV_TLS_CHAIN) {
			assert_int_equal(ev->chain.verdict, CHAIN_INCOMPLETE);
			assert_string_equal(ev->chain.missing_issuer, "CN=stpost Intermediate CA");
		}
		if (ev->kind == EV_TLS_HANDSHAKE) {
			assert_false(ev->handshake.ok);
			assert_true(ev->handshake.client);
			assert_string_equal(ev->handshake.error, "certificate verify failed");
			assert_string_equal(ev->handshake.verify_error,
					    "unable to get local issuer certificate");
		}
	}
	assert_true(sips >= 8); /* INVITE 200 ACK on each leg, BYE, 477; UDP may retransmit */
	assert_int_equal(fins_local, 1);
	assert_int_equal(alerts, 1);
	event_list_free(&l);
}

/* explain, correlate and timeline straight on the capture. */
static void test_diagnosis_from_capture(void **state)
{
	char args[512];

	(void)state;
	ensure_recorded();
	snprintf(args, sizeof(args), "explain %s/trunk.pcap --ca-file %s/root.pem", dir, dir);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "call " CID));
	assert_non_null(
	    strstr(out, "chain: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "missing CN=stpost Intermediate CA"));
	assert_non_null(strstr(out, "closed by this host after 6 s idle"));
	assert_non_null(strstr(out, "1 call(s), 1 failed"));

	/* the same through a journal: replay --write, then explain the journal */
	snprintf(args, sizeof(args),
		 "replay %s/trunk.pcap --ca-file %s/root.pem --write %s/trunk.jsonl", dir, dir,
		 dir);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	snprintf(args, sizeof(args), "explain %s/trunk.jsonl", dir);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 1);
	assert_non_null(
	    strstr(out, "chain: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE"));

	snprintf(args, sizeof(args), "timeline %s/trunk.pcap --ca-file %s/root.pem --failed", dir,
		 dir);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "TLS handshake FAILED"));
	assert_non_null(strstr(out, "FIN by this host (conn 1)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_events_from_capture),
	    unit_test_with_children(test_diagnosis_from_capture),
	};
	return cmocka_run_group_tests(tests, NULL, cleanup);
}
