#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "port_set.h"

static struct port_set set;

static void test_list_and_range(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(port_set_parse(&set, "5060,5061,7000-7002", why, sizeof(why)), 0);
	assert_true(set.traced[5060] && set.traced[5061]);
	assert_true(set.traced[7000] && set.traced[7001] && set.traced[7002]);
	assert_false(set.traced[5062] || set.traced[6999] || set.traced[7003] || set.traced[0]);
}

static void test_bad_lists_name_the_item(void **state)
{
	const char *bad[] = {"", "0", "65536", "5060,", ",5060", "70-60", "50x", "5060;5061", "-5"};
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(port_set_parse(&set, bad[i], why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "port list"));
	}
	assert_int_equal(port_set_parse(&set, "1,65535", why, sizeof(why)), 0);
	assert_true(set.traced[1] && set.traced[65535]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_and_range),
	    cmocka_unit_test(test_bad_lists_name_the_item),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
