/* siptrail correlate: a failure report joined to the calls of a journal; the CSV reader, the
 * report time formats, number matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <unistd.h>
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

#define AFTERNOON "tests/data/trunk_afternoon.jsonl"
#define CALL_A	  "tk-a-bye-chain@198.51.100.20"
#define CALL_B	  "tk-b-refresh-missed@198.51.100.20"
#define CALL_C	  "tk-c-refresh-refused@198.51.100.20"
#define CHAIN_A	  "BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE"
#define CHAIN_B	  "SESSION_EXPIRED <- REFRESH_MISSED"
#define CHAIN_C	  "SESSION_EXPIRED <- REFRESH_FAILED <- CONNECT_FAILED <- IDLE_CLOSE_REVERSE"

/* Runs correlate with the report's times read in TZ (the host's zone, no flag). */
static int correlate_in_zone(const char *tz, const char *args)
{
	char cmd[1024];
	int rc;

	setenv("TZ", tz, 1);
	assert_true((size_t)snprintf(cmd, sizeof(cmd), "correlate %.1000s", args) < sizeof(cmd));
	rc = siptrail_cmd(cmd, out, sizeof(out));
	setenv("TZ", "UTC", 1);
	return rc;
}

/* The answer to report line LINE: from "line N:" up to the next row or the summary. */
static const char *row_answer(unsigned line, char *buf, size_t len)
{
	char key[32];
	const char *start, *end;

	snprintf(key, sizeof(key), "line %u: ", line);
	start = strstr(out, key);
	assert_non_null(start);
	end = strstr(start + 1, "\nline ");
	if (!end)
		end = strstr(start, "\nsummary:");
	assert_non_null(end);
	snprintf(buf, len, "%.*s", (int)(end - start), start);
	return buf;
}

static void assert_row_call(unsigned line, const char *how, const char *call_id, const char *chain)
{
	char answer[2048], expect[512];

	row_answer(line, answer, sizeof(answer));
	snprintf(expect, sizeof(expect), "  call %s (matched by %s,", call_id, how);
	if (!strstr(answer, expect))
		fail_msg("line %u: no '%s' in:\n%s", line, expect, answer);
	snprintf(expect, sizeof(expect), "  diagnosis: %s\n", chain);
	if (!strstr(answer, expect))
		fail_msg("line %u: no '%s' in:\n%s", line, expect, answer);
}

static void assert_row_says(unsigned line, const char *text)
{
	char answer[4096];

	row_answer(line, answer, sizeof(answer));
	if (!strstr(answer, text))
		fail_msg("line %u: no '%s' in:\n%s", line, text, answer);
}

