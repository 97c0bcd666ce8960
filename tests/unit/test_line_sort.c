/* Lines printed in order of key, equal keys in the order added, whether the index stayed in
 * memory or went to disk in sorted runs merged at the end (model/line_sort). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line_sort.h"

#define N_LINES 10000

struct expected_line {
	uint64_t key;
	unsigned added; /* order added */
};

static int expected_cmp(const void *a, const void *b)
{
	const struct expected_line *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->added > y->added) - (x->added < y->added);
}

/* Adds N_LINES lines with keys from a small range (many ties), nearly in order as calls
 * retire (each up to JITTER late; 1: in order), the last one KEY_LAST when not 0, writes them
 * and checks the order against a stable sort of the same keys. */
static void check_order(size_t run_lines, unsigned jitter, uint64_t key_last)
{
	struct expected_line *expected = calloc(N_LINES, sizeof(*expected));
	struct line_sort *sort = line_sort_new(run_lines);
	char *text = NULL, line[64], *p;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	uint32_t rand_state = 12345;

	assert_non_null(expected);
	assert_non_null(sort);
	for (unsigned i = 0; i < N_LINES; i++) {
		rand_state = rand_state * 1103515245u + 12345u;
		expected[i].key = i / 4 + (rand_state >> 16) % jitter; /* later calls start later */
		if (key_last && i == N_LINES - 1)
			expected[i].key = key_last;
		expected[i].added = i;
		int n = snprintf(line, sizeof(line), "line %u key %llu", i,
				 (unsigned long long)expected[i].key);
		assert_int_equal(line_sort_add(sort, expected[i].key, line, (size_t)n), 0);
	}
	assert_int_equal(line_sort_count(sort), N_LINES);
	assert_int_equal(line_sort_write(sort, out), 0);
	fclose(out);
	qsort(expected, N_LINES, sizeof(*expected), expected_cmp);
	p = text;
	for (unsigned i = 0; i < N_LINES; i++) {
		char *eol = strchr(p, '\n');
		assert_non_null(eol);
		*eol = '\0';
		snprintf(line, sizeof(line), "line %u key %llu", expected[i].added,
			 (unsigned long long)expected[i].key);
		assert_string_equal(p, line);
		p = eol + 1;
	}
	assert_string_equal(p, "");
	line_sort_free(sort);
	free(text);
	free(expected);
}

static void test_index_in_memory(void **state)
{
	(void)state;
	check_order(LINE_SORT_RUN_LINES, 300, 0);
}

/* In order as added (a run left unsorted), but for the last line, or not at all. */
static void test_index_in_order(void **state)
{
	(void)state;
	check_order(LINE_SORT_RUN_LINES, 1, 0);
	check_order(LINE_SORT_RUN_LINES, 1, 1);
	check_order(100, 1, 0);
	check_order(100, 1, 1); /* the last run out of order, the others not */
}

static void test_index_in_sorted_runs(void **state)
{
	(void)state;
	check_order(100, 300, 0);	  /* 100 runs merged */
	check_order(N_LINES - 1, 300, 0); /* one run on disk, one line in memory */
	check_order(N_LINES, 300, 0);	  /* the run is full but never spilled */
}

static void test_no_lines(void **state)
{
	struct line_sort *sort = line_sort_new(16);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	(void)state;

	assert_non_null(sort);
	assert_int_equal(line_sort_write(sort, out), 0);
	fclose(out);
	assert_int_equal(len, 0);
	line_sort_free(sort);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_index_in_memory),
	    cmocka_unit_test(test_index_in_order),
	    cmocka_unit_test(test_index_in_sorted_runs),
	    cmocka_unit_test(test_no_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
