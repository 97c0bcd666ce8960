/* SIP over TLS decrypted from a capture with its key log: an in-process OpenSSL client and
 * server (memory BIOs) make a call over TLS 1.2 (AES-GCM) and TLS 1.3; every record they
 * exchange is written as TCP frames into a pcap, their secrets into a key log (OpenSSL's keylog
 * callback), and `replay --keylog` must give every SIP message once, in order, with its
 * direction, across a KeyUpdate (TLS 1.3), and the encrypted alerts (the close_notify of each
 * side, a TLS 1.3 server's refusal of a client without a certificate) as the
 * tls_alert events a plaintext alert gives. Wrong secrets, a damaged record and a capture cut
 * inside a record are counted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/ssl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_source.h"
#include "frame_build.h"
#include "test_pki.h"

#define CLIENT_ADDR "10.0.0.1"
#define SERVER_ADDR "10.0.0.2"
#define SEGMENT_MAX 1400

enum { CLIENT, SERVER };

/* The call: who sends what. Two messages in one write share a record. */
static const struct {
	int from;
	const char *text;
} call[] = {
    {CLIENT, "INVITE sip:bob@10.0.0.2 SIP/2.0\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n"
	     "Content-Length: 4\r\n\r\nv=0\n"},
    {SERVER, "SIP/2.0 100 Trying\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	     "SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"},
    {CLIENT, "ACK sip:bob@10.0.0.2 SIP/2.0\r\nCall-ID: c1\r\nCSeq: 1 ACK\r\n"
	     "Content-Length: 0\r\n\r\n"},
    {SERVER, "BYE sip:alice@10.0.0.1 SIP/2.0\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\n"
	     "Content-Length: 0\r\n\r\n"},
    {CLIENT, "SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"},
};

/* The SIP messages expected, in order: start line and whether the client sent it. */
static const struct {
	const char *start;
	bool from_client;
} expected[] = {
    {"INVITE ", true}, {"SIP/2.0 100", false}, {"SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 1", false},
    {"ACK ", true},    {"BYE ", false},	       {"SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 2", true},
};

static FILE *keylog_out;

static void keylog_line(const SSL *ssl, const char *line)
{
	(void)ssl;
	fprintf(keylog_out, "%s\n", line);
}

struct capture {
	pcap_t *dead;
	pcap_dumper_t *dump;
	struct tcp_flow flow;
	uint64_t ts_us;
	int corrupt_from; /* the next record from this side gets a flipped byte; -1: none */
	size_t cut_after; /* stop writing frames after this many payload bytes; 0: never */
	size_t written;
};

static void put_frame(struct capture *cap, int side, uint8_t flags, const uint8_t *payload,
		      size_t len)
{
	static uint8_t frame[FRAME_MAX];
	struct pcap_pkthdr hdr = {0};

	if (cap->cut_after && cap->written >= cap->cut_after)
		return;
	cap->written += len;
	hdr.ts.tv_sec = 1764240000 + (long)(cap->ts_us / 1000000);
	hdr.ts.tv_usec = (long)(cap->ts_us % 1000000);
	cap->ts_us += 1000;
	hdr.caplen = hdr.len = (bpf_u_int32)frame_tcp(frame, &cap->flow, side, flags, payload, len);
	pcap_dump((u_char *)cap->dump, &hdr, frame);
}

struct session {
	SSL_CTX *ctx[2];
	SSL *ssl[2];
	BIO *in[2], *out[2]; /* memory BIOs: what each side reads, what it wrote */
	struct capture cap;
};

/* Moves what each side wrote to the other, writing it to the capture in segments. */
static void pump(struct session *s)
{
	uint8_t buf[16384 + 512];
	int n;

	for (int side = 0; side < 2; side++) {
		while ((n = BIO_read(s->out[side], buf, sizeof(buf))) > 0) {
			BIO_write(s->in[!side], buf, n);
			if (s->cap.corrupt_from == side) {
				buf[n - 1] ^= 0x40; /* in the record's tag or MAC */
				s->cap.corrupt_from = -1;
			}
			for (int at = 0; at < n; at += SEGMENT_MAX)
				put_frame(&s->cap, side, 0x18, buf + at,
					  (size_t)(n - at < SEGMENT_MAX ? n - at : SEGMENT_MAX));
		}
	}
}

static SSL_CTX *context(bool server, int version, const char *suite, const struct test_cert *cert)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	assert_non_null(ctx);
	SSL_CTX_set_min_proto_version(ctx, version);
	SSL_CTX_set_max_proto_version(ctx, version);
	if (version == TLS1_3_VERSION)
		assert_int_equal(SSL_CTX_set_ciphersuites(ctx, suite), 1);
	else
		assert_int_equal(SSL_CTX_set_cipher_list(ctx, suite), 1);
	SSL_CTX_set_keylog_callback(ctx, keylog_line);
	if (server) {
		assert_int_equal(SSL_CTX_use_certificate(ctx, cert->cert), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(ctx, cert->key), 1);
	}
	return ctx;
}

