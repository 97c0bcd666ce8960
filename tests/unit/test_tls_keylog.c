/* The table of TLS session secrets: the NSS key log file format, lookups, the bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tls_keylog.h"

#define TLS13_KEYLOG "../shared/corpus/tls-records/tls13/keylog.txt"
#define TLS12_KEYLOG "../shared/corpus/tls-records/tls12/keylog.txt"

static const uint8_t counting_random[TLS_RANDOM_LEN] = {
    0,	1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

static void test_corpus_files_load(void **state)
{
	struct tls_keylog *log = tls_keylog_new();
	uint8_t secret[TLS_SECRET_MAX];
	char why[256];

	(void)state;
	assert_int_equal(tls_keylog_load(log, TLS13_KEYLOG, why, sizeof(why)), 0);
	assert_int_equal(tls_keylog_get(log, counting_random, TLS_SECRET_SERVER_TRAFFIC_0, secret),
			 48);
	assert_int_equal(secret[0], 0x86);
	assert_int_equal(secret[47], 0xf8);
	assert_int_equal(
	    tls_keylog_get(log, counting_random, TLS_SECRET_CLIENT_HANDSHAKE_TRAFFIC, secret), 48);
	assert_int_equal(secret[0], 0xdb);
	/* EXPORTER_SECRET is not kept: four secrets of the five lines */
	assert_int_equal(tls_keylog_stats(log)->secrets_added, 4);
	assert_int_equal(tls_keylog_get(log, counting_random, TLS_SECRET_CLIENT_RANDOM, secret), 0);

	assert_int_equal(tls_keylog_load(log, TLS12_KEYLOG, why, sizeof(why)), 0);
	assert_int_equal(tls_keylog_get(log, counting_random, TLS_SECRET_CLIENT_RANDOM, secret),
			 48);
	assert_int_equal(secret[0], 0x91);
	tls_keylog_free(log);
}

static void test_bad_lines_name_file_and_line(void **state)
{
	const char *bad[] = {
	    "CLIENT_RANDOM 0001 aabb\n",
	    "CLIENT_RANDOM "
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f zz\n",
	    "CLIENT_RANDOM "
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f aabb extra\n",
	};
	char path[] = "/tmp/test_tls_keylog_XXXXXX", why[256];
	struct tls_keylog *log = tls_keylog_new();

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = mkstemp(path);
		FILE *file = fdopen(fd, "w");

		fprintf(file, "# a comment\n\nEXPORTER_SECRET whatever\n%s", bad[i]);
		fclose(file);
		assert_int_equal(tls_keylog_load(log, path, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, path));
		assert_non_null(strstr(why, ":4: "));
		unlink(path);
		strcpy(path, "/tmp/test_tls_keylog_XXXXXX");
	}
	assert_int_equal(tls_keylog_load(log, "/nonexistent/keylog", why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "/nonexistent/keylog"));
	tls_keylog_free(log);
}

