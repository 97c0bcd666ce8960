/* siptrail live probing libssl per handshake (--tls-probes handshake): the per-message probes
 * are not attached, every handshake is still reported with its role, result and OpenSSL's
 * reason, and the secrets read from the SSL object at the handshake's end (--keylog-out) are
 * the very ones the peers' own key log callbacks wrote, for TLS 1.2 and 1.3, with peers that
 * give OpenSSL the socket (SSL_set_fd) and with memory-BIO peers (as Kamailio). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <openssl/ssl.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/ssl_pki.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORT	  25131
#define PORT_TEXT "25131"
#define WAIT_MS	  10000
#define MAX_LINES 32
#define OPTIONS                                                                                    \
	"OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS "                                 \
	"127.0.0.1:5061;branch=z9hG4bK-1\r\n"                                                      \
	"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: secrets-1\r\n"     \
	"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

struct key_lines {
	char lines[MAX_LINES][256];
	size_t count;
};

static int line_order(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The lines of a key log file with the labels siptrail reads, sorted, each once. */
static void key_lines_read(const char *path, struct key_lines *out)
{
	static const char *const labels[] = {"CLIENT_RANDOM ", "CLIENT_TRAFFIC_SECRET_0 ",
					     "SERVER_TRAFFIC_SECRET_0 "};
	FILE *in = fopen(path, "r");
	char line[256];
	size_t kept = 0;

	out->count = 0;
	assert_non_null(in);
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
			if (!strncmp(line, labels[i], strlen(labels[i])) && out->count < MAX_LINES)
				strcpy(out->lines[out->count++], line);
	}
	fclose(in);
	qsort(out->lines, out->count, sizeof(out->lines[0]), line_order);
	for (size_t i = 0; i < out->count; i++)
		if (!kept || strcmp(out->lines[i], out->lines[kept - 1]))
			memmove(out->lines[kept++], out->lines[i], sizeof(out->lines[0]));
	out->count = kept;
}

/* Whether any program of the per-message probe set runs. */
static bool per_message_probes_linked(void)
{
	return live_program_linked("ssl_read_enter") || live_program_linked("ssl_read_ex_enter") ||
	       live_program_linked("ssl_write_enter") ||
	       live_program_linked("ssl_write_ex_enter") ||
	       live_program_linked("ssl_get_error_enter") ||
	       live_program_linked("ssl_get_error_exit");
}

static void secrets_case(int version, bool memory_bio)
{
	char siptrail_keylog[] = "/tmp/siptrail-keylog-XXXXXX";
	char peer_keylog[] = "/tmp/siptrail-peer-keylog-XXXXXX";
	const char *args[] = {"--ports",   PORT_TEXT,	   "--no-wire",	    "--tls-probes",
			      "handshake", "--keylog-out", siptrail_keylog, NULL};
	struct tls_peer_opts server = {.server = true,
				       .port = PORT,
				       .memory_bio = memory_bio,
				       .version = version,
				       .keylog_path = peer_keylog,
				       .expect_len = sizeof(OPTIONS) - 1,
				       .send = "k",
				       .send_len = 1};
	struct tls_peer_opts client = {.port = PORT,
				       .version = version,
				       .keylog_path = peer_keylog,
				       .send = OPTIONS,
				       .send_len = sizeof(OPTIONS) - 1,
				       .expect_len = 1};
	struct key_lines ours, theirs;
	struct siptrail_run run;
	struct stat keylog_stat;
	json_t *events;

	live_env_require();
	live_netns_enter(); /* no other libssl user in scope */
	close(mkstemp(siptrail_keylog));
	close(mkstemp(peer_keylog));
	unlink(siptrail_keylog); /* siptrail creates it */
	siptrail_start(&run, NULL, args);
	assert_false(per_message_probes_linked());
	assert_true(live_program_linked("ssl_connect_enter"));
	assert_int_equal(tls_peer_pair_run_pki(&server, &client, WAIT_MS), 0);
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "tls_handshake", NULL, PORT), 2);
	assert_int_equal(event_count(events, "sip", NULL, PORT), 0); /* no wire, no data probes */
	key_lines_read(siptrail_keylog, &ours);
	key_lines_read(peer_keylog, &theirs);
	assert_int_equal(ours.count, version == TLS1_3_VERSION ? 2 : 1);
	assert_int_equal(ours.count, theirs.count);
	for (size_t i = 0; i < ours.count; i++)
		assert_string_equal(ours.lines[i], theirs.lines[i]);
	assert_int_equal(stat(siptrail_keylog, &keylog_stat), 0);
	assert_int_equal(keylog_stat.st_mode & 0777, 0600);
	unlink(siptrail_keylog);
	unlink(peer_keylog);
	json_decref(events);
}

static void test_tls13_fd(void **state)
{
	(void)state;
	secrets_case(TLS1_3_VERSION, false);
}

static void test_tls12_fd(void **state)
{
	(void)state;
	secrets_case(TLS1_2_VERSION, false);
}

