/* siptrail live on a kernel that lacks things: SIPTRAIL_HIDE_TRACEPOINTS makes tracepoints
 * look absent (userspace/sources/kernel_facts.c), so what older kernels lose is said, one line
 * each, and what remains still traces; the same notices are asserted on real older kernels in the
 * QEMU guests (tests/kernels). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_cmd.h"
#include "../lib/siptrail_run.h"
#include "../lib/tcp_pair.h"
#include "../lib/test_children.h"

#define PORT_NOTICES "25140"
#define PORT_TRACED  25141
#define PORT_FATAL   "25142"
/* What 6.1 lacks, and two optional tracepoints every supported kernel has, for their notices. */
#define HIDDEN "sock_send_length,sock_recv_length,tcp_send_reset,inet_sk_error_report"

static void assert_said(const char *out, const char *line)
{
	if (!strstr(out, line))
		fail_msg("siptrail did not say \"%s\"; it printed:\n%s", line, out);
}

static void test_one_notice_per_loss(void **state)
{
	char out[8192];

	(void)state;
	live_env_require();
	setenv("SIPTRAIL_HIDE_TRACEPOINTS", HIDDEN, 1);
	assert_int_equal(
	    siptrail_cmd("live --duration 0.5 --ports " PORT_NOTICES, out, sizeof(out)), 0);
	unsetenv("SIPTRAIL_HIDE_TRACEPOINTS");
	assert_said(out, "siptrail live: without tracepoint sock_send_length: no close_notify "
			 "timing");
	assert_said(out,
		    "siptrail live: without tracepoint tcp_send_reset: resets this host sends");
	assert_said(out,
		    "siptrail live: without tracepoint inet_sk_error_report: no socket errors");
	assert_said(out,
		    "siptrail live: without the sock_send_length tracepoint (kernels after "
		    "6.1): SSL objects are tied to their connections through the socket system "
		    "calls");
	assert_said(out, "tracing TCP ports " PORT_NOTICES);
	/* the two send/receive tracepoints share one loss: said once */
	assert_null(strstr(out, "without tracepoint sock_recv_length"));
}

static void test_traces_without_optional_tracepoints(void **state)
{
	char port[8];
	const char *args[] = {"--ports", port, NULL};
	struct siptrail_run run;
	json_t *events, *end;

	(void)state;
	live_env_require();
	live_netns_enter();
	snprintf(port, sizeof(port), "%d", PORT_TRACED);
	setenv("SIPTRAIL_HIDE_TRACEPOINTS", HIDDEN, 1);
	siptrail_start(&run, NULL, args);
	unsetenv("SIPTRAIL_HIDE_TRACEPOINTS");
	tcp_pair_once("127.0.0.1", PORT_TRACED);
	events = siptrail_stop(&run);
	event_require(events, "conn_open", "out", PORT_TRACED);
	end = event_require(events, "conn_end", "in", PORT_TRACED);
	assert_string_equal(event_str(end, "closed_by"), "peer");
	json_decref(events);
}

/* Without the one tracepoint socket lifetimes need, siptrail stops and says why. */
static void test_required_tracepoint_missing_fails(void **state)
{
	char out[4096];

	(void)state;
	live_env_require();
	setenv("SIPTRAIL_HIDE_TRACEPOINTS", "inet_sock_set_state", 1);
	assert_int_equal(siptrail_cmd("live --duration 0.5 --ports " PORT_FATAL, out, sizeof(out)),
			 2);
	unsetenv("SIPTRAIL_HIDE_TRACEPOINTS");
	assert_said(out, "this kernel has no tracepoint inet_sock_set_state, without which no "
			 "connection can be traced");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_one_notice_per_loss),
	    unit_test_with_children(test_traces_without_optional_tracepoints),
	    unit_test_with_children(test_required_tracepoint_missing_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
