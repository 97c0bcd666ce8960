/* Binary addresses: the journal's text out, the same text back in, and their order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include "ip_addr.h"

/* TEXT reads, and is written back unchanged. */
static void assert_round_trip(const char *text, int family)
{
	struct ip_addr addr;

	assert_true(ip_addr_parse(&addr, text));
	assert_int_equal(addr.family, family);
	assert_string_equal(ip_addr_text(&addr).text, text);
}

static void test_text_round_trips(void **state)
{
	(void)state;
	assert_round_trip("0.0.0.0", AF_INET);
	assert_round_trip("10.99.0.2", AF_INET);
	assert_round_trip("255.255.255.255", AF_INET);
	assert_round_trip("::1", AF_INET6);
	assert_round_trip("2001:db8::1", AF_INET6);
	assert_round_trip("::ffff:10.99.0.1", AF_INET6); /* mapped, as an IPv6 socket has it */
	assert_round_trip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AF_INET6);
	assert_round_trip("", 0);
}

static void test_set_from_bytes(void **state)
{
	static const uint8_t v4[16] = {192, 0, 2, 10, 0xaa, 0xbb}; /* bytes past 4 ignored */
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct ip_addr addr, parsed;
	(void)state;

	ip_addr_set(&addr, AF_INET, v4);
	assert_string_equal(ip_addr_text(&addr).text, "192.0.2.10");
	assert_true(ip_addr_parse(&parsed, "192.0.2.10"));
	assert_true(ip_addr_equal(&addr, &parsed));
	ip_addr_set(&addr, AF_INET6, v6);
	assert_string_equal(ip_addr_text(&addr).text, "2001:db8::1");
	ip_addr_set(&addr, AF_UNIX, v6);
	assert_false(ip_addr_given(&addr));
	assert_string_equal(ip_addr_text(&addr).text, "");
}

static void test_bad_text_is_refused(void **state)
{
	struct ip_addr addr;
	(void)state;

	assert_false(ip_addr_parse(&addr, "sbc.example"));
	assert_false(ip_addr_given(&addr));
	assert_false(ip_addr_parse(&addr, "10.0.0.256"));
	assert_false(ip_addr_parse(&addr, "[::1]"));
	assert_false(ip_addr_parse(&addr, "10.0.0.1:5060"));
}

static void test_order_is_family_then_bytes(void **state)
{
	struct ip_addr a, b, c, none = {0};
	(void)state;

	assert_true(ip_addr_parse(&a, "10.0.0.5"));
	assert_true(ip_addr_parse(&b, "198.51.100.20"));
	assert_true(ip_addr_parse(&c, "::1"));
	assert_true(ip_addr_cmp(&a, &b) < 0);
	assert_true(ip_addr_cmp(&b, &a) > 0);
	assert_true(ip_addr_cmp(&b, &c) < 0); /* AF_INET before AF_INET6 */
	assert_true(ip_addr_cmp(&none, &a) < 0);
	assert_true(ip_addr_equal(&a, &a));
	assert_false(ip_addr_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_round_trips),
	    cmocka_unit_test(test_set_from_bytes),
	    cmocka_unit_test(test_bad_text_is_refused),
	    cmocka_unit_test(test_order_is_family_then_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