static void test_tls13_memory_bio(void **state)
{
	(void)state;
	secrets_case(TLS1_3_VERSION, true);
}

static void test_tls12_memory_bio(void **state)
{
	(void)state;
	secrets_case(TLS1_2_VERSION, true);
}

#define TRYING                                                                                     \
	"SIP/2.0 100 Trying\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-1\r\n"               \
	"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: secrets-1\r\n"     \
	"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

/* siptrail live's defaults: per handshake, the wire's records decrypted with the secrets read
 * from libssl. Each message once on each socket, in order, with its direction and nothing from
 * the per-message probes (they are not attached). */
static void default_mode_case(int version, bool memory_bio)
{
	const char *args[] = {"--ports", PORT_TEXT, NULL};
	struct tls_peer_opts server, client;
	const json_t *request_in, *response_out;
	struct siptrail_run run;
	json_t *events, *lost;

	live_env_require();
	live_netns_enter();
	tls_peer_exchange(PORT, OPTIONS, TRYING, &server, &client);
	server.memory_bio = memory_bio;
	server.version = client.version = version;
	siptrail_start(&run, NULL, args);
	assert_false(per_message_probes_linked());
	assert_int_equal(tls_peer_pair_run_pki(&server, &client, WAIT_MS), 0);
	usleep(300 * 1000); /* a poll round or two */
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "tls_handshake", NULL, PORT), 2);
	assert_string_equal(event_str(sip_event_on(events, "out", PORT, false), "raw"), OPTIONS);
	request_in = sip_event_on(events, "in", PORT, true);
	assert_string_equal(event_str(request_in, "raw"), OPTIONS);
	assert_string_equal(event_str(request_in, "source"), "decrypted");
	response_out = sip_event_on(events, "out", PORT, true);
	assert_string_equal(event_str(response_out, "raw"), TRYING);
	assert_string_equal(event_str(sip_event_on(events, "in", PORT, false), "raw"), TRYING);
	assert_true(event_int(request_in, "ts_ns") <= event_int(response_out, "ts_ns"));
	lost = event_last(events, "lost");
	assert_non_null(lost);
	assert_int_equal(event_int(lost, "wire_tls_no_secrets"), 0);
	json_decref(events);
}

static void test_default_tls13_memory_bio(void **state)
{
	(void)state;
	default_mode_case(TLS1_3_VERSION, true);
}

static void test_default_tls12_fd(void **state)
{
	(void)state;
	default_mode_case(TLS1_2_VERSION, false);
}

/* A failed handshake without SSL_get_error probed: the result and OpenSSL's reason on both
 * sides, from the return value and the error raised inside the handshake. */
static void test_failure_reason(void **state)
{
	const char *args[] = {"--ports", PORT_TEXT, "--no-wire", "--tls-probes", "handshake", NULL};
	struct tls_peer_opts server_opts = {.server = true, .port = PORT, .memory_bio = true};
	struct tls_peer_opts client_opts = {.port = PORT};
	struct tls_peer_result server_result, client_result;
	json_t *events, *ev;
	struct siptrail_run run;
	struct ssl_pki pki;
	bool client_seen = false, server_seen = false;
	size_t i;

	(void)state;
	live_env_require();
	live_netns_enter();
	assert_int_equal(ssl_pki_make(&pki), 0);
	server_opts.cert_chain = pki.server_chain;
	server_opts.key = pki.server_key;
	client_opts.ca_file = pki.other_root; /* does not trust the server's chain */
	siptrail_start(&run, NULL, args);
	assert_int_equal(
	    tls_peer_pair_run(&server_opts, &client_opts, WAIT_MS, &server_result, &client_result),
	    0);
	ssl_pki_remove(&pki);
	assert_int_not_equal(client_result.exit_status, 0);
	events = siptrail_stop(&run);

	json_array_foreach(events, i, ev)
	{
		if (strcmp(event_str(ev, "event"), "tls_handshake"))
			continue;
		assert_false(json_is_true(json_object_get(ev, "ok")));
		if (!strcmp(event_str(ev, "role"), "client")) {
			client_seen = true;
			assert_string_equal(event_str(ev, "error"), "certificate verify failed");
		} else {
			server_seen = true;
			assert_string_equal(event_str(ev, "error"), "tlsv1 alert unknown ca");
		}
	}
	assert_true(client_seen && server_seen);
	json_decref(events);
}

/* TLS 1.3 with a server that demands a client certificate the client does not have: the
 * client's handshake returns success, the rejection comes as an alert its next read meets
 * (RFC 8446 §4.4.2.4). Without the read probes, the alert's error is still tied to it. */
