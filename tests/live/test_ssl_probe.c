/* Live: uprobes on the system's libssl watch real OpenSSL peers on 127.0.0.1:5061 in a private
 * network namespace: handshake roles and results, failure reasons, plaintext and its
 * connection, truncation, the memory-BIO mapping Kamailio needs, and the socket programs
 * attached at the first libssl use (a handshake that beat them is reported late). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "../lib/live_env.h"
#include "../lib/ssl_pki.h"
#include "ssl_probe.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORT	     5061
#define PORT_LATE    25120 /* a second probe's, which the fixture's does not trace */
#define MAX_EVENTS   256
#define PEER_WAIT_MS 10000

static const char options_msg[] = "OPTIONS sip:carrier@server.stssl.test SIP/2.0\r\n"
				  "Via: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-stssl\r\n"
				  "Content-Length: 0\r\n\r\n";
static const char ok_msg[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-stssl\r\n"
			     "Content-Length: 0\r\n\r\n";

struct seen_event {
	struct tls_event ev;
	char error[128];
	char *bytes;
};

static struct {
	bool ready;
	struct ssl_pki pki;
	struct ssl_probe *probe;
	uint32_t netns;
	struct seen_event events[MAX_EVENTS];
	size_t n_events;
} fx;

static void on_event(const struct tls_event *ev, void *ctx)
{
	struct seen_event *seen;

	(void)ctx;
	if (ev->netns != fx.netns || fx.n_events == MAX_EVENTS)
		return;
	seen = &fx.events[fx.n_events++];
	seen->ev = *ev;
	seen->bytes = NULL;
	if (ev->kind == TLS_EVENT_DATA) {
		seen->bytes = malloc(ev->data.len + 1);
		memcpy(seen->bytes, ev->data.bytes, ev->data.len);
		seen->bytes[ev->data.len] = '\0';
		seen->ev.data.bytes = (const uint8_t *)seen->bytes;
	}
}

static void events_clear(void)
{
	for (size_t i = 0; i < fx.n_events; i++)
		free(fx.events[i].bytes);
	fx.n_events = 0;
}

/* Whether the programs that tie SSL objects to sockets run: the send/receive tracepoints, or
 * on kernels without them (and under SIPTRAIL_HIDE_TRACEPOINTS) the system call fallback. */
static bool io_hooks_linked(void)
{
	return (live_program_linked("on_sock_send") && live_program_linked("on_sock_recv")) ||
	       (live_program_linked("on_sys_sendto") && live_program_linked("on_sys_read"));
}

/* Polls PROBE until its socket send/receive programs are linked, or 2 s. */
static bool io_hooks_wait(struct ssl_probe *probe)
{
	for (int round = 0; round < 20; round++) {
		assert_true(ssl_probe_poll(probe, 100) >= 0);
		if (io_hooks_linked())
			return true;
	}
	return false;
}

static void fixture_require(void)
{
	static struct port_set ports = {.traced[PORT] = 1};
	struct ssl_probe_opts opts = {.ports = &ports, .per_message = true};
	char err[512];

	live_env_require();
	if (fx.ready) {
		events_clear();
		return;
	}
	fx.netns = live_netns_enter(); /* port 5061 is ours */
	assert_int_equal(ssl_pki_make(&fx.pki), 0);
	if (ssl_probe_open(&opts, on_event, NULL, &fx.probe, err, sizeof(err)) != 0)
		fail_msg("ssl_probe_open: %s", err);
	/* Nothing runs per TCP message until a process in scope uses libssl: here this one. */
	assert_int_equal(ssl_probe_poll(fx.probe, 0), 0);
	assert_false(io_hooks_linked());
	SSL_CTX_free(SSL_CTX_new(TLS_method()));
	assert_true(io_hooks_wait(fx.probe));
	fx.ready = true;
}

static int fixture_teardown(void **state)
{
	(void)state;
	events_clear();
	ssl_probe_close(fx.probe);
	ssl_pki_remove(&fx.pki);
	return 0;
}

static const struct seen_event *event_find(pid_t pid, enum tls_event_kind kind, bool out,
					   size_t nth)
{
	for (size_t i = 0; i < fx.n_events; i++) {
		const struct tls_event *ev = &fx.events[i].ev;

		if (ev->pid != (uint32_t)pid || ev->kind != kind)
			continue;
		if (kind == TLS_EVENT_DATA && ev->data.out != out)
			continue;
		if (nth-- == 0)
			return &fx.events[i];
	}
	return NULL;
}

static size_t events_count(pid_t pid, enum tls_event_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < fx.n_events; i++)
		n += fx.events[i].ev.pid == (uint32_t)pid && fx.events[i].ev.kind == kind;
	return n;
}

