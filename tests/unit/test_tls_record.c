/* TLS record decoder on the raw records of the Illustrated TLS 1.2 / 1.3 connections and on
 * records built here: splitting, reassembly, alerts, and bad input with its byte offset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/test_pki.h"
#include "tls_record.h"

#define CAPS12	   "../shared/corpus/tls-records/tls12/caps/"
#define CAPS13	   "../shared/corpus/tls-records/tls13/caps/"
#define MAX_EVENTS 64

struct log {
	struct tls_record_event events[MAX_EVENTS];
	char sni[64];
	size_t cert_len[4];
	size_t count;
};

static void record_event(void *user, const struct tls_record_event *ev)
{
	struct log *log = user;
	if (ev->type == TLS_EV_CLIENT_HELLO)
		snprintf(log->sni, sizeof(log->sni), "%.*s", (int)ev->client_hello.sni.len,
			 (const char *)ev->client_hello.sni.ptr);
	if (ev->type == TLS_EV_CERTIFICATE)
		for (size_t i = 0; i < ev->certificate.count && i < 4; i++)
			log->cert_len[i] = ev->certificate.certs[i].len;
	if (log->count < MAX_EVENTS)
		log->events[log->count++] = *ev;
}

/* Concatenates corpus files into one stream. */
static uint8_t *load_stream(size_t *len, const char *const *paths)
{
	uint8_t *all = NULL;
	*len = 0;
	for (; *paths; paths++) {
		size_t n;
		uint8_t *part = test_read_file(*paths, &n);
		assert_non_null(part);
		all = realloc(all, *len + n);
		memcpy(all + *len, part, n);
		*len += n;
		free(part);
	}
	return all;
}

static void feed_in_chunks(struct tls_conn *conn, enum tls_dir from, const uint8_t *data,
			   size_t len, size_t chunk, struct log *log)
{
	for (size_t at = 0; at < len; at += chunk) {
		size_t n = len - at < chunk ? len - at : chunk;
		assert_int_equal(tls_conn_feed(conn, from, data + at, n, at, record_event, log),
				 TLS_OK);
	}
}

static void test_tls12_handshake_any_split(void **state)
{
	(void)state;
	const char *client[] = {CAPS12 "clienthello",
				CAPS12 "clientkeyexchange",
				CAPS12 "clientccs",
				CAPS12 "clientfinished",
				CAPS12 "clientdata",
				CAPS12 "clientalert",
				NULL};
	const char *server[] = {CAPS12 "serverhello", CAPS12 "servercert",
				CAPS12 "serverkeyexchange", CAPS12 "serverhellodone", NULL};
	size_t client_len, server_len;
	uint8_t *client_bytes = load_stream(&client_len, client);
	uint8_t *server_bytes = load_stream(&server_len, server);
	const size_t chunks[] = {1, 3, 7, 100, 100000};
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct tls_conn conn;
		struct log log = {0};
		tls_conn_init(&conn);
		feed_in_chunks(&conn, TLS_FROM_CLIENT, client_bytes, 170, chunks[i], &log);
		feed_in_chunks(&conn, TLS_FROM_SERVER, server_bytes, server_len, chunks[i], &log);
		feed_in_chunks(&conn, TLS_FROM_CLIENT, client_bytes + 170, client_len - 170,
			       chunks[i], &log);
		assert_int_equal(log.count, 10);
		assert_int_equal(log.events[0].type, TLS_EV_CLIENT_HELLO);
		assert_string_equal(log.sni, "example.ulfheim.net");
		assert_int_equal(log.events[0].client_hello.legacy_version, TLS_VERSION_1_2);
		assert_false(log.events[0].client_hello.has_supported_versions);
		assert_int_equal(log.events[0].client_hello.cipher_suites_count, 16);
		assert_int_equal(log.events[1].type, TLS_EV_SERVER_HELLO);
		assert_int_equal(log.events[1].server_hello.version, TLS_VERSION_1_2);
		assert_string_equal(tls_cipher_suite_name(log.events[1].server_hello.cipher_suite),
				    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
		assert_int_equal(log.events[2].type, TLS_EV_CERTIFICATE);
		assert_int_equal(log.events[2].certificate.count, 1);
		assert_int_equal(log.cert_len[0], 805);
		assert_int_equal(log.events[3].handshake_type, TLS_HS_SERVER_KEY_EXCHANGE);
		assert_int_equal(log.events[4].handshake_type, TLS_HS_SERVER_HELLO_DONE);
		assert_int_equal(log.events[5].handshake_type, TLS_HS_CLIENT_KEY_EXCHANGE);
		assert_int_equal(log.events[6].type, TLS_EV_CHANGE_CIPHER_SPEC);
		assert_int_equal(log.events[7].type, TLS_EV_ENCRYPTED_HANDSHAKE);
		assert_int_equal(log.events[8].type, TLS_EV_APPLICATION_DATA);
		/* close_notify after CCS is encrypted in TLS 1.2: its content stays hidden. */
		assert_int_equal(log.events[9].type, TLS_EV_ENCRYPTED_ALERT);
		assert_int_equal(log.events[9].stream_offset, client_len - 53);
		assert_int_equal(conn.dir[TLS_FROM_CLIENT].app_data_records, 1);
		assert_int_equal(conn.dir[TLS_FROM_CLIENT].app_data_bytes, 48);
		assert_false(tls_conn_certificates_encrypted(&conn));
		tls_conn_release(&conn);
	}
	free(client_bytes);
	free(server_bytes);
}

