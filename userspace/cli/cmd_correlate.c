/* siptrail correlate --failures REPORT.csv JOURNAL|CAPTURE: each reported failure with the
 * diagnosis of its call, and a summary by diagnosis. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "call_index.h"
#include "command.h"
#include "csv_read.h"
#include "event_load.h"
#include "explain_print.h"
#include "failure_match.h"

#define NS_PER_S 1000000000ull

enum column { COL_TIME, COL_CALL_ID, COL_CALLER, COL_CALLEE, COL_PEER, COL_CODE, COL_COUNT };

/* Header names tried, case-insensitively, when no --*-col flag names the column. */
static const char *const default_columns[COL_COUNT][8] = {
    [COL_TIME] = {"time", "timestamp", "start_time", "start", "datetime", "date", "call_start"},
    [COL_CALL_ID] = {"call_id", "call-id", "callid", "sip_call_id"},
    [COL_CALLER] = {"caller", "from", "ani", "calling", "calling_number", "src"},
    [COL_CALLEE] = {"callee", "to", "dnis", "called", "called_number", "dst"},
    [COL_PEER] = {"peer", "trunk", "peer_ip", "remote_ip", "ip"},
    [COL_CODE] = {"code", "error", "sip_code", "status", "response_code", "cause"},
};
static const char *const column_flags[COL_COUNT] = {"time",   "call-id", "caller",
						    "callee", "peer",	 "code"};

/* A failure count per root-cause diagnosis, plus "no diagnosis" and "no matching call". */
struct summary {
	unsigned long by_diag[DIAG_COUNT], no_diag, no_call, rows;
};

/* Header names compare without case, spaces, '_' or '-': "Start Time" is start_time. */
static bool column_name_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '_' || *a == '-')
			a++;
		while (*b == ' ' || *b == '_' || *b == '-')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a++) != tolower((unsigned char)*b++))
			return false;
	}
}

static int find_column(const struct csv_reader *header, const char *chosen, enum column col)
{
	for (unsigned i = 0; i < header->n_fields; i++) {
		const char *name = header->fields[i];
		if (chosen) {
			if (column_name_eq(name, chosen))
				return (int)i;
			continue;
		}
		for (unsigned k = 0; default_columns[col][k]; k++)
			if (column_name_eq(name, default_columns[col][k]))
				return (int)i;
	}
	return -1;
}

static const char *field(const struct csv_reader *row, int col)
{
	return col >= 0 && (unsigned)col < row->n_fields ? row->fields[col] : "";
}

static void print_call(const struct call_entry *call, struct summary *sum)
{
	const struct diagnosis *cause = call_entry_cause(call);
	char chain[256];

	if (!cause) {
		printf("  no diagnosis: the call was seen and nothing in it failed\n");
		sum->no_diag++;
		return;
	}
	call_entry_chain(call, chain, sizeof(chain));
	printf("  diagnosis: %s%s\n    %s\n", chain, diag_is_failure(cause->id) ? "" : " (warning)",
	       cause->summary);
	sum->by_diag[cause->id]++;
}