/* Polls until A and B have a_ends and b_ends handshake ends and want_data data events
 * arrived, or 3 s. */
static void events_collect_n(pid_t a, size_t a_ends, pid_t b, size_t b_ends, size_t want_data)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		assert_true(ssl_probe_poll(fx.probe, 100) >= 0);
		if (events_count(a, TLS_EVENT_HANDSHAKE_END) >= a_ends &&
		    events_count(b, TLS_EVENT_HANDSHAKE_END) >= b_ends &&
		    events_count(a, TLS_EVENT_DATA) + events_count(b, TLS_EVENT_DATA) >= want_data)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 3);
}

static void events_collect(pid_t a, pid_t b, size_t want_data)
{
	events_collect_n(a, 1, b, 1, want_data);
}

struct peers {
	struct tls_peer_result server, client;
};

static void peers_run(struct tls_peer_opts *server, struct tls_peer_opts *client,
		      struct peers *peers)
{
	server->server = true;
	server->port = client->port = PORT;
	server->cert_chain = fx.pki.server_chain;
	server->key = fx.pki.server_key;
	if (!client->ca_file)
		client->ca_file = fx.pki.root;
	assert_int_equal(
	    tls_peer_pair_run(server, client, PEER_WAIT_MS, &peers->server, &peers->client), 0);
}

static void handshake_assert_ok(pid_t pid, const char *role, uint64_t cookie)
{
	const struct seen_event *end = event_find(pid, TLS_EVENT_HANDSHAKE_END, false, 0);

	assert_non_null(end);
	assert_string_equal(end->ev.handshake.role, role);
	assert_true(end->ev.handshake.ok);
	assert_int_equal(end->ev.conn, cookie);
	assert_int_equal(end->ev.netns, fx.netns);
	assert_true(end->ev.handshake.duration_ns > 0);
	assert_true(end->ev.handshake.duration_ns < 5000000000ULL);
	assert_int_equal(end->ev.handshake.error[0], '\0');
	assert_false(end->ev.handshake.after_handshake);
	assert_int_equal(events_count(pid, TLS_EVENT_HANDSHAKE_BEGIN), 1);
	assert_int_equal(events_count(pid, TLS_EVENT_HANDSHAKE_END), 1);
}

static void data_assert(pid_t pid, bool out, const char *text, uint64_t cookie)
{
	const struct seen_event *data = event_find(pid, TLS_EVENT_DATA, out, 0);

	assert_non_null(data);
	assert_int_equal(data->ev.conn, cookie);
	assert_int_equal(data->ev.data.len, strlen(text));
	assert_false(data->ev.data.truncated);
	assert_string_equal(data->bytes, text);
}

/* Both handshakes good, the OPTIONS and its 200 OK each seen leaving one side and arriving
 * at the other, every event on its own side's socket. */
static void exchange_assert(const struct peers *peers)
{
	handshake_assert_ok(peers->client.pid, "client", peers->client.cookie);
	handshake_assert_ok(peers->server.pid, "server", peers->server.cookie);
	data_assert(peers->client.pid, true, options_msg, peers->client.cookie);
	data_assert(peers->server.pid, false, options_msg, peers->server.cookie);
	data_assert(peers->server.pid, true, ok_msg, peers->server.cookie);
	data_assert(peers->client.pid, false, ok_msg, peers->client.cookie);
}

/* A good handshake with SIP both ways, OpenSSL owning the socket (SSL_set_fd). */
static void test_fd_handshake_and_sip(void **state)
{
	struct tls_peer_opts server = {
	    .send = ok_msg, .send_len = strlen(ok_msg), .expect_len = strlen(options_msg)};
	struct tls_peer_opts client = {
	    .send = options_msg, .send_len = strlen(options_msg), .expect_len = strlen(ok_msg)};
	struct peers peers;

	(void)state;
	fixture_require();
	peers_run(&server, &client, &peers);
	assert_int_equal(peers.client.exit_status, 0);
	assert_int_equal(peers.server.exit_status, 0);
	assert_int_not_equal(peers.client.cookie, peers.server.cookie);
	events_collect(peers.client.pid, peers.server.pid, 4);

	exchange_assert(&peers);
	assert_string_equal(event_find(peers.client.pid, TLS_EVENT_DATA, true, 0)->ev.mapped_by,
			    "in_call");
	assert_int_equal(event_find(peers.client.pid, TLS_EVENT_DATA, true, 0)->ev.rport, PORT);
	assert_int_equal(event_find(peers.server.pid, TLS_EVENT_DATA, true, 0)->ev.lport, PORT);
}