enum twist {
	TWIST_NONE,
	/* the server asks for a client certificate, which the client does not have (no call:
	 * the server's alert ends the handshake) */
	TWIST_REFUSE,
	/* TLS 1.2: the server renegotiates before the BYE */
	TWIST_RENEGOTIATE,
};

/* TLS 1.2: the server asks for a new handshake (HelloRequest), which the client makes as it
 * reads; both sides go on under the new keys. */
static void renegotiate(struct session *s)
{
	char buf[64];

	assert_int_equal(SSL_renegotiate(s->ssl[SERVER]), 1);
	for (int round = 0; round < 20 && SSL_renegotiate_pending(s->ssl[SERVER]); round++) {
		SSL_do_handshake(s->ssl[SERVER]);
		pump(s);
		SSL_read(s->ssl[CLIENT], buf, sizeof(buf));
		pump(s);
		SSL_read(s->ssl[SERVER], buf, sizeof(buf));
		pump(s);
	}
	assert_false(SSL_renegotiate_pending(s->ssl[SERVER]));
}

/* Makes the call over TLS VERSION with SUITE, writing CAPTURE_PATH and KEYLOG_PATH, and closes
 * it with a close_notify each way, with TWIST. */
static void make_session(int version, const char *suite, const char *capture_path,
			 const char *keylog_path, int corrupt_from, size_t cut_after,
			 enum twist twist)
{
	bool refuse = twist == TWIST_REFUSE;

	struct test_cert cert;
	struct test_cert_spec spec = {.cn = "sbc.test", .not_before = 0, .not_after = 4102444800};
	struct session s = {.cap = {.corrupt_from = -1, .cut_after = cut_after}};
	char reply[4096];
	bool done[2] = {false, false};

