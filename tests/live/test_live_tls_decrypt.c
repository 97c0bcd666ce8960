/* siptrail live decrypts the TLS records it captures with the secrets of a key log: real
 * OpenSSL peers on loopback (the server with memory BIOs, as Kamailio) append their secrets to
 * a key log file as they handshake, siptrail reads it as it grows, and the SIP inside TLS comes
 * from the packets alone (--no-tls: no libssl probe), each message on each socket, marked
 * "source":"decrypted". The records arrive before siptrail has read their secrets: they are
 * held until it has, even past the connection's end. With the libssl probe on every message
 * too (--tls-probes message), each message still comes once per socket, from one source. */
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
#define PORT_BOTH  25124
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

enum secrets {
	SECRETS_AS_MADE,	  /* in the key log as the server makes them */
	SECRETS_AFTER_THE_END,	  /* only after the connection has ended */
	SECRETS_AND_LIBSSL_PROBE, /* as made, and the libssl probe reads every message too */
};

/* SOURCE: "decrypted", or NULL for either source. */
static void assert_sip(const json_t *event, const char *raw, const char *source)
{
	assert_string_equal(event_str(event, "raw"), raw);
	assert_string_equal(event_str(event, "transport"), "tls");
	if (source)
		assert_string_equal(event_str(event, "source"), source);
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

/* A call over TLS 1.3 or 1.2 (TLS12), its secrets given as SECRETS says (after the end: the
 * handshake probe's event can come that late for a short connection). */
static void run_call(uint16_t port, bool tls12, enum secrets secrets_when)
{
	char keylog[] = "/tmp/test_live_tls_decrypt-XXXXXX", written[64], pcap[64], port_text[8];
	bool late = secrets_when == SECRETS_AFTER_THE_END;
	bool both = secrets_when == SECRETS_AND_LIBSSL_PROBE;
	const char *source = both ? NULL : "decrypted";
	const char *args[10] = {"--ports", port_text, "--keylog", keylog, "--pcap-out", pcap};
	size_t n_args = 6;
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
	/* without the libssl probe the plaintext comes from the records alone */
	args[n_args++] = both ? "--tls-probes" : "--no-tls";
	if (both)
		args[n_args++] = "message";
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

	/* each exactly once on each socket (with both sources, from either) */
	assert_int_equal(event_count(events, "sip", NULL, port), 4);
	assert_sip(sip_event_on(events, "out", port, false), INVITE, source);
	assert_sip(sip_event_on(events, "in", port, true), INVITE, source);
	assert_sip(sip_event_on(events, "out", port, true), TRYING, source);
	assert_sip(sip_event_on(events, "in", port, false), TRYING, source);
	lost = event_last(events, "lost");
	assert_non_null(lost);
	assert_int_equal(event_int(lost, "wire_tls_no_secrets"), 0);
	assert_int_equal(event_int(lost, "wire_tls_auth_failed"), 0);
	json_decref(events);
	/* --pcap-out: each message kept, as seen from each socket, as a synthetic packet */
	assert_int_equal(synthetic_sip_count(pcap), 4);
	unlink(pcap);
}

static void test_tls13_call_decrypted(void **state)
{
	(void)state;
	live_env_require();
	run_call(PORT_TLS13, false, SECRETS_AS_MADE);
}

static void test_tls12_call_decrypted(void **state)
{
	(void)state;
	live_env_require();
	run_call(PORT_TLS12, true, SECRETS_AS_MADE);
}

/* Secrets read after the connection ended: its records waited, the stream with them. */
static void test_secrets_after_the_end(void **state)
{
	(void)state;
	live_env_require();
	run_call(PORT_LATE, false, SECRETS_AFTER_THE_END);
}

/* The libssl probe on every message and a key log: two sources of the same plaintext. */
static void test_probe_and_keylog_give_each_message_once(void **state)
{
	(void)state;
	live_env_require();
	run_call(PORT_BOTH, false, SECRETS_AND_LIBSSL_PROBE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_tls13_call_decrypted),
	    unit_test_with_children(test_tls12_call_decrypted),
	    unit_test_with_children(test_secrets_after_the_end),
	    unit_test_with_children(test_probe_and_keylog_give_each_message_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
