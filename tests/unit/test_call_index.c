/* The call index (correlate's and timeline's view of a journal's calls): a Call-ID that comes
 * back after its call retired is one entry, from its first call's start, with the legs of
 * both and the verdict of the one that failed. Its sanitizer build checks that the earlier
 * verdict is not leaked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "call_index.h"
#include "explain.h"

#define CALL_ID_TWICE "tests/data/call_id_twice.jsonl"

static bool verdict_has(const struct call_verdict *verdict, enum diag_id id)
{
	for (unsigned i = 0; i < verdict->n_diags; i++)
		if (verdict->diags[i].id == id)
			return true;
	return false;
}

/* An ended call with a warning, then 90 minutes later the same Call-ID as a failed call. */
static void test_call_id_again_after_retired(void **state)
{
	const char *path = CALL_ID_TWICE;
	struct capture_source_options none = {0};
	struct correlator_config config;
	struct call_index index;
	struct call_entry *e;

	(void)state;
	correlator_config_default(&config);
	assert_int_equal(call_index_read(&index, "test", &path, 1, &none, &config), 0);
	assert_int_equal(index.count, 1);
	e = call_index_find(&index, "again@198.51.100.20");
	assert_non_null(e);
	assert_true(e->failed);
	assert_non_null(e->verdict);
	assert_true(verdict_has(e->verdict, DIAG_BYE_FAILED));
	assert_false(verdict_has(e->verdict, DIAG_RISK_IDLE_TIMEOUT));
	assert_int_equal(e->n_timers, 4); /* two legs a call */
	assert_true(e->last_ts_ns - e->first_ts_ns > 5400ull * 1000000000);
	call_index_free(&index);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call_id_again_after_retired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
