/* siptrail correlate: a failure report joined to the calls of a journal; the CSV reader, the
 * report time formats, number matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "siptrail_cmd.h"
#include "csv_read.h"
#include "failure_match.h"
#include "phone_number.h"
#include "report_time.h"

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
	assert_non_null(strstr(out,
			       "summary: 3 failure(s) reported, 2 matched to a call\n"
			       "  by diagnosis:\n"
			       "    TLS_INCOMPLETE_CHAIN     2\n"
			       "    (no matching call)       1\n"
			       "  by peer:\n"
			       "    198.51.100.20            3 row(s), 2 matched, 2 failed\n"
			       "  by hour (UTC):\n"
			       "    2025-11-27 10:00         2 row(s), 2 matched, 2 failed\n"));
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

#define NS(s) ((uint64_t)(s)*1000000000ull)

static uint64_t parsed(const char *text, enum date_order order)
{
	uint64_t ts = 0;
	assert_int_equal(report_time_parse(text, order, &ts, NULL), 0);
	return ts;
}

static void test_report_times(void **state)
{
	(void)state;
	uint64_t ts;
	bool zoned;

	/* Unix seconds, with a fraction, and milliseconds */
	assert_int_equal(parsed("1764240000", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(parsed("1764240000.25", DATE_ORDER_UNKNOWN), 1764240000250000000ull);
	assert_int_equal(parsed("1764240000123", DATE_ORDER_UNKNOWN), 1764240000123000000ull);
	/* ISO 8601: Z, offsets in three spellings, none (local: TZ is UTC here) */
	assert_int_equal(parsed("2025-11-27 10:40:00.123", DATE_ORDER_UNKNOWN),
			 1764240000123000000ull);
	assert_int_equal(parsed("2025-11-27T10:40:00Z", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(parsed("2025-11-27T11:40:00+01:00", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(parsed("2025-11-27T05:40:00-0500", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(parsed("2025-11-27 16:10:00+05:30", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(report_time_parse("2025-11-27 10:40", DATE_ORDER_UNKNOWN, &ts, &zoned), 0);
	assert_false(zoned);
	assert_int_equal(ts, NS(1764240000));
	/* spreadsheets: US with AM/PM, European with '/' and '.' */
	assert_int_equal(parsed("11/27/2025 10:40 AM", DATE_ORDER_MDY), NS(1764240000));
	assert_int_equal(parsed("11/14/2023 10:13 PM", DATE_ORDER_UNKNOWN), NS(1699999980));
	assert_int_equal(parsed("27/11/2025 10:40", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(parsed("27.11.2025 10:40:00", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(parsed("12/1/2025 12:00 AM", DATE_ORDER_MDY), NS(1764547200));
	/* 03/04/2025: March or April, only the file can say */
	assert_int_equal(report_time_parse("03/04/2025 10:00", DATE_ORDER_UNKNOWN, &ts, NULL),
			 -EINVAL);
	assert_int_equal(parsed("03/04/2025 00:00", DATE_ORDER_DMY), NS(1743638400));
	assert_int_equal(parsed("03/04/2025 00:00", DATE_ORDER_MDY), NS(1741046400));
	/* not times */
	assert_int_equal(report_time_parse("31/02/2025 10:00", DATE_ORDER_DMY, &ts, NULL), -EINVAL);
	assert_int_equal(report_time_parse("27/11/2025", DATE_ORDER_UNKNOWN, &ts, NULL), -EINVAL);
	assert_int_equal(report_time_parse("13:00 PM 1/1/2025", DATE_ORDER_MDY, &ts, NULL),
			 -EINVAL);
	assert_int_equal(report_time_parse("", DATE_ORDER_UNKNOWN, &ts, NULL), -EINVAL);
	/* a zone-less time is read in TZ */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(parsed("2025-11-27 11:40:00", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(parsed("2025-07-01 02:00:00", DATE_ORDER_UNKNOWN), NS(1751328000));
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_date_order_votes(void **state)
{
	(void)state;
	struct date_order_votes votes = {0};
	bool conflict;

	date_order_vote(&votes, "03/04/2025 10:00");
	assert_int_equal(date_order_decide(&votes, &conflict), DATE_ORDER_UNKNOWN);
	assert_false(conflict);
	assert_string_equal(votes.example, "03/04/2025 10:00");
	date_order_vote(&votes, "03/24/2025 10:00");
	assert_int_equal(date_order_decide(&votes, &conflict), DATE_ORDER_MDY);
	date_order_vote(&votes, "24/03/2025 10:00");
	assert_int_equal(date_order_decide(&votes, &conflict), DATE_ORDER_UNKNOWN);
	assert_true(conflict);
}

static void test_numbers(void **state)
{
	(void)state;
	const unsigned n = PHONE_TRAILING_DIGITS_DEFAULT;

	assert_true(phone_numbers_match("+49 30 12345678", "030-12345678", n));
	assert_true(phone_numbers_match("tel:+12125550103", "(212) 555-0103", n));
	assert_true(phone_numbers_match("sip:+12125550103@gw.example;user=phone", "2125550103", n));
	assert_true(phone_numbers_match("0049301234567", "+49 30 1234567", n));
	assert_true(phone_numbers_match("0012125550103", "+12125550103", n));
	/* both with a country code: all digits count */
	assert_false(phone_numbers_match("+4930123456789", "+4330123456789", n));
	assert_false(phone_numbers_match("+4930123456", "+4930123457", n));
	/* shorter than the trailing digits: equal or nothing */
	assert_false(phone_numbers_match("12345", "912345", n));
	assert_true(phone_numbers_match("201", "201", n));
	assert_true(phone_numbers_match("912345", "+44912345", 6));
	assert_true(phone_numbers_match("Alice", "sip:alice@pbx.example", n));
	assert_false(phone_numbers_match("", "", n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_report_joined),
	    cmocka_unit_test(test_columns_by_flag_and_errors),
	    cmocka_unit_test(test_csv_reader),
	    cmocka_unit_test(test_report_times),
	    cmocka_unit_test(test_date_order_votes),
	    cmocka_unit_test(test_numbers),
	};
	setenv("TZ", "UTC", 1); /* zone-less report times are local */
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