static void test_tls13_versions_and_hidden_certificate(void **state)
{
	(void)state;
	const char *client[] = {CAPS13 "clienthello", CAPS13 "clientccs", NULL};
	const char *server[] = {CAPS13 "serverhello",
				CAPS13 "serverccs",
				CAPS13 "serverencextensions",
				CAPS13 "serverenccert",
				CAPS13 "serverenccertverify",
				CAPS13 "serverencfinished",
				NULL};
	size_t client_len, server_len;
	uint8_t *client_bytes = load_stream(&client_len, client);
	uint8_t *server_bytes = load_stream(&server_len, server);
	struct tls_conn conn;
	struct log log = {0};
	tls_conn_init(&conn);
	feed_in_chunks(&conn, TLS_FROM_CLIENT, client_bytes, client_len, 5, &log);
	feed_in_chunks(&conn, TLS_FROM_SERVER, server_bytes, server_len, 5, &log);
	const struct tls_client_hello *ch = &log.events[0].client_hello;
	assert_true(ch->has_supported_versions);
	assert_int_equal(ch->versions_count, 1);
	assert_int_equal(ch->versions[0], TLS_VERSION_1_3);
	assert_string_equal(log.sni, "example.ulfheim.net");
	assert_int_equal(log.events[1].type, TLS_EV_CHANGE_CIPHER_SPEC);
	const struct tls_server_hello *sh = &log.events[2].server_hello;
	assert_int_equal(sh->legacy_version, TLS_VERSION_1_2);
	assert_int_equal(sh->version, TLS_VERSION_1_3);
	assert_false(sh->hello_retry_request);
	assert_string_equal(tls_cipher_suite_name(sh->cipher_suite), "TLS_AES_256_GCM_SHA384");
	assert_string_equal(tls_version_name(sh->version), "TLS 1.3");
	assert_true(tls_conn_certificates_encrypted(&conn));
	for (size_t i = 0; i < log.count; i++)
		assert_int_not_equal(log.events[i].type, TLS_EV_CERTIFICATE);
	assert_int_equal(conn.dir[TLS_FROM_SERVER].app_data_records, 4);
	tls_conn_release(&conn);
	free(client_bytes);
	free(server_bytes);
}

static void feed_bytes(struct tls_conn *conn, enum tls_dir from, const uint8_t *data, size_t len,
		       struct log *log)
{
	tls_conn_feed(conn, from, data, len, 0, record_event, log);
}

