/* The close_notify idle rule where siptrail learns which ports carry TLS. The socket tracer
 * times sends and receives only on TLS ports when a marker runs (bpf/tls_ports.h), hooking
 * them only from the first marked port on: the libssl probe marks a port at its first SSL
 * call there, the wire path at the first TLS hello it sees; once the libssl probe's own
 * send/receive programs run, they time the I/O in its place (one program per tracepoint).
 * An SBC's idle timer sends
 * close_notify just before its FIN; conn_close must still say how long the connection sat
 * idle, not 0 s. On a plain-TCP port a small last message (a CRLF keepalive) is traffic like
 * any other. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/tcp_pair.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORT_PROBE_MARKS 25112
#define PORT_WIRE_MARKS	 25113
#define PORT_PLAIN	 25114
#define PORT_MARKED_LATE 25115
#define PORT_ALERT_READ	 25116
#define IDLE_S		 2
#define NSEC_PER_SEC	 1000000000LL
#define WAIT_MS		 ((IDLE_S + 10) * 1000)

static const char request[] = "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
static const char response[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

/* Whether the TLS sockets' I/O is timed by one program per tracepoint: the libssl probe's
 * (BY_LIBSSL_PROBE: it does the socket tracer's timing, whose own programs are detached), or
 * the socket tracer's. */
static bool io_timed_once(bool by_libssl_probe)
{
	bool probe_send = live_program_linked("on_sock_send");
	bool probe_recv = live_program_linked("on_sock_recv");
	bool tracer_send = live_program_linked("on_send_length");
	bool tracer_recv = live_program_linked("on_recv_length");

	return by_libssl_probe ? probe_send && probe_recv && !tracer_send && !tracer_recv
			       : tracer_send && tracer_recv && !probe_send && !probe_recv;
}

/* A TLS request and response on PORT, then the server's idle timer: close_notify after
 * IDLE_S s, and close. Both ends must report IDLE_S s idle. */
static void tls_idle_close(uint16_t port, const char **args, bool by_libssl_probe)
{
	struct tls_peer_opts server, client;
	struct siptrail_run run;
	const json_t *conn_close;
	json_t *events;
	bool linked;

	live_env_require();
	tls_peer_exchange(port, request, response, &server, &client);
	server.idle_close_ms = IDLE_S * 1000;
	client.wait_close = true;
	siptrail_start(&run, NULL, args);
	assert_int_equal(tls_peer_pair_run_pki(&server, &client, WAIT_MS), 0);
	usleep(200 * 1000);
	linked = io_timed_once(by_libssl_probe);
	events = siptrail_stop(&run);
	assert_true(linked);

	conn_close = event_require(events, "conn_close", "in", port);
	assert_string_equal(event_str(conn_close, "closed_by"), "local");
	assert_string_equal(event_str(conn_close, "how"), "fin");
	event_assert_idle_about(conn_close, IDLE_S);
	conn_close = event_require(events, "conn_close", "out", port);
	assert_string_equal(event_str(conn_close, "closed_by"), "peer");
	event_assert_idle_about(conn_close, IDLE_S);
	json_decref(events);
}

/* The libssl probe ties the SSL objects to their sockets and marks the port, and its own
 * send/receive programs time the I/O: one program per tracepoint. */
static void test_probe_marks_tls_port(void **state)
{
	const char *args[] = {"--ports", "25112", "--no-wire", NULL};

	(void)state;
	tls_idle_close(PORT_PROBE_MARKS, args, true);
}

/* Without the probe (any TLS library), the wire path's TLS hello marks the port. */
static void test_wire_marks_tls_port(void **state)
{
	const char *args[] = {"--ports", "25113", "--no-tls", NULL};

	(void)state;
	tls_idle_close(PORT_WIRE_MARKS, args, false);
}

/* Plain TCP, nothing marks the port: the client's CRLF keepalive (RFC 5626 §4.4.1) right
 * before the server closes is the last traffic, so the connection was not idle, and siptrail
 * ran nothing per message (libssl probe included: nobody made an SSL call). */
