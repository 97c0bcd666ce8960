/* siptrail correlate --failures REPORT.csv JOURNAL|CAPTURE: each reported failure with the
 * diagnosis of its call, and a summary by diagnosis, peer and hour. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "call_index.h"
#include "command.h"
#include "correlate_view.h"
#include "event_load.h"
#include "failure_match.h"
#include "phone_number.h"
#include "report_shape.h"
#include "report_table.h"
#include "report_time.h"

#define NS_PER_S     1000000000ull
#define ZONEINFO_DIR "/usr/share/zoneinfo"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siptrail correlate --failures REPORT.csv JOURNAL|CAPTURE... [options]\n"
		"  Matches each row of a failure report to a call, by Call-ID, else by time\n"
		"  window and caller/callee numbers or peer, and prints the call's diagnosis\n"
		"  chain, or the calls that came nearest and why they did not match; a summary\n"
		"  by diagnosis, peer and hour ends the output. Known shapes are recognised:\n"
		"  %s.\n"
		"  --shape NAME   read the report as that shape\n"
		"  --time-col C, --call-id-col C, --caller-col C, --callee-col C, --peer-col C,\n"
		"  --code-col C, --reason-col C   the column for that role: a header name or a\n"
		"                 1-based column number (overrides the shape)\n"
		"  --tz ZONE      the zone of times written without one (default: this host's,\n"
		"                 TZ or /etc/localtime), e.g. Europe/Berlin\n"
		"  --date-order mdy|dmy   for dates like 03/04/2025 (default: from the file)\n"
		"  --match-digits N   numbers without a country code match on their last N\n"
		"                 digits (default %d)\n"
		"  --window S     how far (seconds) a report time may be from a call (default "
		"300)\n"
		"  --json         one JSON document instead of text\n"
		"  --csv-out FILE the report's rows with siptrail's columns "
		"added\n" CAPTURE_OPTIONS_HELP "exit: 0 done, 2 usage or I/O\n",
		report_shape_names, PHONE_TRAILING_DIGITS_DEFAULT);
}

struct correlate_args {
	const char *report, *shape, *tz, *csv_out;
	const char *const *paths; /* the input: a journal, or captures read as one */
	size_t n_paths;
	const char *columns[ROLE_COUNT];
	enum date_order date_order;
	struct match_config match;
	bool json;
	struct capture_source_options capture;
};

enum { OPT_COL = 0x200, OPT_SHAPE = 0x300, OPT_TZ, OPT_DATE_ORDER, OPT_DIGITS, OPT_CSV_OUT };