/* The client trusts another root: it fails verification, the server hears unknown_ca. */
static void test_untrusted_chain_fails(void **state)
{
	struct tls_peer_opts server = {.expect_len = 1};
	struct tls_peer_opts client = {.ca_file = fx.pki.other_root};
	const struct seen_event *end;
	struct peers peers;

	(void)state;
	fixture_require();
	client.ca_file = fx.pki.other_root;
	peers_run(&server, &client, &peers);
	assert_int_not_equal(peers.client.exit_status, 0);
	assert_false(peers.client.handshake_ok);
	events_collect(peers.client.pid, peers.server.pid, 0);

	end = event_find(peers.client.pid, TLS_EVENT_HANDSHAKE_END, false, 0);
	assert_non_null(end);
	assert_false(end->ev.handshake.ok);
	assert_string_equal(end->ev.handshake.role, "client");
	assert_int_equal(end->ev.conn, peers.client.cookie);
	assert_string_equal(end->ev.handshake.error, "certificate verify failed");
	assert_non_null(end->ev.handshake.verify_error);
	assert_string_equal(end->ev.handshake.verify_error,
			    "unable to get local issuer certificate");

	end = event_find(peers.server.pid, TLS_EVENT_HANDSHAKE_END, false, 0);
	assert_non_null(end);
	assert_false(end->ev.handshake.ok);
	assert_string_equal(end->ev.handshake.role, "server");
	assert_int_equal(end->ev.conn, peers.server.cookie);
	assert_string_equal(end->ev.handshake.error, "tlsv1 alert unknown ca");
	assert_null(end->ev.handshake.verify_error);
}

/* TLS 1.3 mutual TLS, the client sends its leaf without the intermediate and the server trusts
 * only the root: the client's SSL_connect returns 1 before the server has checked the client
 * certificate (RFC 8446 §4.4.2.4), and the server's unknown_ca alert fails the client's next
 * SSL_read. The client gets a second, failed handshake end. The client only reads: on loopback
 * the server can reject and close before a client write, which then fails with a reset (a real
 * trunk's round trip lets the write go first, as the lab shows). */
static void test_client_cert_rejected_after_handshake(void **state)
{
	struct tls_peer_opts server = {.expect_len = strlen(options_msg)};
	struct tls_peer_opts client = {
	    .cert_chain = fx.pki.server_leaf, .key = fx.pki.server_key, .expect_len = 1};
	const struct seen_event *end;
	struct peers peers;

	(void)state;
	fixture_require();
	server.ca_file = fx.pki.root;
	peers_run(&server, &client, &peers);
	assert_true(peers.client.handshake_ok);
	assert_int_not_equal(peers.client.exit_status, 0);
	assert_false(peers.server.handshake_ok);
	events_collect_n(peers.client.pid, 2, peers.server.pid, 1, 0);

	end = event_find(peers.client.pid, TLS_EVENT_HANDSHAKE_END, false, 0);
	assert_non_null(end);
	assert_true(end->ev.handshake.ok);
	assert_false(end->ev.handshake.after_handshake);
	end = event_find(peers.client.pid, TLS_EVENT_HANDSHAKE_END, false, 1);
	assert_non_null(end);
	assert_false(end->ev.handshake.ok);
	assert_true(end->ev.handshake.after_handshake);
	assert_string_equal(end->ev.handshake.role, "client");
	assert_int_equal(end->ev.conn, peers.client.cookie);
	assert_string_equal(end->ev.handshake.error, "tlsv1 alert unknown ca");
	assert_string_equal(end->ev.handshake.ended_by, "return");
	assert_null(end->ev.handshake.verify_error);
	assert_int_equal(events_count(peers.client.pid, TLS_EVENT_HANDSHAKE_END), 2);

	end = event_find(peers.server.pid, TLS_EVENT_HANDSHAKE_END, false, 0);
	assert_non_null(end);
	assert_false(end->ev.handshake.ok);
	assert_false(end->ev.handshake.after_handshake);
	assert_string_equal(end->ev.handshake.role, "server");
	assert_string_equal(end->ev.handshake.error, "certificate verify failed");
	assert_string_equal(end->ev.handshake.verify_error,
			    "unable to get local issuer certificate");
	assert_int_equal(events_count(peers.server.pid, TLS_EVENT_HANDSHAKE_END), 1);
}

