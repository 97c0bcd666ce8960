/* siptrail correlate: a failure report joined to the calls of a journal; the CSV reader, the
 * report time formats, number matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siptrail_cmd.h"
#include "csv_read.h"
#include "failure_match.h"

static char out[65536];

static void test_report_joined(void **state)
{
	(void)state;
	assert_int_equal(siptrail_cmd("correlate --failures tests/data/failures.csv "
				      "tests/data/bye_failed_incomplete_chain.jsonl",
				      out, sizeof(out)),
			 0);
	/* line 2: by Call-ID, with the diagnosis chain and the cause's words */
	assert_non_null(strstr(out, "line 2: 2025-11-27 10:40:00.000 Call-ID "
				    "a84b4c76e66710@198.51.100.20 alice -> bob peer "
				    "198.51.100.20 code 477\n"
				    "  call a84b4c76e66710@198.51.100.20 (matched by Call-ID"));
	assert_non_null(strstr(out, "  diagnosis: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- "
				    "IDLE_CLOSE_REVERSE\n    TLS to 198.51.100.20 failed"));
	/* line 3: no Call-ID, found by time and numbers */
	assert_non_null(strstr(out, "line 3: 2025-11-27 10:40:01.000 alice -> bob"));
	assert_non_null(strstr(out, "(matched by time and numbers"));
	/* line 4: an hour later, other numbers: not matched, nearest candidate shown */
	assert_non_null(strstr(out, "line 4: 2025-11-27 11:00:00.000 +4930555 -> +4940111"));
	assert_non_null(strstr(out, "  no matching call; nearest in time:\n"
				    "    a84b4c76e66710@198.51.100.20 at 2025-11-27 10:40:00.010"));
	assert_non_null(strstr(out, "summary: 3 failure(s) reported\n"
				    "  TLS_INCOMPLETE_CHAIN     2\n"
				    "  (no matching call)       1\n"));
}

static void test_columns_by_flag_and_errors(void **state)
{
	(void)state;
	/* columns named by flag; a call that did not fail shows its warning only */
	assert_int_equal(siptrail_cmd("correlate --failures tests/data/failures.csv --time-col "
				      "'start time' --call-id-col call-id "
				      "tests/data/bye_reverse_ok.jsonl",
				      out, sizeof(out)),
			 0);
	assert_non_null(strstr(out, "(matched by time and numbers"));
	assert_non_null(strstr(out, "diagnosis: RISK_IDLE_TIMEOUT (warning)"));
	assert_int_equal(siptrail_cmd("correlate --failures tests/data/failures.csv --code-col "
				      "nope tests/data/bye_reverse_ok.jsonl",
				      out, sizeof(out)),
			 2);
	assert_non_null(strstr(out, "no column 'nope' (--code-col)"));
	assert_int_equal(siptrail_cmd("correlate --failures /nonexistent.csv "
				      "tests/data/bye_reverse_ok.jsonl",
				      out, sizeof(out)),
			 2);
	assert_non_null(strstr(out, "/nonexistent.csv"));
	assert_int_equal(
	    siptrail_cmd("correlate tests/data/bye_reverse_ok.jsonl", out, sizeof(out)), 2);
}

static void test_csv_reader(void **state)
{
	(void)state;
	static const char text[] = "a;b;c\n"
				   "\n"
				   "1;\"x;y\";\"say \"\"hi\"\"\"\r\n"
				   "2;\"two\nlines\";3\n"
				   "4;\"open\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct csv_reader r;

	csv_reader_init(&r, f);
	assert_int_equal(csv_next_row(&r), 1);
	assert_int_equal(r.separator, ';');
	assert_int_equal(r.n_fields, 3);
	assert_int_equal(csv_next_row(&r), 1);
	assert_string_equal(r.fields[1], "x;y");
	assert_string_equal(r.fields[2], "say \"hi\"");
	assert_int_equal(csv_next_row(&r), 1);
	assert_string_equal(r.fields[1], "two\nlines"); /* RFC 4180 §2.6 */
	assert_int_equal(r.line_no, 5);
	assert_int_equal(csv_next_row(&r), -EINVAL);
	csv_reader_free(&r);
	fclose(f);
}

static void test_times_and_numbers(void **state)
{
	(void)state;
	uint64_t ts;

	assert_int_equal(report_time_parse("1764240000", &ts), 0);
	assert_int_equal(ts, 1764240000ull * 1000000000ull);
	assert_int_equal(report_time_parse("1764240000.25", &ts), 0);
	assert_int_equal(ts, 1764240000250000000ull);
	assert_int_equal(report_time_parse("2025-11-27 10:40:00.123", &ts), 0);
	assert_int_equal(ts, 1764240000123000000ull);
	assert_int_equal(report_time_parse("2025-11-27T10:40:00Z", &ts), 0);
	assert_int_equal(ts, 1764240000ull * 1000000000ull);
	assert_int_equal(report_time_parse("27/11/2025", &ts), -EINVAL);
	assert_int_equal(report_time_parse("", &ts), -EINVAL);

	assert_true(phone_numbers_match("+49 30 1234567", "030-1234567"));
	assert_true(phone_numbers_match("+4930123456", "4930123456"));
	assert_false(phone_numbers_match("+4930123456", "+4930123457"));
	assert_false(phone_numbers_match("12345", "912345")); /* too short to be a suffix */
	assert_true(phone_numbers_match("0049301234567", "+49 30 1234567"));
	assert_true(phone_numbers_match("Alice", "alice"));
	assert_false(phone_numbers_match("", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_report_joined),
	    cmocka_unit_test(test_columns_by_flag_and_errors),
	    cmocka_unit_test(test_csv_reader),
	    cmocka_unit_test(test_times_and_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