static void print_row(const struct failure_row *row, const struct failure_match *m,
		      const struct call_index *index, struct summary *sum)
{
	char t[48];

	(void)index;
	printf("line %lu: %s", row->line_no,
	       row->has_ts ? format_ts(row->ts_ns, t, sizeof(t)) : "(no time)");
	if (row->call_id[0])
		printf(" Call-ID %s", row->call_id);
	if (row->caller[0] || row->callee[0])
		printf(" %s -> %s", row->caller[0] ? row->caller : "?",
		       row->callee[0] ? row->callee : "?");
	if (row->peer[0])
		printf(" peer %s", row->peer);
	if (row->code[0])
		printf(" code %s", row->code);
	putchar('\n');
	if (m->call) {
		printf("  call %s (%s, first seen %s)\n", m->call->call_id,
		       m->how == MATCH_CALL_ID ? "matched by Call-ID"
					       : "matched by time and numbers",
		       format_ts(m->call->first_ts_ns, t, sizeof(t)));
		print_call(m->call, sum);
		return;
	}
	sum->no_call++;
	printf("  no matching call");
	if (!m->n_nearest) {
		printf(" (the input has no calls)\n");
		return;
	}
	printf("; nearest in time:\n");
	for (unsigned i = 0; i < m->n_nearest; i++) {
		const struct call_entry *c = m->nearest[i];
		const struct diagnosis *cause = call_entry_cause(c);
		double delta_s =
		    row->has_ts ? ((double)c->first_ts_ns - (double)row->ts_ns) / 1e9 : 0;
		printf("    %s at %s (%+.1f s) %s -> %s%s%s\n", c->call_id,
		       format_ts(c->first_ts_ns, t, sizeof(t)), delta_s,
		       c->from_user[0] ? c->from_user : "?", c->to_user[0] ? c->to_user : "?",
		       cause ? ", " : "", cause ? diag_id_name(cause->id) : "");
	}
}

static void print_summary(const struct summary *sum)
{
	printf("\nsummary: %lu failure(s) reported\n", sum->rows);
	for (int id = 0; id < DIAG_COUNT; id++)
		if (sum->by_diag[id])
			printf("  %-24s %lu\n", diag_id_name((enum diag_id)id), sum->by_diag[id]);
	if (sum->no_diag)
		printf("  %-24s %lu\n", "(call fine in capture)", sum->no_diag);
	if (sum->no_call)
		printf("  %-24s %lu\n", "(no matching call)", sum->no_call);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siptrail correlate --failures REPORT.csv JOURNAL|CAPTURE [options]\n"
		"  Matches each failure of a CSV report (a header row, then one failure per row)\n"
		"  to a call, by Call-ID, else by time window and caller/callee numbers or peer,\n"
		"  and prints the call's diagnosis; a summary by diagnosis ends the output.\n"
		"  --time-col NAME, --call-id-col NAME, --caller-col NAME, --callee-col NAME,\n"
		"  --peer-col NAME, --code-col NAME   column headers (defaults: time|timestamp|\n"
		"                 start_time, call_id|callid, caller|from|ani, callee|to|dnis,\n"
		"                 peer|trunk|ip, code|error|sip_code|status)\n"
		"  --window S     how far (seconds) a report time may be from a call (default "
		"300)\n" CAPTURE_OPTIONS_HELP
		"Times are Unix seconds or 'YYYY-MM-DD HH:MM:SS[.fff]' in UTC.\n"
		"exit: 0 done, 2 usage or I/O\n");
}

struct correlate_args {
	const char *report, *input;
	const char *columns[COL_COUNT];
	uint64_t window_ns;
	struct capture_source_options capture;
};