/* TEXT into a temporary report; its path into PATH (a mkstemp template). */
static void report_file(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Asterisk writes local time, national numbers, no header: read in the host's zone. */
static void test_shape_asterisk(void **state)
{
	(void)state;
	assert_int_equal(
	    correlate_in_zone("Europe/Berlin",
			      "--failures tests/data/reports/asterisk-master.csv " AFTERNOON),
	    0);
	assert_non_null(strstr(out,
			       "Asterisk cdr-csv Master.csv (no header, 18 columns); times "
			       "without a zone read in this host's zone (TZ=Europe/Berlin)\n"));
	assert_row_call(1, "time and numbers", CALL_A, CHAIN_A);
	assert_row_call(2, "time and numbers", CALL_B, CHAIN_B);
	assert_row_call(3, "time and numbers", CALL_C, CHAIN_C);
	/* --tz says the same on a host in UTC */
	assert_int_equal(correlate_in_zone("UTC",
					   "--tz Europe/Berlin --failures "
					   "tests/data/reports/asterisk-master.csv " AFTERNOON),
			 0);
	assert_row_call(1, "time and numbers", CALL_A, CHAIN_A);
	assert_non_null(strstr(out, "times without a zone read in Europe/Berlin (--tz)"));
	/* read in the wrong zone: each row says which call it would be */
	assert_int_equal(correlate_in_zone(
			     "UTC", "--failures tests/data/reports/asterisk-master.csv " AFTERNOON),
			 0);
	assert_row_says(1, "  no matching call; nearest in time:\n");
	assert_row_says(1, "  time zone? call " CALL_A " has these numbers 1 h 00 min before the "
			   "row's time");
	assert_row_says(3, "  time zone? call " CALL_C);
	assert_non_null(strstr(out, "  time zone: 3 row(s) without a match fit a call 1 h 00 min "
				    "before their time: is the report in another zone than it was "
				    "read in? (--tz)\n"));
	/* a column flag overrides the shape: caller and callee swapped match nothing */
	assert_int_equal(correlate_in_zone("Europe/Berlin",
					   "--caller-col 3 --callee-col 2 --failures "
					   "tests/data/reports/asterisk-master.csv " AFTERNOON),
			 0);
	assert_row_says(1, CALL_A
			" at 2025-11-27 10:40:00.010 (+0.0 s) +493012340001 -> "
			"+494098760001, TLS_INCOMPLETE_CHAIN; not it: caller differs, callee "
			"differs\n");
	assert_int_equal(correlate_in_zone("UTC",
					   "--tz Mars/Olympus --failures "
					   "tests/data/reports/asterisk-master.csv " AFTERNOON),
			 2);
	assert_non_null(strstr(out, "--tz: no zone 'Mars/Olympus'"));
}

static void test_shape_freeswitch(void **state)
{
	(void)state;
	assert_int_equal(
	    correlate_in_zone("UTC", "--failures tests/data/reports/freeswitch-cdr.csv " AFTERNOON),
	    0);
	assert_non_null(strstr(out, "FreeSWITCH cdr_csv default template (no header, 15 columns)"));
	assert_row_call(1, "time and numbers", CALL_A, CHAIN_A);
	assert_row_call(2, "time and numbers", CALL_B, CHAIN_B);
	assert_row_call(3, "time and numbers", CALL_C, CHAIN_C);
	assert_row_says(2, " (RECOVERY_ON_TIMER_EXPIRE)\n");
}

static void test_shape_kamailio_acc(void **state)
{
	(void)state;
	assert_int_equal(
	    correlate_in_zone("UTC", "--failures tests/data/reports/kamailio-acc.csv " AFTERNOON),
	    0);
	assert_non_null(strstr(out, "Kamailio acc table export (header row, 14 columns)"));
	assert_row_call(2, "Call-ID", CALL_A, CHAIN_A);
	assert_row_call(3, "Call-ID", CALL_C, CHAIN_C);
	assert_row_call(4, "Call-ID", "tk-e-twin-1@198.51.100.20", CHAIN_A);
	assert_row_call(5, "Call-ID", "tk-f-twin-2@198.51.100.20", CHAIN_A);
	assert_row_says(2, "peer 10.0.0.5 code 477 (Unfortunately error on sending to next hop "
			   "occurred)\n");
}

/* ISO 8601 with Z: the host's zone does not matter. */
static void test_shape_conversation(void **state)
{
	(void)state;
	assert_int_equal(
	    correlate_in_zone("America/New_York",
			      "--failures tests/data/reports/conversation.csv " AFTERNOON),
	    0);
	assert_non_null(strstr(out, "contact-center conversation export (header row, 9 columns)"));
	assert_row_call(2, "time and numbers", CALL_A, CHAIN_A);
	assert_row_call(3, "time and numbers", CALL_B, CHAIN_B);
	assert_row_call(4, "time and numbers", CALL_C, CHAIN_C);
	assert_row_says(2, "tel:+493012340001 -> tel:+494098760001 code 477 (error)\n");
}

/* A spreadsheet's US times; a row that fits two calls, one that fits none, one an hour off,
 * one without a time. */
static void test_rows_that_do_not_match_one_call(void **state)
{
	(void)state;
	assert_int_equal(
	    correlate_in_zone("UTC", "--failures tests/data/reports/spreadsheet-us.csv " AFTERNOON),
	    0);
	assert_row_call(2, "time and numbers", CALL_A, CHAIN_A);
	assert_row_says(3, "  2 calls fit its time and numbers; none chosen");
	assert_row_says(3, "    tk-e-twin-1@198.51.100.20 at 2025-11-27 11:20:00.010 (-300.0 s)");
	assert_row_says(3, "    tk-f-twin-2@198.51.100.20 at 2025-11-27 11:26:40.010 (+100.0 s)");
	assert_row_says(4, "line 4: 2025-11-27 14:00:00.000 +4930555000 -> +4940111000 code 408\n"
			   "  no matching call; nearest in time:\n");
	assert_row_says(4, "not it: caller differs, callee differs, outside the 300 s window\n");
	assert_row_says(5, "  time zone? call " CALL_C " has these numbers 1 h 00 min before the "
			   "row's time");
	/* six calls in the input, and the row without a time says why it has none of them */
	assert_row_says(6, "  no matching call: the row has no time, so it cannot be placed "
			   "among the input's 6 call(s)\n");
	assert_null(strstr(out, "the input has no calls"));
	assert_non_null(strstr(out, "    (several calls fit)      1\n"
				    "    (no matching call)       3\n"));
	assert_non_null(
	    strstr(out, "    (no time)                1 row(s), 0 matched, 0 failed\n"));
	/* handed back: the row that fits two calls names both */
	char csv_path[] = "/tmp/siptrail-correlate-XXXXXX", args[256], text[4096];
	FILE *f;
	size_t n;

	report_file(csv_path, "");
	snprintf(args, sizeof(args),
		 "--csv-out %s --failures tests/data/reports/spreadsheet-us.csv " AFTERNOON,
		 csv_path);
	assert_int_equal(correlate_in_zone("UTC", args), 0);
	f = fopen(csv_path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(csv_path);
	assert_non_null(strstr(text, "Start Time,Caller,Callee,SIP Code,Note,siptrail_call_id,"
				     "siptrail_match,siptrail_verdict,siptrail_cause_chain\r\n"));
	assert_non_null(strstr(text, "11/27/2025 11:25 AM,+493012340005,+494098760005,477,fits the "
				     "two calls E and F,tk-e-twin-1@198.51.100.20 "
				     "tk-f-twin-2@198.51.100.20,several calls fit,,\r\n"));
	assert_non_null(strstr(text, "\r\n,+493012340002,+494098760002,408,no time,,none,,\r\n"));
	/* and against an input without calls */
	assert_int_equal(correlate_in_zone("UTC",
					   "--failures tests/data/reports/spreadsheet-us.csv "
					   "/dev/null"),
			 0);
	assert_row_says(6, "  no matching call (the input has no calls)\n");
}

/* Day/month order: settled by the rest of the file, or reported. */
static void test_date_order_from_the_file(void **state)
{
	(void)state;
	char path[] = "/tmp/siptrail-dates-XXXXXX", args[256];

	/* 27/11 says day first, so 11/12 is the 11th of December */
	report_file(path, "Start Time,Caller,Callee\n"
			  "11/12/2025 10:00,+4930555000,+4940111000\n"
			  "27/11/2025 10:40,+493012340001,+494098760001\n");
	snprintf(args, sizeof(args), "--failures %s " AFTERNOON, path);
	assert_int_equal(correlate_in_zone("UTC", args), 0);
	assert_non_null(strstr(out, "dates read as day/month, as other rows show"));
	assert_row_says(2, "line 2: 2025-12-11 10:00:00.000");
	assert_row_call(3, "time and numbers", CALL_A, CHAIN_A);
	unlink(path);

	/* nothing settles 01/02: reported, read day first, --date-order turns it */
	strcpy(path, "/tmp/siptrail-dates-XXXXXX");
	report_file(path, "Start Time,Caller,Callee\n01/02/2025 10:00,+4930555000,+4940111000\n");
	snprintf(args, sizeof(args), "--failures %s " AFTERNOON, path);
	assert_int_equal(correlate_in_zone("UTC", args), 0);
	assert_non_null(strstr(out, "day/month order ambiguous in every row (e.g. 01/02/2025 "
				    "10:00): read as day/month; --date-order chooses"));
	assert_row_says(2, "line 2: 2025-02-01 10:00:00.000");
	snprintf(args, sizeof(args), "--date-order mdy --failures %s " AFTERNOON, path);
	assert_int_equal(correlate_in_zone("UTC", args), 0);
	assert_row_says(2, "line 2: 2025-01-02 10:00:00.000");
	unlink(path);

	/* rows that disagree: reported, and the ambiguous ones are not read */
	strcpy(path, "/tmp/siptrail-dates-XXXXXX");
	report_file(path, "Start Time,Caller,Callee\n"
			  "27/11/2025 10:40,+493012340001,+494098760001\n"
			  "11/27/2025 10:40,+493012340001,+494098760001\n"
			  "01/02/2025 10:00,+4930555000,+4940111000\n");
	snprintf(args, sizeof(args), "--failures %s " AFTERNOON, path);
	assert_int_equal(correlate_in_zone("UTC", args), 0);
	assert_non_null(strstr(out, "dates disagree on day/month order (1 rows read as month/day, "
				    "1 as day/month)"));
	assert_row_call(2, "time and numbers", CALL_A, CHAIN_A);
	assert_row_call(3, "time and numbers", CALL_A, CHAIN_A);
	assert_row_says(4, "  no matching call: time '01/02/2025 10:00' not understood, so it "
			   "cannot be placed among the input's 6 call(s)\n");
	unlink(path);
}

/* A Call-ID the input does not have: the row is matched by time and numbers, or says so. */
static void test_call_id_not_seen(void **state)
{
	(void)state;
	char path[] = "/tmp/siptrail-callid-XXXXXX", args[256];

	report_file(path, "time,callid,caller,callee\n"
			  "2025-11-27 10:40:05,other-leg@pbx,+493012340001,+494098760001\n"
			  "2025-11-27 14:00:00,other-leg-2@pbx,+493012340001,+494098760001\n");
	snprintf(args, sizeof(args), "--failures %s " AFTERNOON, path);
	assert_int_equal(correlate_in_zone("UTC", args), 0);
	assert_row_call(2, "time and numbers", CALL_A, CHAIN_A);
	assert_row_says(3, "  no matching call (its Call-ID is not in the input); nearest in "
			   "time:\n");
	unlink(path);
}

/* A report's IPv6 peer in another spelling than the capture's: compared as addresses. */
static void test_ipv6_peer(void **state)
{
	(void)state;
	char journal[] = "/tmp/siptrail-v6-XXXXXX", report[] = "/tmp/siptrail-v6-csv-XXXXXX";
	char args[256], line[16384];
	FILE *in = fopen("tests/data/bye_failed_incomplete_chain.jsonl", "r"), *out_file;
	int fd = mkstemp(journal);

	assert_non_null(in);
	assert_true(fd >= 0);
	out_file = fdopen(fd, "w");
	/* the carrier moves to 2001:db8::20, in the journal's (RFC 5952) form */
	while (fgets(line, sizeof(line), in)) {
		char *at;
		while ((at = strstr(line, "\"198.51.100.20\"")))
			memcpy(at, "\"2001:db8::20\" ", 15);
		fputs(line, out_file);
	}
	fclose(in);
	fclose(out_file);
	report_file(report, "time,caller,callee,peer\n"
			    "2025-11-27 10:40:01,alice,bob,2001:DB8:0:0::20\n"
			    "2025-11-27 10:40:01,alice,bob,2001:db8::21\n");
	snprintf(args, sizeof(args), "--failures %s %s", report, journal);
	assert_int_equal(correlate_in_zone("UTC", args), 0);
	assert_row_call(2, "time and numbers", "a84b4c76e66710@198.51.100.20", CHAIN_A);
	assert_row_says(3, "not it: peer not in the call\n");
	unlink(report);
	unlink(journal);
}

static void test_json_and_csv_out(void **state)
{
	(void)state;
	char csv_path[] = "/tmp/siptrail-correlate-XXXXXX";
	char args[512], text[4096];
	json_error_t error;
	json_t *doc, *row;
	size_t n;
	FILE *f;
	int fd = mkstemp(csv_path);

	assert_true(fd >= 0);
	close(fd);
	snprintf(args, sizeof(args),
		 "--json --csv-out %s --failures tests/data/reports/asterisk-master.csv " AFTERNOON,
		 csv_path);
	assert_int_equal(correlate_in_zone("Europe/Berlin", args), 0);
	doc = json_loads(out, 0, &error);
	assert_non_null(doc);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "report"), "shape")),
	    "asterisk-cdr-csv");
	row = json_array_get(json_object_get(doc, "rows"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "match")), "time_numbers");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(row, "call"), "chain")), CHAIN_A);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(json_object_get(doc, "summary"), "by_diagnosis"),
			     "TLS_INCOMPLETE_CHAIN")),
			 1);
	json_decref(doc);
	/* the report handed back: Asterisk's column names, its rows, siptrail's columns */
	f = fopen(csv_path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(csv_path);
	assert_non_null(strstr(text, "accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,"
				     "lastdata,start,answer,end,duration,billsec,disposition,"
				     "amaflags,uniqueid,userfield,siptrail_call_id,siptrail_match,"
				     "siptrail_verdict,siptrail_cause_chain\r\n"));
	assert_non_null(strstr(text, ",03012340001,04098760001,from-carrier,\"\"\"Carrier\"\" "
				     "<03012340001>\",PJSIP/carrier-00000011,"));
	assert_non_null(strstr(text, ",1764240000.11,," CALL_A ",time and numbers,TLS to "
				     "198.51.100.20 failed"));
	assert_non_null(strstr(text, "," CHAIN_A "\r\n"));
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
	assert_int_equal(parsed("27-11-2025 10:40", DATE_ORDER_UNKNOWN), NS(1764240000));
	assert_int_equal(parsed("11-27-25 10:40", DATE_ORDER_MDY), NS(1764240000));
	assert_int_equal(parsed(" 1764240000 ", DATE_ORDER_UNKNOWN), NS(1764240000));
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
	assert_int_equal(report_time_parse("99999999999999999999", DATE_ORDER_UNKNOWN, &ts, NULL),
			 -EINVAL);
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
	    cmocka_unit_test(test_shape_asterisk),
	    cmocka_unit_test(test_shape_freeswitch),
	    cmocka_unit_test(test_shape_kamailio_acc),
	    cmocka_unit_test(test_shape_conversation),
	    cmocka_unit_test(test_rows_that_do_not_match_one_call),
	    cmocka_unit_test(test_date_order_from_the_file),
	    cmocka_unit_test(test_call_id_not_seen),
	    cmocka_unit_test(test_ipv6_peer),
	    cmocka_unit_test(test_json_and_csv_out),
	    cmocka_unit_test(test_csv_reader),
	    cmocka_unit_test(test_report_times),
	    cmocka_unit_test(test_date_order_votes),
	    cmocka_unit_test(test_numbers),
	};
	setenv("TZ", "UTC", 1); /* zone-less report times are local */
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
