/* siptrail live decrypts the TLS records it captures with the secrets of a key log: real
 * OpenSSL peers on loopback (the server with memory BIOs, as Kamailio) append their secrets to
 * a key log file as they handshake, siptrail reads it as it grows, and the SIP inside TLS comes
 * from the packets alone (--no-tls: no libssl probe), each message on each socket, marked
 * "source":"decrypted". The records arrive before siptrail has read their secrets: they are
 * held until it has, even past the connection's end. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/ssl.h>

#include "capture_source.h"

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/test_pki.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORT_TLS13 25121
#define PORT_TLS12 25122
#define PORT_LATE  25123
#define INVITE                                                                                     \
	"INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-d1\r\n"     \
	"Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"     \
	"Call-ID: decrypt-1\r\n"                                                                   \
	"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
#define TRYING                                                                                     \
	"SIP/2.0 100 Trying\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-d1\r\n"                   \
	"From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: decrypt-1\r\n"   \
	"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
#define WAIT_MS 10000

/* The sip event with this direction on the socket whose local port is (or is not) PORT. */
static const json_t *sip_event(const json_t *events, const char *dir, uint16_t port, bool server)
{
	const json_t *event, *found = NULL;
	size_t i, count = 0;

	json_array_foreach(events, i, event)
	{
		if (strcmp(event_str(event, "event"), "sip") ||
		    strcmp(event_str(event, "dir"), dir) ||
		    (event_int(event, "lport") == port) != server)
			continue;
		found = event;
		count++;
	}
	if (count != 1)
		fail_msg("%zu sip events %s on the %s socket", count, dir,
			 server ? "server" : "client");
	return found;
}

static void assert_decrypted(const json_t *event, const char *raw)
{
	assert_string_equal(event_str(event, "raw"), raw);
	assert_string_equal(event_str(event, "transport"), "tls");
	assert_string_equal(event_str(event, "source"), "decrypted");
	assert_true(event_int(event, "conn") > 0);
}

static int count_synthetic(void *ctx, struct event *ev)
{
	if (ev->kind == EV_SIP && ev->sip.transport == TRANSPORT_TLS && !ev->sip.decrypted)
		++*(size_t *)ctx;
	event_release(ev);
	return 0;
}

/* The SIP messages in PATH's synthetic packets (replay without a key log). */
static size_t synthetic_sip_count(const char *path)
{
	struct capture_source_options options = {0};
	size_t count = 0;
	struct capture_source_run run = {&options, count_synthetic, NULL, &count};
	struct capture_source_stats stats;
	struct capture_error err;

	assert_int_equal(capture_source_read(path, &run, &stats, &err), 0);
	return count;
}

/* A call over TLS 1.3 or 1.2 (TLS12). LATE: the secrets reach the key log only after the
 * connection has ended (the handshake probe's event can come that late for a short
 * connection); else as the server makes them. */
static void run_call(uint16_t port, bool tls12, bool late)
{
	char keylog[] = "/tmp/test_live_tls_decrypt-XXXXXX", written[64], pcap[64], port_text[8];
	const char *args[] = {"--ports", port_text,    "--no-tls", "--keylog",
			      keylog,	 "--pcap-out", pcap,	   NULL};
	struct tls_peer_opts server, client;
	struct siptrail_run run;
	json_t *events, *lost;
	int fd = mkstemp(keylog);
	uint8_t *secrets;
	size_t len;
	FILE *file;

	assert_true(fd >= 0);
	close(fd);
	snprintf(written, sizeof(written), "%s.server", keylog);
	snprintf(pcap, sizeof(pcap), "%s.pcapng", keylog);
	tls_peer_exchange(port, INVITE, TRYING, &server, &client);
	server.memory_bio = true; /* as Kamailio */
	server.keylog_path = late ? written : keylog;
	server.version = client.version = tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
	snprintf(port_text, sizeof(port_text), "%u", port);
	siptrail_start(&run, NULL, args);
	assert_int_equal(tls_peer_pair_run_pki(&server, &client, WAIT_MS), 0);
	if (late) {
		usleep(300 * 1000); /* the connection's end is decoded */
		secrets = test_read_file(written, &len);
		assert_non_null(secrets);
		file = fopen(keylog, "a");
		assert_int_equal(fwrite(secrets, 1, len, file), len);
		fclose(file);
		free(secrets);
		unlink(written);
	}
	usleep(300 * 1000); /* a poll round or two: siptrail reads the key log's new lines */
	events = siptrail_stop(&run);
	unlink(keylog);

	assert_decrypted(sip_event(events, "out", port, false), INVITE);
	assert_decrypted(sip_event(events, "in", port, true), INVITE);
	assert_decrypted(sip_event(events, "out", port, true), TRYING);
	assert_decrypted(sip_event(events, "in", port, false), TRYING);
	lost = event_last(events, "lost");
	assert_non_null(lost);
	assert_int_equal(event_int(lost, "wire_tls_no_secrets"), 0);
	assert_int_equal(event_int(lost, "wire_tls_auth_failed"), 0);
	json_decref(events);
	/* --pcap-out: each decrypted message, as seen from each socket, as a synthetic packet */
	assert_int_equal(synthetic_sip_count(pcap), 4);
	unlink(pcap);
}

static void test_tls13_call_decrypted(void **state)
{
	(void)state;
	live_env_require();
	run_call(PORT_TLS13, false, false);
}

static void test_tls12_call_decrypted(void **state)
{
	(void)state;
	live_env_require();
	run_call(PORT_TLS12, true, false);
}

/* Secrets read after the connection ended: its records waited, the stream with them. */
static void test_secrets_after_the_end(void **state)
{
	(void)state;
	live_env_require();
	run_call(PORT_LATE, false, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_tls13_call_decrypted),
	    unit_test_with_children(test_tls12_call_decrypted),
	    unit_test_with_children(test_secrets_after_the_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