	assert_int_equal(test_cert_make(&cert, &spec, NULL), 0);
	keylog_out = fopen(keylog_path, "w");
	assert_non_null(keylog_out);
	s.cap.dead = pcap_open_dead(DLT_EN10MB, 65535);
	s.cap.dump = pcap_dump_open(s.cap.dead, capture_path);
	assert_non_null(s.cap.dump);
	s.cap.flow = (struct tcp_flow){{CLIENT_ADDR, SERVER_ADDR}, {40000, 5061}, {1000, 9000}};
	put_frame(&s.cap, CLIENT, 0x02, NULL, 0);
	put_frame(&s.cap, SERVER, 0x12, NULL, 0);
	put_frame(&s.cap, CLIENT, 0x10, NULL, 0);
	for (int side = 0; side < 2; side++) {
		s.ctx[side] = context(side == SERVER, version, suite, &cert);
		s.ssl[side] = SSL_new(s.ctx[side]);
		s.in[side] = BIO_new(BIO_s_mem());
		s.out[side] = BIO_new(BIO_s_mem());
		SSL_set_bio(s.ssl[side], s.in[side], s.out[side]);
	}
	SSL_set_connect_state(s.ssl[CLIENT]);
	SSL_set_accept_state(s.ssl[SERVER]);
	if (refuse)
		SSL_set_verify(s.ssl[SERVER], SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			       NULL);
	for (int round = 0; round < 20 && !(done[0] && done[1]); round++) {
		for (int side = 0; side < 2; side++)
			done[side] = done[side] || SSL_do_handshake(s.ssl[side]) == 1;
		pump(&s);
	}
	assert_true(refuse ? !done[SERVER] : done[0] && done[1]);
	for (size_t i = 0; !refuse && i < sizeof(call) / sizeof(call[0]); i++) {
		int from = call[i].from, len = (int)strlen(call[i].text);

		if (i == 2)
			s.cap.corrupt_from = corrupt_from; /* the ACK's record, or none */
		/* TLS 1.3: new keys both ways before the BYE (RFC 8446 §4.6.3): the server's
		 * KeyUpdate asks the client for one, which precedes its 200 */
		if (i == 3 && version == TLS1_3_VERSION)
			assert_int_equal(SSL_key_update(s.ssl[SERVER], SSL_KEY_UPDATE_REQUESTED),
					 1);
		if (i == 3 && twist == TWIST_RENEGOTIATE)
			renegotiate(&s);
		assert_int_equal(SSL_write(s.ssl[from], call[i].text, len), len);
		pump(&s);
		assert_int_equal(SSL_read(s.ssl[!from], reply, sizeof(reply)), len);
		pump(&s); /* TLS 1.3: the client's reading takes the tickets */
	}
	for (int side = 0; !refuse && side < 2; side++) {
		SSL_shutdown(s.ssl[side]);
		pump(&s);
	}
	put_frame(&s.cap, CLIENT, 0x11, NULL, 0);
	put_frame(&s.cap, SERVER, 0x11, NULL, 0);
	put_frame(&s.cap, CLIENT, 0x10, NULL, 0);
	for (int side = 0; side < 2; side++) {
		SSL_free(s.ssl[side]);
		SSL_CTX_free(s.ctx[side]);
	}
	pcap_dump_close(s.cap.dump);
	pcap_close(s.cap.dead);
	fclose(keylog_out);
	test_cert_free(&cert);
}

static void make_capture(int version, const char *suite, const char *capture_path,
			 const char *keylog_path, int corrupt_from, size_t cut_after)
{
	make_session(version, suite, capture_path, keylog_path, corrupt_from, cut_after,
		     TWIST_NONE);
}

/* A capture file and its key log beside it, in /tmp: made before each test and removed after
 * it by cmocka, failed assertions included. */
struct session_files {
	char capture[40], keylog[64];
};

static int session_files_make(void **state)
{
	struct session_files *files = calloc(1, sizeof(*files));
	int fd;

	if (!files)
		return -1;
	snprintf(files->capture, sizeof(files->capture), "/tmp/test_tls_decrypt-XXXXXX");
	fd = mkstemp(files->capture);
	if (fd < 0) {
		free(files);
		return -1;
	}
	close(fd);
	snprintf(files->keylog, sizeof(files->keylog), "%s.keys", files->capture);
	*state = files;
	return 0;
}

static int session_files_remove(void **state)
{
	struct session_files *files = *state;

	unlink(files->capture);
	unlink(files->keylog);
	free(files);
	return 0;
}

/* The SIP messages of a replay and its alerts. */
struct sip_seen {
	struct event events[16];
	size_t count;
	struct ev_tls_alert alerts[4];
	size_t n_alerts;
};

static int collect_sip(void *ctx, struct event *ev)
{
	struct sip_seen *seen = ctx;

	if (ev->kind == EV_TLS_ALERT && seen->n_alerts < 4)
		seen->alerts[seen->n_alerts++] = ev->alert;
	if (ev->kind == EV_SIP && seen->count < 16)
		event_move(&seen->events[seen->count++], ev);
	else
		event_release(ev);
	return 0;
}

/* The close_notify of each side, the client's (this host's) first. */
static void assert_close_notifies(const struct sip_seen *seen)
{
	assert_int_equal(seen->n_alerts, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(seen->alerts[i].from, i == 0 ? SIDE_LOCAL : SIDE_PEER);
		assert_int_equal(seen->alerts[i].level, 1);
		assert_int_equal(seen->alerts[i].code, 0);
		assert_string_equal(seen->alerts[i].description, "close_notify");
	}
}

static int replay(const char *capture_path, const char *keylog_path, struct sip_seen *seen,
		  struct capture_source_stats *stats)
{
	struct capture_source_options options = {
	    .hosts = {CLIENT_ADDR}, .n_hosts = 1, .keylog_file = keylog_path};
	struct capture_source_run run = {&options, collect_sip, NULL, seen};
	struct capture_error err;