static int parse_args(int argc, char **argv, struct correlate_args *a)
{
	static const struct option options[] = {
	    {"failures", required_argument, NULL, 'f'},
	    {"time-col", required_argument, NULL, 0x200 + COL_TIME},
	    {"call-id-col", required_argument, NULL, 0x200 + COL_CALL_ID},
	    {"caller-col", required_argument, NULL, 0x200 + COL_CALLER},
	    {"callee-col", required_argument, NULL, 0x200 + COL_CALLEE},
	    {"peer-col", required_argument, NULL, 0x200 + COL_PEER},
	    {"code-col", required_argument, NULL, 0x200 + COL_CODE},
	    {"window", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    CAPTURE_LONG_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	int opt;

	a->window_ns = 300 * NS_PER_S;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		char *end;
		double secs;
		switch (capture_option("correlate", opt, optarg, &a->capture)) {
		case 1:
			continue;
		case -1:
			return EXIT_USAGE;
		}
		if (opt >= 0x200 && opt < 0x200 + COL_COUNT) {
			a->columns[opt - 0x200] = optarg;
			continue;
		}
		switch (opt) {
		case 'f':
			a->report = optarg;
			break;
		case 'w':
			secs = strtod(optarg, &end);
			if (*end || secs < 0 || secs > 86400) {
				fprintf(stderr,
					"siptrail correlate: --window: '%s' is not 0-86400\n",
					optarg);
				return EXIT_USAGE;
			}
			a->window_ns = (uint64_t)(secs * 1e9);
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!a->report || optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	a->input = argv[optind];
	return 0;
}

static int correlate_report(const struct correlate_args *a, FILE *report,
			    const struct call_index *index)
{
	struct csv_reader csv;
	struct summary sum = {0};
	int cols[COL_COUNT], rc;

	csv_reader_init(&csv, report);
	rc = csv_next_row(&csv);
	if (rc <= 0) {
		fprintf(stderr, "siptrail correlate: %s: %s\n", a->report,
			rc ? "cannot read the header row" : "empty report");
		csv_reader_free(&csv);
		return EXIT_USAGE;
	}
	for (int c = 0; c < COL_COUNT; c++) {
		cols[c] = find_column(&csv, a->columns[c], (enum column)c);
		if (cols[c] < 0 && a->columns[c]) {
			fprintf(stderr, "siptrail correlate: %s: no column '%s' (--%s-col)\n",
				a->report, a->columns[c], column_flags[c]);
			csv_reader_free(&csv);
			return EXIT_USAGE;
		}
	}
	if (cols[COL_TIME] < 0 && cols[COL_CALL_ID] < 0) {
		fprintf(stderr,
			"siptrail correlate: %s: neither a time nor a Call-ID column; name "
			"one with --time-col or --call-id-col\n",
			a->report);
		csv_reader_free(&csv);
		return EXIT_USAGE;
	}
	while ((rc = csv_next_row(&csv)) == 1) {
		struct failure_row row = {
		    .line_no = csv.line_no,
		    .call_id = field(&csv, cols[COL_CALL_ID]),
		    .caller = field(&csv, cols[COL_CALLER]),
		    .callee = field(&csv, cols[COL_CALLEE]),
		    .peer = field(&csv, cols[COL_PEER]),
		    .code = field(&csv, cols[COL_CODE]),
		};
		struct failure_match m;
		const char *time_text = field(&csv, cols[COL_TIME]);

		row.has_ts = time_text[0] && !report_time_parse(time_text, &row.ts_ns);
		if (time_text[0] && !row.has_ts)
			fprintf(stderr, "siptrail correlate: %s:%lu: time '%s' not understood\n",
				a->report, csv.line_no, time_text);
		sum.rows++;
		failure_match_row(index, &row, a->window_ns, &m);
		print_row(&row, &m, index, &sum);
	}
	if (rc < 0)
		fprintf(stderr, "siptrail correlate: %s:%lu: %s\n", a->report, csv.line_no,
			rc == -EINVAL ? "a quoted field is never closed" : strerror(-rc));
	print_summary(&sum);
	csv_reader_free(&csv);
	return rc < 0 ? EXIT_USAGE : EXIT_OK;
}

int cmd_correlate(int argc, char **argv)
{
	struct correlate_args args = {0};
	struct correlator_config config;
	struct call_index index;
	FILE *report;
	int rc = parse_args(argc, argv, &args);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	report = fopen(args.report, "r");
	if (!report) {
		fprintf(stderr, "siptrail correlate: %s: %s\n", args.report, strerror(errno));
		return EXIT_USAGE;
	}
	correlator_config_default(&config);
	rc = call_index_read(&index, "correlate", args.input, &args.capture, &config);
	if (!rc || rc == -EIO) {
		int report_rc = correlate_report(&args, report, &index);
		rc = rc ? EXIT_USAGE : report_rc;
	} else {
		rc = EXIT_USAGE;
	}
	call_index_free(&index);
	fclose(report);
	return rc;
}
