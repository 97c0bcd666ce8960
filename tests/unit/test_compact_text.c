/* The compact text stores of the correlator: capped heap copies and interned strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "heap_text.h"
#include "str_pool.h"

static void test_heap_text_caps_and_empties(void **state)
{
	const char *field = heap_text_empty;
	(void)state;
	assert_int_equal(heap_text_set(&field, "certificate verify failed", 11), 0);
	assert_string_equal(field, "certificate");
	assert_int_equal(heap_text_set(&field, NULL, 64), 0);
	assert_ptr_equal(field, heap_text_empty);
	assert_int_equal(heap_text_set(&field, "unknown_ca", 64), 0);
	assert_string_equal(field, "unknown_ca");
	assert_int_equal(heap_text_set(&field, "", 64), 0);
	assert_ptr_equal(field, heap_text_empty);
	heap_text_free(&field);
	assert_ptr_equal(field, heap_text_empty);
}

static void test_str_pool_shares_and_counts(void **state)
{
	struct str_pool pool;
	char addr[16];
	(void)state;
	str_pool_init(&pool);
	strcpy(addr, "198.51.100.20");
	const char *a = str_pool_get(&pool, addr);
	strcpy(addr, "10.0.0.5");
	const char *b = str_pool_get(&pool, addr);
	const char *c = str_pool_get(&pool, "198.51.100.20");
	assert_ptr_equal(a, c); /* one copy per distinct text */
	assert_ptr_not_equal(a, b);
	assert_string_equal(b, "10.0.0.5");
	assert_int_equal(pool.count, 2);
	str_pool_put(&pool, a);
	assert_int_equal(pool.count, 2); /* c still holds it */
	assert_string_equal(c, "198.51.100.20");
	str_pool_put(&pool, c);
	str_pool_put(&pool, b);
	str_pool_put(&pool, NULL);
	assert_int_equal(pool.count, 0);
	assert_null(pool.root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heap_text_caps_and_empties),
	    cmocka_unit_test(test_str_pool_shares_and_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