static void test_late_rejection(void **state)
{
	const char *args[] = {"--ports", PORT_TEXT, "--no-wire", "--tls-probes", "handshake", NULL};
	struct tls_peer_opts server_opts = {.server = true, .port = PORT};
	/* The client reads first: a write after the server's close would meet a reset, which
	 * discards the alert unread (a race docs/tls-uprobes.md lists under Limits). */
	struct tls_peer_opts client_opts = {.port = PORT, .expect_len = 1};
	struct tls_peer_result server_result, client_result;
	json_t *events, *ev;
	struct siptrail_run run;
	struct ssl_pki pki;
	size_t i, client_ok = 0, client_late = 0;

	(void)state;
	live_env_require();
	live_netns_enter();
	assert_int_equal(ssl_pki_make(&pki), 0);
	server_opts.cert_chain = pki.server_chain;
	server_opts.key = pki.server_key;
	server_opts.ca_file = client_opts.ca_file = pki.root;
	siptrail_start(&run, NULL, args);
	assert_int_equal(
	    tls_peer_pair_run(&server_opts, &client_opts, WAIT_MS, &server_result, &client_result),
	    0);
	ssl_pki_remove(&pki);
	assert_int_not_equal(client_result.exit_status, 0);
	events = siptrail_stop(&run);

	json_array_foreach(events, i, ev)
	{
		if (strcmp(event_str(ev, "event"), "tls_handshake") ||
		    strcmp(event_str(ev, "role"), "client"))
			continue;
		if (json_is_true(json_object_get(ev, "ok"))) {
			client_ok++;
			continue;
		}
		client_late++;
		assert_true(json_is_true(json_object_get(ev, "after_handshake")));
		assert_string_equal(event_str(ev, "error"), "tlsv13 alert certificate required");
	}
	assert_int_equal(client_ok, 1);
	assert_int_equal(client_late, 1);
	json_decref(events);
}

/* A connection whose handshake ran before siptrail started has no secrets: its plaintext is
 * read per message until it has ended, then those probes are detached. (A memory-BIO server
 * would lose the first message it reads: its process is not known to use libssl until that
 * call, docs/tls-uprobes.md.) */
static void test_connection_older_than_start(void **state)
{
	const char *args[] = {"--ports", PORT_TEXT, "--no-wire", "--tls-probes", "handshake", NULL};
	/* Both wait for siptrail: a call already running when the probes attach (a server
	 * blocked in SSL_read) is not seen. */
	struct tls_peer_opts server_opts = {.server = true,
					    .port = PORT,
					    .expect_len = sizeof(OPTIONS) - 1,
					    .send = "k",
					    .send_len = 1};
	struct tls_peer_opts client_opts = {
	    .port = PORT, .send = OPTIONS, .send_len = sizeof(OPTIONS) - 1, .expect_len = 1};
	struct tls_peer_result server_result, client_result;
	struct tls_peer server, client;
	struct siptrail_run run;
	struct ssl_pki pki;
	json_t *events, *sip;
	size_t i, server_in = 0, client_out = 0;
	int go[2];

	(void)state;
	live_env_require();
	live_netns_enter();
	assert_int_equal(pipe(go), 0);
	server_opts.go_fd = client_opts.go_fd = go[0];
	assert_int_equal(ssl_pki_make(&pki), 0);
	server_opts.cert_chain = pki.server_chain;
	server_opts.key = pki.server_key;
	client_opts.ca_file = pki.root;
	assert_int_equal(tls_peer_start(&server_opts, &server), 0);
	assert_int_equal(tls_peer_start(&client_opts, &client), 0);
	usleep(500 * 1000); /* the handshake is over */
	siptrail_start(&run, NULL, args);
	assert_true(per_message_probes_linked());
	assert_int_equal(write(go[1], "gg", 2), 2);
	assert_int_equal(tls_peer_wait(&client, WAIT_MS, &client_result), 0);
	assert_int_equal(tls_peer_wait(&server, WAIT_MS, &server_result), 0);
	ssl_pki_remove(&pki);
	assert_int_equal(client_result.exit_status, 0);
	assert_int_equal(server_result.exit_status, 0);
	sleep(3); /* found gone by the next check, once a second */
	assert_false(per_message_probes_linked());
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "tls_handshake", NULL, PORT), 0);
	/* once each side: the client's write and the server's read */
	json_array_foreach(events, i, sip)
	{
		if (strcmp(event_str(sip, "event"), "sip"))
			continue;
		assert_non_null(strstr(event_str(sip, "raw"), "Call-ID: secrets-1"));
		if (!strcmp(event_str(sip, "dir"), "in"))
			server_in += event_int(sip, "lport") == PORT;
		else
			client_out += event_int(sip, "rport") == PORT;
	}
	assert_int_equal(server_in, 1);
	assert_int_equal(client_out, 1);
	close(go[0]);
	close(go[1]);
	json_decref(events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_tls13_fd),
	    unit_test_with_children(test_tls12_fd),
	    unit_test_with_children(test_tls13_memory_bio),
	    unit_test_with_children(test_tls12_memory_bio),
	    unit_test_with_children(test_failure_reason),
	    unit_test_with_children(test_default_tls13_memory_bio),
	    unit_test_with_children(test_default_tls12_fd),
	    unit_test_with_children(test_late_rejection),
	    unit_test_with_children(test_connection_older_than_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