static void test_full_table_expires_old_then_refuses(void **state)
{
	struct tls_keylog *log = tls_keylog_new();
	uint8_t client_random[TLS_RANDOM_LEN] = {0}, secret[TLS_SECRET_MAX] = {7};

	(void)state;
	for (uint32_t i = 0; i < TLS_KEYLOG_CAPACITY; i++) {
		memcpy(client_random, &i, sizeof(i));
		assert_int_equal(
		    tls_keylog_add(log, client_random, TLS_SECRET_CLIENT_RANDOM, secret, 48, 1000),
		    0);
	}
	/* full of recent entries: refused and counted */
	memcpy(client_random, &(uint32_t){TLS_KEYLOG_CAPACITY}, sizeof(uint32_t));
	assert_int_equal(
	    tls_keylog_add(log, client_random, TLS_SECRET_CLIENT_RANDOM, secret, 48, 2000), -1);
	assert_int_equal(tls_keylog_stats(log)->refused, 1);
	/* a known client random still takes more secrets */
	memcpy(client_random, &(uint32_t){5}, sizeof(uint32_t));
	assert_int_equal(
	    tls_keylog_add(log, client_random, TLS_SECRET_SERVER_TRAFFIC_0, secret, 32, 2000), 0);
	/* later than the maximum age: the old ones go, the new one is kept */
	memcpy(client_random, &(uint32_t){TLS_KEYLOG_CAPACITY}, sizeof(uint32_t));
	assert_int_equal(tls_keylog_add(log, client_random, TLS_SECRET_CLIENT_RANDOM, secret, 48,
					1000 + TLS_KEYLOG_MAX_AGE_NS + 1),
			 0);
	assert_int_equal(tls_keylog_stats(log)->expired, TLS_KEYLOG_CAPACITY - 1);
	assert_int_equal(tls_keylog_get(log, client_random, TLS_SECRET_CLIENT_RANDOM, secret), 48);
	memcpy(client_random, &(uint32_t){5}, sizeof(uint32_t));
	assert_int_equal(tls_keylog_get(log, client_random, TLS_SECRET_SERVER_TRAFFIC_0, secret),
			 32);
	assert_int_equal(tls_keylog_add(log, client_random, TLS_SECRET_LABELS, secret, 32, 0),
			 -EINVAL);
	assert_int_equal(
	    tls_keylog_add(log, client_random, TLS_SECRET_CLIENT_RANDOM, secret, 49, 0), -EINVAL);
	tls_keylog_free(log);
}

static void append(const char *path, const char *mode, const char *text)
{
	FILE *file = fopen(path, mode);

	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

/* A growing file: only whole lines are taken, each once; a replaced file is read again. */
static void test_follow_a_growing_file(void **state)
{
	static const char line[] =
	    "CLIENT_RANDOM 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
	    "916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7387ac"
	    "06ae237344c";
	char path[] = "/tmp/test_tls_keylog_XXXXXX", why[256];
	struct tls_keylog *log = tls_keylog_new();
	struct tls_keylog_file file = {.path = path};
	uint8_t secret[TLS_SECRET_MAX];

	(void)state;
	close(mkstemp(path));
	append(path, "w", "# SSL/TLS secrets log file\nCLIENT_RANDOM 0001");
	assert_int_equal(tls_keylog_follow(log, &file, 5, why, sizeof(why)), 0);
	assert_int_equal(tls_keylog_stats(log)->secrets_added, 0);
	append(path, "w", "# SSL/TLS secrets log file\n");
	append(path, "a", line);
	assert_int_equal(tls_keylog_follow(log, &file, 5, why, sizeof(why)), 0);
	assert_int_equal(tls_keylog_stats(log)->secrets_added, 0); /* no newline yet */
	append(path, "a", "\n");
	assert_int_equal(tls_keylog_follow(log, &file, 5, why, sizeof(why)), 0);
	assert_int_equal(tls_keylog_follow(log, &file, 6, why, sizeof(why)), 0);
	assert_int_equal(tls_keylog_stats(log)->secrets_added, 1);
	assert_int_equal(tls_keylog_get(log, counting_random, TLS_SECRET_CLIENT_RANDOM, secret),
			 48);
	append(path, "w", line);
	append(path, "a", "\nCLIENT_RANDOM zz 00\n");
	assert_int_equal(tls_keylog_follow(log, &file, 7, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, ":2: "));
	assert_int_equal(tls_keylog_stats(log)->secrets_added, 2);
	/* a finished file's last line needs no newline */
	append(path, "w", line);
	assert_int_equal(tls_keylog_load(log, path, why, sizeof(why)), 0);
	assert_int_equal(tls_keylog_stats(log)->secrets_added, 3);
	unlink(path);
	tls_keylog_free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_files_load),
	    cmocka_unit_test(test_bad_lines_name_file_and_line),
	    cmocka_unit_test(test_full_table_expires_old_then_refuses),
	    cmocka_unit_test(test_follow_a_growing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