	memset(seen, 0, sizeof(*seen));
	return capture_source_read(capture_path, &run, stats, &err);
}

static void release_seen(struct sip_seen *seen)
{
	for (size_t i = 0; i < seen->count; i++)
		event_release(&seen->events[i]);
}

static void assert_call(const struct sip_seen *seen, size_t skip)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct ev_sip *sip;

		if (i == skip)
			continue;
		assert_true(n < seen->count);
		sip = &seen->events[n++].sip;
		assert_int_equal(strncmp(sip->raw, expected[i].start, strlen(expected[i].start)),
				 0);
		assert_int_equal(sip->dir, expected[i].from_client ? DIR_OUT : DIR_IN);
		assert_int_equal(sip->transport, TRANSPORT_TLS);
		assert_true(sip->decrypted);
		assert_int_equal(sip->local.port, 40000);
		assert_int_equal(sip->remote.port, 5061);
	}
	assert_int_equal(seen->count, n);
}

/* Rewrites the key log at PATH with the lines KEEP says true for (as KEEP left them). */
static void filter_keylog(const char *path, bool (*keep)(char *line))
{
	size_t len;
	char *text = (char *)test_read_file(path, &len);
	FILE *out = fopen(path, "w");

	assert_non_null(text);
	assert_non_null(out);
	text = realloc(text, len + 1);
	assert_non_null(text);
	text[len] = '\0';
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (keep(line))
			fprintf(out, "%s\n", line);
	fclose(out);
	free(text);
}

static bool is_traffic_secret(char *line)
{
	return !strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) ||
	       !strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24);
}

static void keep_traffic_secrets(const char *path)
{
	filter_keylog(path, is_traffic_secret);
}

static void run_call(const struct session_files *files, int version, const char *suite)
{
	struct capture_source_stats stats;
	struct sip_seen seen;

	make_capture(version, suite, files->capture, files->keylog, -1, 0);
	assert_int_equal(replay(files->capture, files->keylog, &seen, &stats), 0);
	assert_call(&seen, SIZE_MAX);
	assert_close_notifies(&seen);
	assert_int_equal(stats.tls_decrypt.auth_failed + stats.tls_decrypt.no_secrets +
			     stats.tls_decrypt.no_handshake + stats.tls_decrypt.unsupported,
			 0);
	release_seen(&seen);

	/* TLS 1.3 without the handshake secrets: the handshake records are told apart by
	 * trial, and the call is the same */
	if (version == TLS1_3_VERSION) {
		keep_traffic_secrets(files->keylog);
		assert_int_equal(replay(files->capture, files->keylog, &seen, &stats), 0);
		assert_call(&seen, SIZE_MAX);
		assert_close_notifies(&seen);
		assert_int_equal(stats.tls_decrypt.auth_failed, 0);
		release_seen(&seen);
	}

	/* no key log entry for this connection: every encrypted record is counted */
	assert_int_equal(replay(files->capture, "/dev/null", &seen, &stats), 0);
	assert_int_equal(seen.count, 0);
	assert_int_equal(seen.n_alerts, 0);
	assert_true(stats.tls_decrypt.no_secrets >= 5);
	assert_int_equal(stats.tls_decrypt.decrypted, 0);
}