/* A write bigger than the capture limit is cut at SSL_DATA_MAX and marked. */
static void test_large_write_truncated(void **state)
{
	static char big[40000];
	/* The client waits for a reply: closing with unread data would reset the connection. */
	struct tls_peer_opts server = {
	    .expect_len = sizeof(big), .send = ok_msg, .send_len = strlen(ok_msg)};
	struct tls_peer_opts client = {
	    .send = big, .send_len = sizeof(big), .expect_len = strlen(ok_msg)};
	const struct seen_event *data;
	struct peers peers;
	size_t read_total = 0;

	(void)state;
	fixture_require();
	memset(big, 'x', sizeof(big));
	memcpy(big, "MESSAGE sip:big@server.stssl.test SIP/2.0\r\n", 43);
	peers_run(&server, &client, &peers);
	assert_int_equal(peers.client.exit_status, 0);
	assert_int_equal(peers.server.exit_status, 0);
	events_collect(peers.client.pid, peers.server.pid, 5);

	data = event_find(peers.client.pid, TLS_EVENT_DATA, true, 0);
	assert_non_null(data);
	assert_true(data->ev.data.truncated);
	assert_int_equal(data->ev.data.len, SSL_DATA_MAX);
	assert_int_equal(data->ev.data.total_len, sizeof(big));
	assert_memory_equal(data->bytes, big, SSL_DATA_MAX);
	for (size_t i = 0; (data = event_find(peers.server.pid, TLS_EVENT_DATA, false, i)); i++) {
		assert_false(data->ev.data.truncated);
		read_total += data->ev.data.len;
	}
	assert_int_equal(read_total, sizeof(big));
}

/* Memory-BIO peers on both sides (rbio == wbio, own recv/send around the SSL calls, _ex
 * calls): every event still lands on the right socket. */
static void test_memory_bio_mapping(void **state)
{
	struct tls_peer_opts server = {.memory_bio = true,
				       .use_ex = true,
				       .send = ok_msg,
				       .send_len = strlen(ok_msg),
				       .expect_len = strlen(options_msg)};
	struct tls_peer_opts client = {.memory_bio = true,
				       .use_ex = true,
				       .send = options_msg,
				       .send_len = strlen(options_msg),
				       .expect_len = strlen(ok_msg)};
	struct peers peers;

	(void)state;
	fixture_require();
	peers_run(&server, &client, &peers);
	assert_int_equal(peers.client.exit_status, 0);
	assert_int_equal(peers.server.exit_status, 0);
	events_collect(peers.client.pid, peers.server.pid, 4);

	exchange_assert(&peers);
	/* The client speaks first: its SSL object is tied by the send after SSL_connect; the
	 * server's by the recv before SSL_accept. */
	assert_string_equal(event_find(peers.client.pid, TLS_EVENT_DATA, true, 0)->ev.mapped_by,
			    "send_after");
	assert_string_equal(event_find(peers.server.pid, TLS_EVENT_DATA, true, 0)->ev.mapped_by,
			    "recv_before");
}

/* TLS over a BIO pair in this process, no socket at all: nothing ever ties the objects to a
 * connection, so their events cannot be reported; they are counted, not silently lost: both
 * handshakes' begin and end when the objects are freed, and the one write and one read. */
static void test_never_mapped_counted(void **state)
{
	SSL_CTX *server_ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX *client_ctx = SSL_CTX_new(TLS_client_method());
	struct ssl_probe_stats before, after;
	BIO *client_bio, *server_bio;
	SSL *client, *server;
	char buf[8];
	int done = 0;

	(void)state;
	fixture_require();
	assert_int_equal(SSL_CTX_use_certificate_chain_file(server_ctx, fx.pki.server_chain), 1);
	assert_int_equal(
	    SSL_CTX_use_PrivateKey_file(server_ctx, fx.pki.server_key, SSL_FILETYPE_PEM), 1);
	client = SSL_new(client_ctx);
	server = SSL_new(server_ctx);
	assert_int_equal(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0), 1);
	SSL_set_bio(client, client_bio, client_bio);
	SSL_set_bio(server, server_bio, server_bio);
	SSL_set_connect_state(client);
	SSL_set_accept_state(server);
	ssl_probe_poll(fx.probe, 0);
	ssl_probe_stats(fx.probe, &before);
	for (int round = 0; round < 20 && done != 3; round++) {
		if (SSL_do_handshake(client) == 1)
			done |= 1;
		if (SSL_do_handshake(server) == 1)
			done |= 2;
	}
	assert_int_equal(done, 3);
	assert_int_equal(SSL_write(client, "hello", 5), 5);
	assert_int_equal(SSL_read(server, buf, sizeof(buf)), 5);
	SSL_free(client);
	SSL_free(server);
	SSL_CTX_free(client_ctx);
	SSL_CTX_free(server_ctx);
	ssl_probe_poll(fx.probe, 0);
	ssl_probe_stats(fx.probe, &after);
	assert_int_equal(after.unmapped - before.unmapped, 6);
}