/* A TLS 1.3 client that distrusts the server's chain alerts before switching keys. */
static void test_tls13_plaintext_alert_after_ccs(void **state)
{
	(void)state;
	size_t sh_len;
	uint8_t *sh = test_read_file(CAPS13 "serverhello", &sh_len);
	assert_non_null(sh);
	struct tls_conn conn;
	struct log log = {0};
	tls_conn_init(&conn);
	feed_bytes(&conn, TLS_FROM_SERVER, sh, sh_len, &log);
	const uint8_t ccs_then_alert[] = {20, 3, 3, 0, 1, 1, 21, 3, 3, 0, 2, 2, 48};
	feed_bytes(&conn, TLS_FROM_CLIENT, ccs_then_alert, sizeof(ccs_then_alert), &log);
	assert_int_equal(log.count, 3);
	assert_int_equal(log.events[2].type, TLS_EV_ALERT);
	assert_string_equal(tls_alert_level_name(log.events[2].alert_level), "fatal");
	assert_string_equal(tls_alert_name(log.events[2].alert_description), "unknown_ca");
	assert_int_equal(log.events[2].stream_offset, 6);
	tls_conn_release(&conn);
	free(sh);
}

/* One Certificate message over three records, and two messages in one record. */
static void test_handshake_message_across_records(void **state)
{
	(void)state;
	size_t cert_len, done_len;
	uint8_t *cert = test_read_file(CAPS12 "servercert", &cert_len);
	uint8_t *done = test_read_file(CAPS12 "serverhellodone", &done_len);
	assert_non_null(cert);
	assert_non_null(done);
	/* Messages without their record headers: Certificate, then ServerHelloDone. */
	size_t msgs_len = cert_len - 5 + done_len - 5;
	uint8_t msgs[2048], stream[2048];
	memcpy(msgs, cert + 5, cert_len - 5);
	memcpy(msgs + cert_len - 5, done + 5, done_len - 5);
	size_t cuts[] = {0, 2, 500, msgs_len}, out = 0;
	for (int i = 0; i < 3; i++) {
		size_t n = cuts[i + 1] - cuts[i];
		uint8_t header[5] = {22, 3, 3, (uint8_t)(n >> 8), (uint8_t)n};
		memcpy(stream + out, header, 5);
		memcpy(stream + out + 5, msgs + cuts[i], n);
		out += 5 + n;
	}
	struct tls_conn conn;
	struct log log = {0};
	tls_conn_init(&conn);
	feed_bytes(&conn, TLS_FROM_SERVER, stream, out, &log);
	assert_int_equal(conn.dir[TLS_FROM_SERVER].status, TLS_OK);
	assert_int_equal(log.count, 2);
	assert_int_equal(log.events[0].type, TLS_EV_CERTIFICATE);
	assert_int_equal(log.cert_len[0], 805);
	assert_int_equal(log.events[1].handshake_type, TLS_HS_SERVER_HELLO_DONE);
	assert_int_equal(conn.dir[TLS_FROM_SERVER].hs_have, 0);
	tls_conn_release(&conn);
	free(cert);
	free(done);
}

