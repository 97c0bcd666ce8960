/* Finding OpenSSL's secrets in its objects with a handshake of this process with itself
 * (userspace/sources/ssl_secret_offsets.c), on the libssl this test runs with. Whether the
 * offsets read the secrets of another process's handshake is proven live (test_ssl_secrets). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ssl_lib_path.h"
#include "ssl_secret_offsets.h"

static void test_derived_on_own_libssl(void **state)
{
	struct ssl_secret_offsets first, again;
	char lib[4096], why[256] = "";

	(void)state;
	assert_int_equal(ssl_lib_path_default(lib, sizeof(lib)), 0);
	assert_int_equal(ssl_secret_offsets_derive(lib, &first, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_int_not_equal(first.client_random, SSL_SECRET_OFFSET_NONE);
	assert_int_not_equal(first.session, SSL_SECRET_OFFSET_NONE);
	assert_int_equal(first.session % 8, 0);
	assert_int_not_equal(first.master_key, SSL_SECRET_OFFSET_NONE);
	assert_int_not_equal(first.client_app_secret, first.server_app_secret);
	assert_true(first.statem_connect != 0 && first.statem_accept != 0);
	assert_true(first.statem_connect != first.statem_accept);
	/* fresh objects in another run: the same layout */
	assert_int_equal(ssl_secret_offsets_derive(lib, &again, why, sizeof(why)), 0);
	assert_memory_equal(&first, &again, sizeof(first));
}

static void test_other_file_refused(void **state)
{
	struct ssl_secret_offsets offsets;
	char why[256] = "";

	(void)state;
	assert_int_equal(ssl_secret_offsets_derive("/bin/sh", &offsets, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "is not the libssl siptrail runs with"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_derived_on_own_libssl),
	    cmocka_unit_test(test_other_file_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