/* A handshake that ran before the socket programs were attached (a process's first TLS
 * connection racing the attachment): nothing tied its objects to sockets then, so its events
 * wait in the kernel and go out, with the handshake's own times, once the I/O of a later SSL
 * call does. A second probe, polled only after the handshake, stands in for a slow reader. */
static void test_handshake_before_io_hooks_reported_late(void **state)
{
	static struct port_set ports = {.traced[PORT_LATE] = 1};
	struct ssl_probe_opts opts = {.ports = &ports, .per_message = true};
	struct tls_peer_opts server = {.server = true,
				       .port = PORT_LATE,
				       .send = ok_msg,
				       .send_len = strlen(ok_msg),
				       .expect_len = strlen(options_msg)};
	struct tls_peer_opts client = {.port = PORT_LATE,
				       .pause_ms = 1000,
				       .send = options_msg,
				       .send_len = strlen(options_msg),
				       .expect_len = strlen(ok_msg)};
	struct tls_peer server_peer, client_peer;
	struct ssl_probe *probe;
	struct ssl_probe_stats stats;
	struct peers peers;
	struct timespec attached;
	uint64_t attached_ns;
	char err[512];

	(void)state;
	fixture_require();
	server.cert_chain = fx.pki.server_chain;
	server.key = fx.pki.server_key;
	client.ca_file = fx.pki.root;
	if (ssl_probe_open(&opts, on_event, NULL, &probe, err, sizeof(err)) != 0)
		fail_msg("ssl_probe_open: %s", err);
	assert_int_equal(tls_peer_start(&server, &server_peer), 0);
	assert_int_equal(tls_peer_start(&client, &client_peer), 0);
	usleep(500 * 1000); /* handshakes done, the client pausing */
	clock_gettime(CLOCK_REALTIME, &attached);
	attached_ns = attached.tv_sec * 1000000000ULL + attached.tv_nsec;
	assert_true(io_hooks_wait(probe));
	assert_int_equal(events_count(client_peer.pid, TLS_EVENT_HANDSHAKE_BEGIN), 0);
	assert_int_equal(tls_peer_wait(&client_peer, PEER_WAIT_MS, &peers.client), 0);
	assert_int_equal(tls_peer_wait(&server_peer, PEER_WAIT_MS, &peers.server), 0);
	assert_int_equal(peers.client.exit_status, 0);
	assert_int_equal(peers.server.exit_status, 0);
	for (int round = 0; round < 30 && (events_count(peers.client.pid, TLS_EVENT_DATA) < 2 ||
					   events_count(peers.server.pid, TLS_EVENT_DATA) < 2);
	     round++)
		assert_true(ssl_probe_poll(probe, 100) >= 0);
	ssl_probe_stats(probe, &stats);
	ssl_probe_close(probe);

	exchange_assert(&peers);
	assert_true(event_find(peers.client.pid, TLS_EVENT_HANDSHAKE_END, false, 0)->ev.ts_ns <
		    attached_ns);
	assert_true(event_find(peers.server.pid, TLS_EVENT_HANDSHAKE_END, false, 0)->ev.ts_ns <
		    attached_ns);
	assert_int_equal(stats.unmapped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_fd_handshake_and_sip),
	    unit_test_with_children(test_untrusted_chain_fails),
	    unit_test_with_children(test_client_cert_rejected_after_handshake),
	    unit_test_with_children(test_large_write_truncated),
	    unit_test_with_children(test_memory_bio_mapping),
	    unit_test_with_children(test_never_mapped_counted),
	    unit_test_with_children(test_handshake_before_io_hooks_reported_late),
	};
	return cmocka_run_group_tests(tests, NULL, fixture_teardown);
}