static void test_errors_name_the_offset(void **state)
{
	(void)state;
	struct tls_conn conn;
	struct log log = {0};
	size_t ch_len;
	uint8_t *ch = test_read_file(CAPS12 "clienthello", &ch_len);
	assert_non_null(ch);

	/* Not TLS at all (plaintext SIP on the TLS port). */
	tls_conn_init(&conn);
	const char *sip = "OPTIONS sip:a@b SIP/2.0\r\n";
	assert_int_equal(tls_conn_feed(&conn, TLS_FROM_CLIENT, (const uint8_t *)sip, strlen(sip), 0,
				       record_event, &log),
			 TLS_ERR_NOT_TLS);
	assert_string_equal(conn.dir[0].error, "TLS client->server stream, byte 0: not a TLS "
					       "record header (4f 50 54)");
	tls_conn_release(&conn);

	/* Found bad from two bytes only (a fuzzer find: only those two may be read). */
	const uint8_t two[] = {22, 7};
	tls_conn_init(&conn);
	assert_int_equal(tls_conn_feed(&conn, TLS_FROM_SERVER, two, 2, 0, NULL, NULL),
			 TLS_ERR_NOT_TLS);
	assert_string_equal(conn.dir[1].error, "TLS server->client stream, byte 0: not a TLS "
					       "record header (16 07)");
	tls_conn_release(&conn);

	/* Garbage after a good record: the offset is the record's. */
	uint8_t buf[512];
	memcpy(buf, ch, ch_len);
	const uint8_t huge[] = {23, 3, 3, 0xff, 0xff};
	memcpy(buf + ch_len, huge, sizeof(huge));
	tls_conn_init(&conn);
	assert_int_equal(
	    tls_conn_feed(&conn, TLS_FROM_CLIENT, buf, ch_len + 5, 0, record_event, &log),
	    TLS_ERR_RECORD_LEN);
	assert_non_null(strstr(conn.dir[0].error, "byte 170: record length 65535"));
	/* Once broken, the direction stays broken; the other one still works. */
	assert_int_equal(tls_conn_feed(&conn, TLS_FROM_CLIENT, ch, ch_len, 0, NULL, NULL),
			 TLS_ERR_RECORD_LEN);
	assert_int_equal(tls_conn_feed(&conn, TLS_FROM_SERVER, ch, ch_len, 0, NULL, NULL), TLS_OK);
	tls_conn_release(&conn);

	/* A ClientHello whose session id length runs past its end. */
	memcpy(buf, ch, ch_len);
	buf[5 + 4 + 2 + 32] = 0xff;
	tls_conn_init(&conn);
	assert_int_equal(tls_conn_feed(&conn, TLS_FROM_CLIENT, buf, ch_len, 0, NULL, NULL),
			 TLS_ERR_MALFORMED);
	assert_non_null(strstr(conn.dir[0].error, "byte 0: client_hello message"));
	tls_conn_release(&conn);

	/* A handshake message claiming 16 MB. */
	const uint8_t big_msg[] = {22, 3, 3, 0, 4, 11, 0xff, 0xff, 0xff};
	tls_conn_init(&conn);
	assert_int_equal(
	    tls_conn_feed(&conn, TLS_FROM_SERVER, big_msg, sizeof(big_msg), 0, NULL, NULL),
	    TLS_ERR_HANDSHAKE_LEN);
	tls_conn_release(&conn);

	/* A TCP gap stops the direction, at the byte where it happened. */
	tls_conn_init(&conn);
	assert_int_equal(tls_conn_feed(&conn, TLS_FROM_CLIENT, ch, 100, 0, NULL, NULL), TLS_OK);
	tls_conn_gap(&conn, TLS_FROM_CLIENT, 1448);
	assert_int_equal(conn.dir[0].status, TLS_ERR_GAP);
	assert_string_equal(conn.dir[0].error, "TLS client->server stream, byte 100: 1448 bytes "
					       "missing from the capture, decoding stopped");
	tls_conn_release(&conn);
	free(ch);
}

static void test_record_parse_incomplete(void **state)
{
	(void)state;
	struct tls_record rec;
	size_t len;
	const uint8_t partial[] = {22, 3, 1, 0, 10, 1, 2};
	assert_int_equal(tls_record_parse(partial, 2, &rec, &len), TLS_INCOMPLETE);
	assert_int_equal(tls_record_parse(partial, sizeof(partial), &rec, &len), TLS_INCOMPLETE);
	const uint8_t empty_app[] = {23, 3, 3, 0, 0};
	assert_int_equal(tls_record_parse(empty_app, 5, &rec, &len), TLS_OK);
	assert_int_equal(len, 5);
	const uint8_t sslv2[] = {0x80, 0x2e, 0x01};
	assert_int_equal(tls_record_parse(sslv2, 3, &rec, &len), TLS_ERR_NOT_TLS);
	assert_null(tls_alert_name(255));
	assert_null(tls_cipher_suite_name(0x1234));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls12_handshake_any_split),
	    cmocka_unit_test(test_tls13_versions_and_hidden_certificate),
	    cmocka_unit_test(test_tls13_plaintext_alert_after_ccs),
	    cmocka_unit_test(test_handshake_message_across_records),
	    cmocka_unit_test(test_errors_name_the_offset),
	    cmocka_unit_test(test_record_parse_incomplete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