static void test_plain_port_keepalive_is_traffic(void **state)
{
	const char *args[] = {"--ports", "25114", NULL};
	struct siptrail_run run;
	int listener, client, server;
	char buf[8];
	const json_t *conn_close;
	json_t *events;
	bool linked;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_open("127.0.0.1", PORT_PLAIN, &listener, &client, &server);
	sleep(IDLE_S);
	assert_int_equal(write(client, "\r\n\r\n", 4), 4);
	assert_int_equal(read(server, buf, sizeof(buf)), 4);
	close(server);
	assert_int_equal(read(client, buf, sizeof(buf)), 0);
	close(client);
	close(listener);
	usleep(200 * 1000);
	/* neither the socket tracer's nor the libssl probe's: no process here used libssl */
	linked = live_program_linked("on_send_length") || live_program_linked("on_recv_length") ||
		 live_program_linked("on_sock_send") || live_program_linked("on_sock_recv");
	events = siptrail_stop(&run);
	assert_false(linked);

	conn_close = event_require(events, "conn_close", "in", PORT_PLAIN);
	assert_string_equal(event_str(conn_close, "closed_by"), "local");
	if (event_int(conn_close, "idle_ns") > NSEC_PER_SEC / 5)
		fail_msg("idle_ns %lld after a keepalive, want about 0",
			 (long long)event_int(conn_close, "idle_ns"));
	json_decref(events);
}

static long long monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * NSEC_PER_SEC + now.tv_nsec;
}

/* A connection whose traffic passed before its port was known to carry TLS (here a TLS
 * connection on the same port comes after it; in life the first handshake on a port, or a
 * connection older than the trace). Its server then sends a close_notify-sized record and
 * FIN after IDLE_S s; the client has not read it when the FIN arrives. Both ends must still
 * measure the silence, from the kernel's last-data times. */
static void test_port_marked_after_traffic(void **state)
{
	const char *args[] = {"--ports", "25115", "--no-wire", NULL};
	static const char alert[24] = {0x17, 0x03, 0x03, 0x00, 0x13}; /* TLS 1.3 close_notify */
	struct tls_peer_opts tls_server = {.server = true,
					   .port = PORT_MARKED_LATE,
					   .expect_len = sizeof(request) - 1,
					   .send = response,
					   .send_len = sizeof(response) - 1};
	struct tls_peer_opts tls_client = {.port = PORT_MARKED_LATE,
					   .send = request,
					   .send_len = sizeof(request) - 1,
					   .expect_len = sizeof(response) - 1};
	struct siptrail_run run;
	int listener, client, server;
	long long traffic_ns, idle_ns, want_ns;
	char buf[64];
	json_t *events;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_open("127.0.0.1", PORT_MARKED_LATE, &listener, &client, &server);
	traffic_ns = monotonic_ns();
	close(listener); /* the TLS server listens on the port next */
	assert_int_equal(tls_peer_pair_run_pki(&tls_server, &tls_client, WAIT_MS), 0);
	sleep(IDLE_S);
	want_ns = monotonic_ns() - traffic_ns;
	assert_int_equal(write(server, alert, sizeof(alert)), sizeof(alert));
	assert_int_equal(shutdown(server, SHUT_WR), 0);
	usleep(100 * 1000); /* the FIN lands before the client reads */
	assert_int_equal(read(client, buf, sizeof(buf)), sizeof(alert));
	close(server);
	close(client);
	usleep(200 * 1000);
	events = siptrail_stop(&run);

	/* the plain pair closes after the TLS pair: the last conn_close of each direction */
	for (size_t i = 0; i < 2; i++) {
		const char *direction = i ? "out" : "in";
		size_t index;
		json_t *event, *last = NULL;

		json_array_foreach(events, index,
				   event) if (event_matches(event, "conn_close", direction,
							    PORT_MARKED_LATE)) last = event;
		assert_non_null(last);
		idle_ns = event_int(last, "idle_ns");
		if (idle_ns < want_ns - NSEC_PER_SEC / 5 || idle_ns > want_ns + NSEC_PER_SEC / 2)
			fail_msg("%s: idle_ns %lld, want about %lld", direction, idle_ns, want_ns);
	}
	json_decref(events);
}