static int parse_number(const char *flag, const char *text, double max, double *value)
{
	char *end;

	*value = strtod(text, &end);
	if (*end || end == text || *value < 0 || *value > max) {
		fprintf(stderr, "siptrail correlate: %s: '%s' is not 0-%.0f\n", flag, text, max);
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_option(int opt, const char *arg, struct correlate_args *a)
{
	double value;

	if (opt >= OPT_COL && opt < OPT_COL + ROLE_COUNT) {
		a->columns[opt - OPT_COL] = arg;
		return 0;
	}
	switch (opt) {
	case 'f':
		a->report = arg;
		return 0;
	case OPT_SHAPE:
		a->shape = arg;
		return 0;
	case OPT_TZ:
		a->tz = arg;
		return 0;
	case OPT_CSV_OUT:
		a->csv_out = arg;
		return 0;
	case 'j':
		a->json = true;
		return 0;
	case OPT_DATE_ORDER:
		if (strcmp(arg, "mdy") && strcmp(arg, "dmy")) {
			fprintf(stderr,
				"siptrail correlate: --date-order: '%s' is not mdy or dmy\n", arg);
			return EXIT_USAGE;
		}
		a->date_order = arg[0] == 'm' ? DATE_ORDER_MDY : DATE_ORDER_DMY;
		return 0;
	case OPT_DIGITS:
		if (parse_number("--match-digits", arg, 15, &value))
			return EXIT_USAGE;
		a->match.trailing_digits = (unsigned)value;
		return 0;
	case 'w':
		if (parse_number("--window", arg, 86400, &value))
			return EXIT_USAGE;
		a->match.window_ns = (uint64_t)(value * 1e9);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct correlate_args *a)
{
	static const struct option options[] = {
	    {"failures", required_argument, NULL, 'f'},
	    {"time-col", required_argument, NULL, OPT_COL + ROLE_TIME},
	    {"call-id-col", required_argument, NULL, OPT_COL + ROLE_CALL_ID},
	    {"caller-col", required_argument, NULL, OPT_COL + ROLE_CALLER},
	    {"callee-col", required_argument, NULL, OPT_COL + ROLE_CALLEE},
	    {"peer-col", required_argument, NULL, OPT_COL + ROLE_PEER},
	    {"code-col", required_argument, NULL, OPT_COL + ROLE_CODE},
	    {"reason-col", required_argument, NULL, OPT_COL + ROLE_REASON},
	    {"shape", required_argument, NULL, OPT_SHAPE},
	    {"tz", required_argument, NULL, OPT_TZ},
	    {"date-order", required_argument, NULL, OPT_DATE_ORDER},
	    {"match-digits", required_argument, NULL, OPT_DIGITS},
	    {"window", required_argument, NULL, 'w'},
	    {"json", no_argument, NULL, 'j'},
	    {"csv-out", required_argument, NULL, OPT_CSV_OUT},
	    {"help", no_argument, NULL, 'h'},
	    CAPTURE_LONG_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	int opt, rc;

	a->match.window_ns = 300 * NS_PER_S;
	a->match.trailing_digits = PHONE_TRAILING_DIGITS_DEFAULT;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (capture_option("correlate", opt, optarg, &a->capture)) {
		case 1:
			continue;
		case -1:
			return EXIT_USAGE;
		}
		if (opt == 'h') {
			usage(stdout);
			return -1;
		}
		if ((rc = parse_option(opt, optarg, a)))
			return rc;
	}
	if (!a->report || optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	a->paths = (const char *const *)&argv[optind];
	a->n_paths = (size_t)(argc - optind);
	return 0;
}

/* Times without a zone are read with mktime in TZ: --tz sets it for this process. */
static int zone_set(const char *tz, char *note, size_t note_len)
{
	const char *env = getenv("TZ");
	char path[512];

	if (!tz) {
		snprintf(note, note_len, "times without a zone read in this host's zone (%s%s)",
			 env ? "TZ=" : "/etc/localtime", env ? env : "");
		tzset();
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, tz);
	if (strstr(tz, "..") || access(path, R_OK)) {
		fprintf(stderr, "siptrail correlate: --tz: no zone '%s' in %s\n", tz, ZONEINFO_DIR);
		return EXIT_USAGE;
	}
	setenv("TZ", tz, 1);
	tzset();
	snprintf(note, note_len, "times without a zone read in %s (--tz)", tz);
	return 0;
}

/* Day/month order of slash dates: the flag, else what the rows settle, else reported. */
static enum date_order date_order_settle(const struct correlate_args *a,
					 const struct report_table *table,
					 const struct report_layout *layout, char *note,
					 size_t note_len)
{
	struct date_order_votes votes = {0};
	enum date_order order;
	bool conflict;

	for (size_t i = layout->has_header; i < table->count; i++)
		date_order_vote(&votes, report_field(&table->rows[i], layout->cols[ROLE_TIME]));
	note[0] = '\0';
	if (a->date_order != DATE_ORDER_UNKNOWN)
		return a->date_order;
	order = date_order_decide(&votes, &conflict);
	if (conflict) {
		snprintf(note, note_len,
			 "dates disagree on day/month order (%lu rows read as month/day, %lu as "
			 "day/month); only unambiguous ones are read, --date-order chooses",
			 votes.mdy, votes.dmy);
		return DATE_ORDER_UNKNOWN;
	}
	if (order != DATE_ORDER_UNKNOWN) {
		if (votes.ambiguous)
			snprintf(note, note_len, "dates read as %s, as other rows show",
				 order == DATE_ORDER_MDY ? "month/day" : "day/month");
		return order;
	}
	if (!votes.ambiguous)
		return DATE_ORDER_UNKNOWN;
	/* nothing settles it: a 12-hour clock is the US form */
	order = votes.twelve_hour ? DATE_ORDER_MDY : DATE_ORDER_DMY;
	snprintf(note, note_len,
		 "day/month order ambiguous in every row (e.g. %.16s): read as %s%s; "
		 "--date-order chooses",
		 votes.example, order == DATE_ORDER_MDY ? "month/day" : "day/month",
		 votes.twelve_hour ? " (12-hour clock: the US form)" : "");
	return order;
}

static struct correlated_row *rows_match(const struct correlate_args *a,
					 const struct report_table *table,
					 const struct report_layout *layout, enum date_order order,
					 const struct call_index *index, size_t *n_rows)
{
	size_t first = layout->has_header;
	struct correlated_row *rows = calloc(table->count ? table->count : 1, sizeof(*rows));

	*n_rows = 0;
	if (!rows)
		return NULL;
	for (size_t i = first; i < table->count; i++) {
		const struct report_row *src = &table->rows[i];
		struct correlated_row *r = &rows[(*n_rows)++];
		const int *cols = layout->cols;

		r->source = src;
		r->time_text = report_field(src, cols[ROLE_TIME]);
		r->row = (struct failure_row){
		    .line_no = src->line_no,
		    .call_id = report_field(src, cols[ROLE_CALL_ID]),
		    .caller = report_field(src, cols[ROLE_CALLER]),
		    .callee = report_field(src, cols[ROLE_CALLEE]),
		    .peer = report_field(src, cols[ROLE_PEER]),
		    .code = report_field(src, cols[ROLE_CODE]),
		    .reason = report_field(src, cols[ROLE_REASON]),
		};
		r->row.has_ts =
		    r->time_text[0] && !report_time_parse(r->time_text, order, &r->row.ts_ns, NULL);
		if (r->time_text[0] && !r->row.has_ts)
			fprintf(stderr, "siptrail correlate: %s:%lu: time '%s' not understood\n",
				a->report, src->line_no, r->time_text);
		failure_match_row(index, &r->row, &a->match, &r->match);
	}
	return rows;
}

static int write_csv_out(const char *path, const struct correlate_result *result)
{
	FILE *out = fopen(path, "w");
	int rc;

	if (!out) {
		fprintf(stderr, "siptrail correlate: --csv-out %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	rc = correlate_write_csv(out, result);
	if (fclose(out) || rc) {
		fprintf(stderr, "siptrail correlate: --csv-out %s: write failed\n", path);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int correlate_report(const struct correlate_args *a, const struct report_table *table,
			    const struct call_index *index, const char *zone_note)
{
	struct report_layout layout;
	struct correlate_result result = {
	    .report_path = a->report,
	    .table = table,
	    .layout = &layout,
	    .zone_note = zone_note,
	    .index = index,
	    .window_ns = a->match.window_ns,
	};
	struct correlated_row *rows;
	char err[256], date_note[256];
	enum date_order order;
	int rc;

	if (report_layout_find(table, a->shape, a->columns, &layout, err, sizeof(err))) {
		fprintf(stderr, "siptrail correlate: %s: %s\n", a->report, err);
		return EXIT_USAGE;
	}
	order = date_order_settle(a, table, &layout, date_note, sizeof(date_note));
	if (date_note[0])
		fprintf(stderr, "siptrail correlate: %s: %s\n", a->report, date_note);
	rows = rows_match(a, table, &layout, order, index, &result.n_rows);
	if (!rows) {
		fprintf(stderr, "siptrail correlate: out of memory\n");
		return EXIT_USAGE;
	}
	result.rows = rows;
	result.date_note = date_note;
	rc =
	    a->json ? correlate_print_json(stdout, &result) : correlate_print_text(stdout, &result);
	if (rc) {
		fprintf(stderr, "siptrail correlate: out of memory\n");
		rc = EXIT_USAGE;
	}
	if (!rc && a->csv_out)
		rc = write_csv_out(a->csv_out, &result);
	free(rows);
	return rc;
}

static int report_load(const char *path, struct report_table *table)
{
	FILE *file = fopen(path, "r");
	unsigned long line_no;
	int rc;

	if (!file) {
		fprintf(stderr, "siptrail correlate: %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	rc = report_table_read(file, table, &line_no);
	fclose(file);
	if (rc) {
		fprintf(stderr, "siptrail correlate: %s:%lu: %s\n", path, line_no,
			rc == -EINVAL ? "a quoted field is never closed" : strerror(-rc));
		report_table_free(table);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_correlate(int argc, char **argv)
{
	struct correlate_args args = {0};
	struct correlator_config config;
	struct report_table table;
	struct call_index index;
	char zone_note[256];
	int rc = parse_args(argc, argv, &args);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (zone_set(args.tz, zone_note, sizeof(zone_note)) || report_load(args.report, &table))
		return EXIT_USAGE;
	correlator_config_default(&config);
	rc = call_index_read(&index, "correlate", args.paths, args.n_paths, &args.capture, &config);
	if (!rc || rc == -EIO) {
		int report_rc = correlate_report(&args, &table, &index, zone_note);
		rc = rc ? EXIT_USAGE : report_rc;
	} else {
		rc = EXIT_USAGE;
	}
	call_index_free(&index);
	report_table_free(&table);
	return rc;
}
