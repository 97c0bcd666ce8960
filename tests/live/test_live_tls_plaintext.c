/* siptrail live with the libssl probe on a traced port that carries TLS whose plaintext is not
 * SIP (a health check, another protocol, a peer speaking garbage): the connection ends with
 * bytes the SIP framer still holds. siptrail must keep running and exit cleanly; it once
 * crashed at such a conn_end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORT	     25111
#define PORT_TEXT    "25111"
#define MESSAGES     20
#define MESSAGE_SIZE 600
#define WAIT_MS	     10000

static void test_non_sip_plaintext(void **state)
{
	const char *args[] = {"--ports", PORT_TEXT, "--no-wire", NULL};
	static char garbage[MESSAGES * MESSAGE_SIZE];
	struct tls_peer_opts server = {.server = true,
				       .port = PORT,
				       .expect_len = sizeof(garbage),
				       .send = "k", /* the client waits for it: see tls_peer.h */
				       .send_len = 1};
	struct tls_peer_opts client = {
	    .port = PORT, .send = garbage, .send_len = sizeof(garbage), .expect_len = 1};
	struct siptrail_run run;
	json_t *events;

	(void)state;
	live_env_require();
	memset(garbage, 'x', sizeof(garbage)); /* no line end: the framer keeps waiting */
	siptrail_start(&run, NULL, args);
	assert_int_equal(tls_peer_pair_run_pki(&server, &client, WAIT_MS), 0);
	events = siptrail_stop(&run); /* fails unless siptrail exits 0 */

	assert_int_equal(event_count(events, "tls_handshake", NULL, PORT), 2);
	assert_int_equal(event_count(events, "conn_end", NULL, PORT), 2);
	json_decref(events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_non_sip_plaintext),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
