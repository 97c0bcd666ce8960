/* Raw TLS-library records -> normalized events -> journal JSON, and the --ports parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "journal_write.h"
#include "tls_event.h"

#define ERR_LIB_SSL_ 20

/* The event's journal line, NULL for kinds the journal does not carry. */
static json_t *tls_json(const struct tls_event *tls)
{
	struct event ev;
	json_t *obj;

	if (tls_event_to_event(tls, &ev))
		return NULL;
	obj = event_to_json(&ev);
	event_release(&ev);
	return obj;
}

static struct ssl_handshake_event handshake_raw(struct ssl_err err, long verify_result)
{
	struct ssl_handshake_event raw = {0};

	raw.head.type = SSL_EVENT_HANDSHAKE_END;
	raw.head.ts_ns = 5000;
	raw.head.conn.cookie = 42;
	raw.head.conn.family = AF_INET;
	memcpy(raw.head.conn.laddr, "\x7f\x00\x00\x01", 4);
	memcpy(raw.head.conn.raddr, "\x0a\x63\x00\x02", 4);
	raw.head.conn.lport = 45215;
	raw.head.conn.rport = 5061;
	raw.head.conn.bind_source = SSL_BIND_SEND_AFTER;
	memcpy(raw.head.comm, "kamailio", 9);
	raw.start_ns = 1000;
	raw.err = err;
	raw.verify_result = verify_result;
	raw.role = SSL_ROLE_CLIENT;
	raw.end_by = SSL_HS_END_RETURN;
	raw.ret = -1;
	raw.ssl_error = -1;
	return raw;
}

static void test_verify_failure_in_openssl_words(void **state)
{
	struct ssl_handshake_event raw =
	    handshake_raw((struct ssl_err){ERR_LIB_SSL_, SSL_R_CERTIFICATE_VERIFY_FAILED}, 20);
	struct tls_event ev;

	(void)state;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 100, &ev), 0);
	assert_int_equal(ev.kind, TLS_EVENT_HANDSHAKE_END);
	assert_false(ev.handshake.ok);
	assert_string_equal(ev.handshake.role, "client");
	assert_int_equal(ev.handshake.duration_ns, 4000);
	assert_int_equal(ev.handshake.start_ts_ns, 1100);
	assert_int_equal(ev.ts_ns, 5100);
	assert_string_equal(ev.handshake.error, "certificate verify failed");
	assert_string_equal(ev.handshake.error_detail,
			    "error:0A000086:SSL routines::certificate verify failed");
	assert_string_equal(ev.handshake.verify_error, "unable to get local issuer certificate");
	assert_string_equal(ip_addr_text(&ev.laddr).text, "127.0.0.1");
	assert_string_equal(ip_addr_text(&ev.raddr).text, "10.99.0.2");
	assert_string_equal(ev.mapped_by, "send_after");
	assert_string_equal(ev.comm, "kamailio");
}

static void test_alert_reason_and_no_verify(void **state)
{
	struct ssl_handshake_event raw =
	    handshake_raw((struct ssl_err){ERR_LIB_SSL_, SSL_R_TLSV1_ALERT_UNKNOWN_CA}, -1);
	struct tls_event ev;

	(void)state;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_string_equal(ev.handshake.error, "tlsv1 alert unknown ca");
	assert_null(ev.handshake.verify_error);
}

static void test_failure_without_error_queue(void **state)
{
	struct ssl_handshake_event raw = handshake_raw((struct ssl_err){0}, -1);
	struct tls_event ev;

	(void)state;
	raw.end_by = SSL_HS_END_FREE;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_string_equal(ev.handshake.error, "handshake not finished");
	assert_string_equal(ev.handshake.ended_by, "SSL_free");

	raw.end_by = SSL_HS_END_GET_ERROR;
	raw.ssl_error = SSL_ERROR_SYSCALL;
	raw.other = (struct ssl_err){2 /* ERR_LIB_SYS */, ECONNRESET};
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_string_equal(ev.handshake.error, strerror(ECONNRESET));
}

static void test_bad_records_rejected(void **state)
{
	struct ssl_data_event raw = {0};
	struct tls_event ev;

	(void)state;
	assert_int_equal(tls_event_from_raw(&raw, 8, 0, &ev), -EINVAL);
	raw.head.type = 99;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), -EINVAL);
	raw.head.type = SSL_EVENT_DATA;
	raw.len = 100; /* more than the record holds */
	assert_int_equal(
	    tls_event_from_raw(&raw, offsetof(struct ssl_data_event, data) + 10, 0, &ev), -EINVAL);
	raw.head.type = SSL_EVENT_HANDSHAKE_END;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(struct ssl_event_head), 0, &ev), -EINVAL);
}

