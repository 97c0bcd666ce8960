/* The close_notify idle rule where siptrail learns which ports carry TLS. The socket tracer
 * times sends and receives only on TLS ports when a marker runs (bpf/tls_ports.h): the
 * libssl probe marks a port at its first SSL call there, the wire path at the first TLS
 * hello it sees. An SBC's idle timer sends close_notify just before its FIN; conn_close
 * must still say how long the connection sat idle, not 0 s. On a plain-TCP port a small
 * last message (a CRLF keepalive) is traffic like any other. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/ssl_pki.h"
#include "../lib/tcp_pair.h"
#include "../lib/tls_peer.h"

#define PORT_PROBE_MARKS 25112
#define PORT_WIRE_MARKS	 25113
#define PORT_PLAIN	 25114
#define IDLE_S		 2
#define NSEC_PER_SEC	 1000000000LL
#define WAIT_MS		 ((IDLE_S + 10) * 1000)

static const char request[] = "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
static const char response[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

/* A TLS request and response on PORT, then the server's idle timer: close_notify after
 * IDLE_S s, and close. Both ends must report IDLE_S s idle. */
static void tls_idle_close(uint16_t port, const char **args)
{
	struct tls_peer_opts server = {.server = true,
				       .port = port,
				       .expect_len = sizeof(request) - 1,
				       .send = response,
				       .send_len = sizeof(response) - 1,
				       .idle_close_ms = IDLE_S * 1000};
	struct tls_peer_opts client = {.port = port,
				       .send = request,
				       .send_len = sizeof(request) - 1,
				       .expect_len = sizeof(response) - 1,
				       .wait_close = true};
	struct tls_peer_result server_result, client_result;
	struct siptrail_run run;
	struct ssl_pki pki;
	const json_t *conn_close;
	json_t *events;

	live_env_require();
	assert_int_equal(ssl_pki_make(&pki), 0);
	server.cert_chain = pki.server_chain;
	server.key = pki.server_key;
	client.ca_file = pki.root;
	siptrail_start(&run, NULL, args);
	assert_int_equal(
	    tls_peer_pair_run(&server, &client, WAIT_MS, &server_result, &client_result), 0);
	ssl_pki_remove(&pki);
	assert_int_equal(server_result.exit_status, 0);
	assert_int_equal(client_result.exit_status, 0);
	usleep(200 * 1000);
	events = siptrail_stop(&run);

	conn_close = event_require(events, "conn_close", "in", port);
	assert_string_equal(event_str(conn_close, "closed_by"), "local");
	assert_string_equal(event_str(conn_close, "how"), "fin");
	event_assert_idle_about(conn_close, IDLE_S);
	conn_close = event_require(events, "conn_close", "out", port);
	assert_string_equal(event_str(conn_close, "closed_by"), "peer");
	event_assert_idle_about(conn_close, IDLE_S);
	json_decref(events);
}

/* The libssl probe ties the SSL objects to their sockets and marks the port. */
static void test_probe_marks_tls_port(void **state)
{
	const char *args[] = {"--ports", "25112", "--no-wire", NULL};

	(void)state;
	tls_idle_close(PORT_PROBE_MARKS, args);
}

/* Without the probe (any TLS library), the wire path's TLS hello marks the port. */
static void test_wire_marks_tls_port(void **state)
{
	const char *args[] = {"--ports", "25113", "--no-tls", NULL};

	(void)state;
	tls_idle_close(PORT_WIRE_MARKS, args);
}

/* Plain TCP, nothing marks the port: the client's CRLF keepalive (RFC 5626 §4.4.1) right
 * before the server closes is the last traffic, so the connection was not idle. */
static void test_plain_port_keepalive_is_traffic(void **state)
{
	const char *args[] = {"--ports", "25114", NULL};
	struct siptrail_run run;
	int listener, client, server;
	char buf[8];
	const json_t *conn_close;
	json_t *events;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	listener = tcp_listen("127.0.0.1", PORT_PLAIN);
	client = tcp_connect("127.0.0.1", PORT_PLAIN);
	assert_true(client >= 0);
	server = tcp_accept(listener);
	tcp_exchange(client, server);
	sleep(IDLE_S);
	assert_int_equal(write(client, "\r\n\r\n", 4), 4);
	assert_int_equal(read(server, buf, sizeof(buf)), 4);
	close(server);
	assert_int_equal(read(client, buf, sizeof(buf)), 0);
	close(client);
	close(listener);
	usleep(200 * 1000);
	events = siptrail_stop(&run);

	conn_close = event_require(events, "conn_close", "in", PORT_PLAIN);
	assert_string_equal(event_str(conn_close, "closed_by"), "local");
	if (event_int(conn_close, "idle_ns") > NSEC_PER_SEC / 5)
		fail_msg("idle_ns %lld after a keepalive, want about 0",
			 (long long)event_int(conn_close, "idle_ns"));
	json_decref(events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe_marks_tls_port),
	    cmocka_unit_test(test_wire_marks_tls_port),
	    cmocka_unit_test(test_plain_port_keepalive_is_traffic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
