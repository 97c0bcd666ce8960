/* TLS key schedules and record decryption: RFC 8448's TLS 1.3 traces and the records of the
 * Illustrated TLS 1.2 / 1.3 connections (../shared/corpus/tls-records, with their key logs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/test_pki.h"
#include "tls_crypto.h"
#include "tls_handshake.h"

#define CAPS12 "../shared/corpus/tls-records/tls12/caps/"
#define CAPS13 "../shared/corpus/tls-records/tls13/caps/"

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (*hex == ' ')
			hex++;
		sscanf(hex, "%2hhx", &out[i]);
		hex += 2;
	}
}

/* RFC 8448 §3 (simple 1-RTT, TLS_AES_128_GCM_SHA256): the server's handshake and application
 * traffic secrets and the write keys derived from them. */
static void test_rfc8448_key_schedule(void **state)
{
	const struct tls_suite *suite = tls_suite_find(0x1301, TLS_VERSION_1_3);
	struct tls_traffic_keys keys = {0};
	uint8_t secret[32], key[16], iv[12];

	(void)state;
	assert_non_null(suite);
	unhex("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 "
	      "d3 91 ad 38",
	      secret, 32);
	assert_int_equal(tls13_traffic_keys(&keys, suite, secret, 32), 0);
	unhex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc", key, 16);
	unhex("5d 31 3e b2 67 12 76 ee 13 00 0b 30", iv, 12);
	assert_memory_equal(keys.key, key, 16);
	assert_memory_equal(keys.iv, iv, 12);

	unhex("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f "
	      "cb 63 16 43",
	      secret, 32);
	assert_int_equal(tls13_traffic_keys(&keys, suite, secret, 32), 0);
	unhex("9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56", key, 16);
	unhex("cf 78 2b 88 dd 83 54 9a ad f1 e9 84", iv, 12);
	assert_memory_equal(keys.key, key, 16);
	assert_memory_equal(keys.iv, iv, 12);
	tls_traffic_keys_release(&keys);
}

/* Decrypts a corpus record; returns the plaintext length, or -1 when it did not authenticate. */
static long open_record(struct tls_traffic_keys *keys, uint64_t seq, const char *path, uint8_t *out,
			uint8_t *type)
{
	size_t len, out_len;
	uint8_t *record = test_read_file(path, &len);
	enum tls_decrypt_status status;

	assert_non_null(record);
	status = tls_record_decrypt(keys, seq, record, len, out, &out_len, type);
	free(record);
	return status == TLS_DECRYPT_OK ? (long)out_len : -1;
}

static void test_tls13_corpus_records(void **state)
{
	const struct tls_suite *suite = tls_suite_find(0x1302, TLS_VERSION_1_3);
	struct tls_traffic_keys client = {0}, server = {0};
	uint8_t secret[48], out[1024], type;

	(void)state;
	/* keylog.txt: CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0, SERVER_HANDSHAKE_... */
	unhex("9e47af27cb60d818a9ea7d233cb5ed4cc525fcd74614fb24b0ee59acb8e5aa7ff8d88b8979211420"
	      "8fec291a6fa96bad",
	      secret, 48);
	assert_int_equal(tls13_traffic_keys(&client, suite, secret, 48), 0);
	assert_int_equal(open_record(&client, 0, CAPS13 "clientencdata", out, &type), 4);
	assert_memory_equal(out, "ping", 4);
	assert_int_equal(type, 23);
	/* a wrong sequence number does not authenticate */
	assert_int_equal(open_record(&client, 1, CAPS13 "clientencdata", out, &type), -1);
	/* and a refused record leaves nothing behind: the nonce and tag are set anew per record */
	assert_int_equal(open_record(&client, 0, CAPS13 "clientencdata", out, &type), 4);
	assert_memory_equal(out, "ping", 4);
	/* AES-GCM's nonce and tag as one parameter set, and the general way, open the same */
	assert_true(client.gcm_params);
	client.gcm_params = false;
	assert_int_equal(open_record(&client, 0, CAPS13 "clientencdata", out, &type), 4);
	assert_memory_equal(out, "ping", 4);
	assert_int_equal(open_record(&client, 1, CAPS13 "clientencdata", out, &type), -1);

	unhex("86c967fd7747a36a0685b4ed8d0e6b4c02b4ddaf3cd294aa44e9f6b0183bf911e89a189ba5dfd71f"
	      "ccffb5cc164901f8",
	      secret, 48);
	assert_int_equal(tls13_traffic_keys(&server, suite, secret, 48), 0);
	assert_true(open_record(&server, 0, CAPS13 "serverencticket1", out, &type) > 0);
	assert_int_equal(type, 22);
	assert_int_equal(out[0], TLS_HS_NEW_SESSION_TICKET);
	assert_true(open_record(&server, 1, CAPS13 "serverencticket2", out, &type) > 0);
	assert_int_equal(open_record(&server, 2, CAPS13 "serverencdata", out, &type), 4);
	assert_memory_equal(out, "pong", 4);

	unhex("23323da031634b241dd37d61032b62a4f450584d1f7f47983ba2f7cc0cdcc39a68f481f2b019f940"
	      "3a3051908a5d1622",
	      secret, 48);
	assert_int_equal(tls13_traffic_keys(&server, suite, secret, 48), 0);
	assert_int_equal(open_record(&server, 0, CAPS13 "serverencextensions", out, &type), 6);
	assert_int_equal(type, 22);
	assert_int_equal(out[0], 8); /* encrypted_extensions */
	/* the handshake keys do not open application data */
	assert_int_equal(open_record(&server, 4, CAPS13 "serverencdata", out, &type), -1);
	tls_traffic_keys_release(&client);
	tls_traffic_keys_release(&server);
}

