/* siptrail live with the libssl probe and TLS plaintext: a traced port that carries TLS whose
 * plaintext is not SIP (a health check, another protocol, a peer speaking garbage) ends with
 * bytes the SIP framer still holds, and siptrail must keep running and exit cleanly (it once
 * crashed at such a conn_end); and a TLS server already running when siptrail starts has its
 * first message read, not lost to the lazy attachment of the socket I/O programs. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/ssl_pki.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORT	     25111
#define PORT_TEXT    "25111"
#define PORT_RUNNING 25112
#define OPTIONS                                                                                    \
	"OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS "                                 \
	"127.0.0.1:5061;branch=z9hG4bK-1\r\n"                                                      \
	"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: running-1\r\n"     \
	"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
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

/* Whether the programs that tie SSL objects to sockets are linked (tracepoints or, on kernels
 * without them, the system call fallback). */
static bool io_hooks_linked(void)
{
	return live_program_linked("on_sock_send") || live_program_linked("on_sys_sendto");
}

/* The server listens (and so made its SSL_CTX) before siptrail starts: its first libssl call
 * siptrail sees is the handshake, and the message read right after it must not depend on how
 * fast the I/O programs get attached. siptrail attaches them at start for such a server. */
static void test_running_server_first_message(void **state)
{
	const char *args[] = {"--ports", "25112", "--no-wire", NULL};
	struct tls_peer_opts server_opts = {.server = true,
					    .port = PORT_RUNNING,
					    .expect_len = sizeof(OPTIONS) - 1,
					    .send = "k",
					    .send_len = 1};
	struct tls_peer_opts client_opts = {.port = PORT_RUNNING,
					    .send = OPTIONS,
					    .send_len = sizeof(OPTIONS) - 1,
					    .expect_len = 1};
	struct tls_peer_result server_result, client_result;
	struct tls_peer server, client;
	struct siptrail_run run;
	struct ssl_pki pki;
	json_t *events, *sip = NULL;
	size_t i;

	(void)state;
	live_env_require();
	live_netns_enter(); /* no other libssl user in scope */
	assert_int_equal(ssl_pki_make(&pki), 0);
	server_opts.cert_chain = pki.server_chain;
	server_opts.key = pki.server_key;
	client_opts.ca_file = pki.root;
	assert_int_equal(tls_peer_start(&server_opts, &server), 0);
	siptrail_start(&run, NULL, args);
	assert_true(io_hooks_linked());
	assert_int_equal(tls_peer_start(&client_opts, &client), 0);
	assert_int_equal(tls_peer_wait(&client, WAIT_MS, &client_result), 0);
	assert_int_equal(tls_peer_wait(&server, WAIT_MS, &server_result), 0);
	ssl_pki_remove(&pki);
	assert_int_equal(client_result.exit_status, 0);
	assert_int_equal(server_result.exit_status, 0);
	events = siptrail_stop(&run);

	/* the server's own read of it, on its side of the connection */
	json_array_foreach(events, i, sip) if (!strcmp(event_str(sip, "event"), "sip") &&
					       !strcmp(event_str(sip, "dir"), "in") &&
					       event_int(sip, "lport") == PORT_RUNNING) break;
	assert_true(i < json_array_size(events));
	assert_non_null(strstr(event_str(sip, "raw"), "Call-ID: running-1"));
	json_decref(events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_non_sip_plaintext),
	    unit_test_with_children(test_running_server_first_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