/* The lab's carrier closes an idle trunk connection (idle-carrier-in-sbc-bye): its last data
 * (an ACK) came after this host's last send, then, IDLE_S s later, its close_notify, which
 * this host reads before the peer's FIN arrives. From sends alone (the kernel's byte count and
 * last-receive time) the alert cannot be told from the data before it, and the close looked
 * 0 s idle; the receive hook times it. The server must report the silence, not the few ms
 * between the alert and the FIN. */
static void test_alert_read_before_fin(void **state)
{
	const char *args[] = {"--ports", "25116", "--no-wire", NULL};
	static const char alert[24] = {0x17, 0x03, 0x03, 0x00, 0x13}; /* TLS 1.3 close_notify */
	static const char data[200] = {0x17, 0x03, 0x03, 0x00, 0xc3};
	struct tls_peer_opts tls_server = {.server = true,
					   .port = PORT_ALERT_READ,
					   .expect_len = sizeof(request) - 1,
					   .send = response,
					   .send_len = sizeof(response) - 1};
	struct tls_peer_opts tls_client = {.port = PORT_ALERT_READ,
					   .send = request,
					   .send_len = sizeof(request) - 1,
					   .expect_len = sizeof(response) - 1};
	struct siptrail_run run;
	int listener, client, server;
	long long sent_ns, want_ns;
	char buf[256];
	const json_t *conn_close;
	json_t *events;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_open("127.0.0.1", PORT_ALERT_READ, &listener, &client, &server);
	close(listener); /* the TLS pair marks the port as TLS */
	assert_int_equal(tls_peer_pair_run_pki(&tls_server, &tls_client, WAIT_MS), 0);
	assert_int_equal(write(server, data, sizeof(data)), sizeof(data));
	sent_ns = monotonic_ns();
	assert_int_equal(read(client, buf, sizeof(buf)), sizeof(data));
	usleep(20 * 1000);
	assert_int_equal(write(client, data, sizeof(data)), sizeof(data)); /* the ACK */
	assert_int_equal(read(server, buf, sizeof(buf)), sizeof(data));
	sleep(IDLE_S);
	want_ns = monotonic_ns() - sent_ns;
	assert_int_equal(write(client, alert, sizeof(alert)), sizeof(alert));
	assert_int_equal(read(server, buf, sizeof(buf)), sizeof(alert)); /* read before the FIN */
	usleep(50 * 1000);
	assert_int_equal(shutdown(client, SHUT_WR), 0);
	usleep(100 * 1000);
	close(server);
	close(client);
	usleep(200 * 1000);
	events = siptrail_stop(&run);

	conn_close = NULL;
	{
		size_t index;
		json_t *event;

		json_array_foreach(events, index, event) if (event_matches(event, "conn_close",
									   "in", PORT_ALERT_READ))
		    conn_close = event;
	}
	assert_non_null(conn_close);
	assert_string_equal(event_str(conn_close, "closed_by"), "peer");
	if (event_int(conn_close, "idle_ns") < want_ns - NSEC_PER_SEC / 5 ||
	    event_int(conn_close, "idle_ns") > want_ns + NSEC_PER_SEC / 2)
		fail_msg("idle_ns %lld, want about %lld",
			 (long long)event_int(conn_close, "idle_ns"), want_ns);
	json_decref(events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_probe_marks_tls_port),
	    unit_test_with_children(test_wire_marks_tls_port),
	    unit_test_with_children(test_plain_port_keepalive_is_traffic),
	    unit_test_with_children(test_port_marked_after_traffic),
	    unit_test_with_children(test_alert_read_before_fin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
