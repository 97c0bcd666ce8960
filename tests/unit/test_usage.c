/* `siptrail --help` lists every command with its summary in one column
 * (userspace/cli/main.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "siptrail_cmd.h"

/* Column where the summary of a "  NAME  summary" line starts. */
static size_t summary_column(const char *line)
{
	size_t at = 2 + strcspn(line + 2, " ");

	return at + strspn(line + at, " ");
}

static void test_summaries_aligned(void **state)
{
	static char out[8192];
	size_t column = 0, commands = 0;
	char *line, *save;

	(void)state;
	assert_int_equal(siptrail_cmd("--help", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\n  probe-reverse "));
	line = strstr(out, "commands:\n");
	assert_non_null(line);
	for (line = strtok_r(line + strlen("commands:\n"), "\n", &save); line && line[0] == ' ';
	     line = strtok_r(NULL, "\n", &save)) {
		if (!column)
			column = summary_column(line);
		assert_int_equal(summary_column(line), column);
		assert_true(line[column - 1] == ' ' && line[column - 2] != '\0');
		commands++;
	}
	assert_true(commands >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summaries_aligned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
