/* The compact text store of the correlator: capped heap copies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "heap_text.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heap_text_caps_and_empties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