static void test_tls13_key_update_changes_keys(void **state)
{
	const struct tls_suite *suite = tls_suite_find(0x1303, TLS_VERSION_1_3);
	struct tls_traffic_keys keys = {0};
	uint8_t secret[32] = {1}, before[32];

	(void)state;
	assert_int_equal(tls13_traffic_keys(&keys, suite, secret, 32), 0);
	memcpy(before, keys.key, 32);
	assert_int_equal(tls13_key_update(&keys), 0);
	assert_memory_not_equal(keys.key, before, 32);
	assert_memory_not_equal(keys.secret, secret, 32);
	tls_traffic_keys_release(&keys);
}

/* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: key block from the master secret and both randoms. */
static void test_tls12_cbc_corpus_records(void **state)
{
	struct tls_traffic_keys client = {0}, server = {0};
	struct tls_server_hello hello;
	uint8_t master[48], client_random[32], out[1024], type;
	size_t len;
	uint8_t *record = test_read_file(CAPS12 "serverhello", &len);
	const struct tls_suite *suite;

	(void)state;
	assert_non_null(record);
	assert_int_equal(tls_server_hello_parse(record + 9, len - 9, &hello), 0);
	free(record);
	suite = tls_suite_find(hello.cipher_suite, hello.version);
	assert_non_null(suite);
	for (size_t i = 0; i < 32; i++)
		client_random[i] = (uint8_t)i;
	unhex("916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7"
	      "387ac06ae237344c",
	      master, 48);
	assert_int_equal(tls12_traffic_keys(&client, &server, suite, master, 48, client_random,
					    hello.random, hello.encrypt_then_mac),
			 0);
	assert_int_equal(open_record(&client, 0, CAPS12 "clientfinished", out, &type), 16);
	assert_int_equal(type, 22);
	assert_int_equal(out[0], TLS_HS_FINISHED);
	assert_int_equal(open_record(&client, 1, CAPS12 "clientdata", out, &type), 4);
	assert_memory_equal(out, "ping", 4);
	assert_int_equal(open_record(&server, 0, CAPS12 "serverfinished", out, &type), 16);
	assert_int_equal(open_record(&server, 1, CAPS12 "serverdata", out, &type), 4);
	assert_memory_equal(out, "pong", 4);
	assert_int_equal(open_record(&client, 2, CAPS12 "clientalert", out, &type), 2);
	assert_int_equal(type, 21);
	/* the MAC covers the sequence number */
	assert_int_equal(open_record(&server, 0, CAPS12 "serverdata", out, &type), -1);
	tls_traffic_keys_release(&client);
	tls_traffic_keys_release(&server);
}

static void test_unsupported_suites(void **state)
{
	(void)state;
	assert_null(tls_suite_find(0x1304, TLS_VERSION_1_3)); /* AES_128_CCM_SHA256 */
	assert_null(tls_suite_find(0xc013, 0x0302));	      /* TLS 1.1 */
	assert_null(tls_suite_find(0x1301, TLS_VERSION_1_2));
	assert_non_null(tls_suite_find(0xc02f, TLS_VERSION_1_2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc8448_key_schedule),
	    cmocka_unit_test(test_tls13_corpus_records),
	    cmocka_unit_test(test_tls13_key_update_changes_keys),
	    cmocka_unit_test(test_tls12_cbc_corpus_records),
	    cmocka_unit_test(test_unsupported_suites),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
