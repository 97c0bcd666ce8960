/* The correlator's reports of SIP it skipped or read despite a broken rule: a capture of a
 * million such messages must not print a million lines. The first few of each kind are named,
 * the rest counted and summed up when the input ends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/corr_harness.h"

static unsigned count_lines(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_repeated_problems_are_counted_not_printed(void **state)
{
	struct harness h;
	char *text = NULL, branch[32];
	size_t len = 0;
	FILE *errors = open_memstream(&text, &len);
	(void)state;

	harness_init(&h);
	h.corr.errors = errors;
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(branch, sizeof(branch), "z9hG4bK-%u", i);
		h_sip(&h, 1.0 + i * 0.01, 0, DIR_IN, H_PBX,
		      &(struct h_msg){"OPTIONS", 0, i + 1, branch, false, "Max-Forwards: 69\r\n"});
	}
	for (unsigned i = 0; i < 12; i++) {
		snprintf(branch, sizeof(branch), "z9hG4bK-bad-%u", i);
		h_sip(&h, 20.0 + i * 0.01, 0, DIR_IN, H_PBX,
		      &(struct h_msg){"OPTIONS", 0, i + 1, branch, false, "Content-Length: 5\r\n"});
	}
	harness_finish(&h);
	fclose(errors);

	assert_int_equal(h.corr.sip_lenient, 1000);
	assert_int_equal(h.corr.sip_undecoded, 12);
	/* the first ones name when and where */
	assert_int_equal(count_lines(text, "; decoded as written\n"), WARN_LIMIT_SHOWN);
	assert_int_equal(count_lines(text, "; message skipped\n"), WARN_LIMIT_SHOWN);
	assert_non_null(strstr(text, "sip event at ts_ns "));
	assert_non_null(strstr(text, "single-valued header repeated"));
	/* then the kind says it stops, and the end says how many were not shown */
	assert_int_equal(count_lines(text, "messages shown, further ones only counted"), 2);
	assert_non_null(strstr(text, ": 995 more message(s) decoded as written, not shown\n"));
	assert_non_null(strstr(text, "Content-Length headers disagree: 7 more message(s) skipped, "
				     "not shown\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_repeated_problems_are_counted_not_printed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