static void test_tls12_gcm_call(void **state)
{
	run_call(*state, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256");
}

static void test_tls12_chacha_call(void **state)
{
	run_call(*state, TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305");
}

static void test_tls13_call(void **state)
{
	run_call(*state, TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384");
	run_call(*state, TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256");
}

/* TLS 1.3: the server refuses a client without a certificate after its own Finished, so its
 * alert is encrypted (under its application keys); decrypted, it is the peer's fatal alert, as
 * a plaintext one would be. */
static void test_tls13_refusal_alert(void **state)
{
	const struct session_files *files = *state;
	struct capture_source_stats stats;
	struct sip_seen seen;

	make_session(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", files->capture, files->keylog, -1, 0,
		     TWIST_REFUSE);
	assert_int_equal(replay(files->capture, files->keylog, &seen, &stats), 0);
	assert_int_equal(seen.count, 0);
	assert_int_equal(seen.n_alerts, 1);
	assert_int_equal(seen.alerts[0].from, SIDE_PEER);
	assert_true(alert_is_fatal(&seen.alerts[0]));
	assert_string_equal(seen.alerts[0].description, "certificate_required");
	assert_int_equal(stats.tls_decrypt.auth_failed + stats.tls_decrypt.no_secrets, 0);
}

/* TLS 1.2 renegotiation is not followed: what comes before is decrypted, what each side sends
 * under the new keys (the BYE, its 200, the close_notifys) is counted as unsupported, never
 * failed or made up. */
static void test_tls12_renegotiation_counted(void **state)
{
	const struct session_files *files = *state;
	struct capture_source_stats stats;
	struct sip_seen seen;

	make_session(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", files->capture, files->keylog,
		     -1, 0, TWIST_RENEGOTIATE);
	assert_int_equal(replay(files->capture, files->keylog, &seen, &stats), 0);
	assert_int_equal(seen.count, 4); /* INVITE, 100, 200, ACK */
	for (size_t i = 0; i < seen.count; i++)
		assert_int_equal(
		    strncmp(seen.events[i].sip.raw, expected[i].start, strlen(expected[i].start)),
		    0);
	assert_int_equal(seen.n_alerts, 0);
	assert_true(stats.tls_decrypt.unsupported >= 4);
	assert_int_equal(stats.tls_decrypt.auth_failed + stats.tls_decrypt.no_secrets, 0);
	release_seen(&seen);
}

/* Every hex digit of every secret changed: nothing authenticates, nothing is made up. */
static bool spoil_secret(char *line)
{
	for (char *c = strrchr(line, ' ') + 1; *c; c++)
		*c = *c == '0' ? '1' : '0';
	return true;
}

static void test_damage_is_counted(void **state)
{
	static const struct {
		int version;
		const char *suite;
	} runs[] = {{TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384"},
		    {TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256"}};
	const struct session_files *files = *state;
	struct capture_source_stats stats;
	struct sip_seen seen;

	for (size_t i = 0; i < 2; i++) {
		/* the ACK's record damaged: the ACK alone is missing, and counted */
		make_capture(runs[i].version, runs[i].suite, files->capture, files->keylog, CLIENT,
			     0);
		assert_int_equal(replay(files->capture, files->keylog, &seen, &stats), 0);
		assert_call(&seen, 3);
		assert_int_equal(stats.tls_decrypt.auth_failed, 1);
		release_seen(&seen);

		/* the capture stops inside the handshake or a record: no crash, no invention */
		for (size_t cut = 200; cut < 3000; cut += 97) {
			make_capture(runs[i].version, runs[i].suite, files->capture, files->keylog,
				     -1, cut);
			assert_int_equal(replay(files->capture, files->keylog, &seen, &stats), 0);
			assert_true(seen.count <= 6);
			for (size_t k = 0; k < seen.count; k++)
				assert_int_equal(strncmp(seen.events[k].sip.raw, expected[k].start,
							 strlen(expected[k].start)),
						 0);
			release_seen(&seen);
		}

		/* other secrets: every record is counted as failed */
		make_capture(runs[i].version, runs[i].suite, files->capture, files->keylog, -1, 0);
		filter_keylog(files->keylog, spoil_secret);
		assert_int_equal(replay(files->capture, files->keylog, &seen, &stats), 0);
		assert_int_equal(seen.count, 0);
		assert_int_equal(stats.tls_decrypt.decrypted, 0);
		assert_true(stats.tls_decrypt.auth_failed >= 5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tls12_gcm_call, session_files_make,
					    session_files_remove),
	    cmocka_unit_test_setup_teardown(test_tls12_chacha_call, session_files_make,
					    session_files_remove),
	    cmocka_unit_test_setup_teardown(test_tls13_call, session_files_make,
					    session_files_remove),
	    cmocka_unit_test_setup_teardown(test_tls13_refusal_alert, session_files_make,
					    session_files_remove),
	    cmocka_unit_test_setup_teardown(test_tls12_renegotiation_counted, session_files_make,
					    session_files_remove),
	    cmocka_unit_test_setup_teardown(test_damage_is_counted, session_files_make,
					    session_files_remove),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