static void test_sip_json_from_data(void **state)
{
	static const char bye[] = "BYE sip:uac@127.0.0.1:5070 SIP/2.0\r\n\r\n";
	struct ssl_data_event raw = {0};
	struct tls_event ev;
	json_t *obj;

	(void)state;
	raw.head.type = SSL_EVENT_DATA;
	raw.head.conn.cookie = 7;
	raw.head.conn.family = AF_INET6;
	/* ::ffff:10.99.0.1 on a dual-stack socket is written dotted. */
	memcpy(raw.head.conn.laddr, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\x63\x00\x01", 16);
	raw.head.conn.raddr[15] = 1;
	raw.dir = SSL_DIR_OUT;
	raw.len = strlen(bye);
	raw.total_len = 20000;
	raw.truncated = 1;
	memcpy(raw.data, bye, raw.len);
	assert_int_equal(
	    tls_event_from_raw(&raw, offsetof(struct ssl_data_event, data) + raw.len, 0, &ev), 0);
	obj = tls_json(&ev);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "event")), "sip");
	assert_string_equal(json_string_value(json_object_get(obj, "dir")), "out");
	assert_string_equal(json_string_value(json_object_get(obj, "transport")), "tls");
	assert_string_equal(json_string_value(json_object_get(obj, "raw")), bye);
	assert_string_equal(json_string_value(json_object_get(obj, "laddr")), "10.99.0.1");
	assert_string_equal(json_string_value(json_object_get(obj, "raddr")), "::1");
	assert_int_equal(json_integer_value(json_object_get(obj, "conn")), 7);
	assert_true(json_is_true(json_object_get(obj, "truncated")));
	json_decref(obj);
}

static void test_handshake_json_nulls_when_ok(void **state)
{
	struct ssl_handshake_event raw = handshake_raw((struct ssl_err){0}, 0);
	struct tls_event ev;
	json_t *obj;

	(void)state;
	raw.ok = 1;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	obj = tls_json(&ev);
	assert_non_null(obj);
	assert_true(json_is_true(json_object_get(obj, "ok")));
	assert_true(json_is_null(json_object_get(obj, "error")));
	assert_true(json_is_null(json_object_get(obj, "verify_error")));
	assert_int_equal(json_integer_value(json_object_get(obj, "duration_ns")), 4000);
	assert_true(json_is_false(json_object_get(obj, "after_handshake")));
	json_decref(obj);

	raw.head.type = SSL_EVENT_HANDSHAKE_BEGIN;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_null(tls_json(&ev));
}

/* A TLS 1.3 client whose certificate the server rejected after SSL_connect returned 1. */
static void test_failure_after_handshake_json(void **state)
{
	struct ssl_handshake_event raw =
	    handshake_raw((struct ssl_err){ERR_LIB_SSL_, SSL_R_TLSV1_ALERT_UNKNOWN_CA}, 0);
	struct tls_event ev;
	json_t *obj;

	(void)state;
	raw.after_handshake = 1;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_true(ev.handshake.after_handshake);
	obj = tls_json(&ev);
	assert_non_null(obj);
	assert_true(json_is_false(json_object_get(obj, "ok")));
	assert_true(json_is_true(json_object_get(obj, "after_handshake")));
	assert_string_equal(json_string_value(json_object_get(obj, "error")),
			    "tlsv1 alert unknown ca");
	json_decref(obj);
}

/* TLS 1.3 traffic secrets by their zero tail (32 or 48 bytes), else the TLS 1.2 master key;
 * nothing without a client random. */
static void test_secrets_by_version(void **state)
{
	struct ssl_secrets_event raw = {.head.type = SSL_EVENT_SECRETS,
					.read = SSL_SECRETS_RANDOM | SSL_SECRETS_MASTER_KEY |
						SSL_SECRETS_APP};
	struct tls_event ev;

	(void)state;
	memset(raw.client_random, 0xcc, sizeof(raw.client_random));
	memset(raw.client_app, 0x11, 32);
	memset(raw.server_app, 0x22, 32);
	memset(raw.master_key, 0x33, sizeof(raw.master_key)); /* TLS 1.3: a resumption secret */
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_int_equal(ev.kind, TLS_EVENT_SECRETS);
	assert_int_equal(ev.secrets.count, 2);
	assert_int_equal(ev.secrets.secrets[0].label, TLS_SECRET_CLIENT_TRAFFIC_0);
	assert_int_equal(ev.secrets.secrets[0].len, 32);
	assert_int_equal(ev.secrets.secrets[1].label, TLS_SECRET_SERVER_TRAFFIC_0);
	assert_int_equal(ev.secrets.secrets[1].bytes[31], 0x22);
	assert_int_equal(ev.secrets.client_random[0], 0xcc);

	memset(raw.client_app, 0x11, 48);
	memset(raw.server_app, 0x22, 48);
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_int_equal(ev.secrets.secrets[0].len, 48);

	memset(raw.client_app, 0, sizeof(raw.client_app));
	memset(raw.server_app, 0, sizeof(raw.server_app));
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_int_equal(ev.secrets.count, 1);
	assert_int_equal(ev.secrets.secrets[0].label, TLS_SECRET_CLIENT_RANDOM);
	assert_int_equal(ev.secrets.secrets[0].len, SSL_MASTER_KEY_LEN);

	raw.read &= ~SSL_SECRETS_RANDOM;
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw), 0, &ev), 0);
	assert_int_equal(ev.secrets.count, 0);
	assert_int_equal(tls_event_from_raw(&raw, sizeof(raw) - 1, 0, &ev), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verify_failure_in_openssl_words),
	    cmocka_unit_test(test_alert_reason_and_no_verify),
	    cmocka_unit_test(test_failure_without_error_queue),
	    cmocka_unit_test(test_bad_records_rejected),
	    cmocka_unit_test(test_sip_json_from_data),
	    cmocka_unit_test(test_handshake_json_nulls_when_ok),
	    cmocka_unit_test(test_failure_after_handshake_json),
	    cmocka_unit_test(test_secrets_by_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
