/* Known failure report shapes and the columns siptrail reads from each. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_shape.h"
#include "report_time.h"

#define NO_COL (-1)

struct report_shape {
	const char *name, *title;
	/* shapes with a header row: names that must all be there, and the names tried per role */
	const char *const *signature;
	const char *const *role_names[ROLE_COUNT];
	/* shapes without one: width, documented column names, where each role is, and a look
	 * at the first row's content */
	unsigned min_columns, max_columns;
	const char *const *column_names;
	int positions[ROLE_COUNT];
	bool (*content_fits)(const struct report_row *row);
};

const char *const report_role_flag[ROLE_COUNT] = {
    [ROLE_TIME] = "time",     [ROLE_CALL_ID] = "call-id", [ROLE_CALLER] = "caller",
    [ROLE_CALLEE] = "callee", [ROLE_PEER] = "peer",	  [ROLE_CODE] = "code",
    [ROLE_REASON] = "reason",
};

static bool is_time(const char *text)
{
	uint64_t ts;
	return text[0] && !report_time_parse(text, DATE_ORDER_UNKNOWN, &ts, NULL);
}

/* Asterisk cdr_csv.c: accountcode ... amaflags, then uniqueid and userfield (loguniqueid,
 * loguserfield), then peeraccount, linkedid, sequence (newcdrcolumns). */
static const char *const asterisk_columns[] = {
    "accountcode", "src",      "dst",	      "dcontext", "clid",     "channel",
    "dstchannel",  "lastapp",  "lastdata",    "start",	  "answer",   "end",
    "duration",	   "billsec",  "disposition", "amaflags", "uniqueid", "userfield",
    "peeraccount", "linkedid", "sequence",    NULL};

static bool asterisk_fits(const struct report_row *row)
{
	static const char *const dispositions[] = {"ANSWERED", "NO ANSWER",  "BUSY",
						   "FAILED",   "CONGESTION", NULL};
	const char *disposition = report_field(row, 14);

	if (!is_time(report_field(row, 9)))
		return false;
	for (unsigned i = 0; dispositions[i]; i++)
		if (!strcmp(disposition, dispositions[i]))
			return true;
	return false;
}

/* mod_cdr_csv's "example" template, the default (the compiled-in one lacks the codecs). */
static const char *const freeswitch_columns[] = {"caller_id_name",
						 "caller_id_number",
						 "destination_number",
						 "context",
						 "start_stamp",
						 "answer_stamp",
						 "end_stamp",
						 "duration",
						 "billsec",
						 "hangup_cause",
						 "uuid",
						 "bleg_uuid",
						 "accountcode",
						 "read_codec",
						 "write_codec",
						 NULL};

static bool uuid_like(const char *text)
{
	static const char dashes[] = {8, 13, 18, 23};

	if (strlen(text) != 36)
		return false;
	for (unsigned i = 0; i < sizeof(dashes); i++)
		if (text[(unsigned)dashes[i]] != '-')
			return false;
	return true;
}

static bool freeswitch_fits(const struct report_row *row)
{
	const char *cause = report_field(row, 9);

	return is_time(report_field(row, 4)) && cause[0] &&
	       strspn(cause, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(cause) &&
	       uuid_like(report_field(row, 10));
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct report_shape shapes[] = {
    {
	.name = "kamailio-acc",
	.title = "Kamailio acc table export",
	.signature = NAMES("method", "callid", "sip_code", "time"),
	.role_names =
	    {
		[ROLE_TIME] = NAMES("time"),
		[ROLE_CALL_ID] = NAMES("callid"),
		[ROLE_CALLER] = NAMES("src_user"),
		[ROLE_CALLEE] = NAMES("dst_ouser", "dst_user"),
		[ROLE_PEER] = NAMES("src_ip"),
		[ROLE_CODE] = NAMES("sip_code"),
		[ROLE_REASON] = NAMES("sip_reason"),
	    },
    },
    {
	.name = "conversation",
	.title = "contact-center conversation export",
	.signature = NAMES("conversation id", "conversation start", "ani", "dnis"),
	.role_names =
	    {
		[ROLE_TIME] = NAMES("conversation start"),
		[ROLE_CALLER] = NAMES("ani"),
		[ROLE_CALLEE] = NAMES("dnis"),
		[ROLE_CODE] = NAMES("error code"),
		[ROLE_REASON] = NAMES("disconnect type"),
	    },
    },
    {
	.name = "generic",
	.title = "CSV with named columns",
	.signature = NAMES(NULL),
	.role_names =
	    {
		[ROLE_TIME] = NAMES("time", "timestamp", "start_time", "start", "datetime", "date",
				    "call_start"),
		[ROLE_CALL_ID] = NAMES("call_id", "callid", "sip_call_id"),
		[ROLE_CALLER] = NAMES("caller", "from", "ani", "calling", "calling_number", "src"),
		[ROLE_CALLEE] = NAMES("callee", "to", "dnis", "called", "called_number", "dst"),
		[ROLE_PEER] = NAMES("peer", "trunk", "peer_ip", "remote_ip", "ip"),
		[ROLE_CODE] = NAMES("code", "error", "sip_code", "status", "response_code"),
		[ROLE_REASON] = NAMES("reason", "cause", "disposition", "hangup_cause"),
	    },
    },
    {
	.name = "asterisk-cdr-csv",
	.title = "Asterisk cdr-csv Master.csv",
	.min_columns = 16,
	.max_columns = 21,
	.column_names = asterisk_columns,
	.positions = {[ROLE_TIME] = 9,
		      [ROLE_CALL_ID] = NO_COL,
		      [ROLE_CALLER] = 1,
		      [ROLE_CALLEE] = 2,
		      [ROLE_PEER] = NO_COL,
		      [ROLE_CODE] = NO_COL,
		      [ROLE_REASON] = 14},
	.content_fits = asterisk_fits,
    },
    {
	.name = "freeswitch-cdr-csv",
	.title = "FreeSWITCH cdr_csv default template",
	.min_columns = 13,
	.max_columns = 15,
	.column_names = freeswitch_columns,
	.positions = {[ROLE_TIME] = 4,
		      [ROLE_CALL_ID] = NO_COL,
		      [ROLE_CALLER] = 1,
		      [ROLE_CALLEE] = 2,
		      [ROLE_PEER] = NO_COL,
		      [ROLE_CODE] = NO_COL,
		      [ROLE_REASON] = 9},
	.content_fits = freeswitch_fits,
    },
};

#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

const char report_shape_names[] =
    "kamailio-acc, conversation, generic, asterisk-cdr-csv, freeswitch-cdr-csv";

const char *report_shape_name(const struct report_shape *shape)
{
	return shape->name;
}

const char *report_shape_title(const struct report_shape *shape)
{
	return shape->title;
}

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

static int header_column(const struct report_row *header, const char *name)
{
	for (unsigned i = 0; i < header->n_fields; i++)
		if (column_name_eq(header->fields[i], name))
			return (int)i;
	return NO_COL;
}

static bool header_has_all(const struct report_row *header, const char *const *names)
{
	for (; *names; names++)
		if (header_column(header, *names) == NO_COL)
			return false;
	return true;
}

/* A header names columns: none of its fields is a time. */
static bool looks_like_header(const struct report_row *row)
{
	for (unsigned i = 0; i < row->n_fields; i++)
		if (is_time(row->fields[i]))
			return false;
	return true;
}

static bool shape_fits(const struct report_shape *shape, const struct report_row *first)
{
	if (shape->content_fits)
		return first->n_fields >= shape->min_columns &&
		       first->n_fields <= shape->max_columns && shape->content_fits(first);
	return looks_like_header(first) && header_has_all(first, shape->signature);
}

static void shape_columns(const struct report_shape *shape, const struct report_row *first,
			  struct report_layout *out)
{
	out->has_header = !shape->content_fits;
	out->column_names = shape->column_names;
	out->n_columns = first->n_fields;
	for (int role = 0; role < ROLE_COUNT; role++) {
		out->cols[role] = NO_COL;
		if (shape->content_fits) {
			out->cols[role] = shape->positions[role];
			continue;
		}
		for (const char *const *name = shape->role_names[role];
		     name && *name && out->cols[role] == NO_COL; name++)
			out->cols[role] = header_column(first, *name);
	}
}

/* A header name, or a 1-based column number. */
static int named_column(const struct report_layout *layout, const struct report_row *first,
			const char *name)
{
	char *end;
	unsigned long number;
	int col = layout->has_header ? header_column(first, name) : NO_COL;

	if (col != NO_COL)
		return col;
	number = strtoul(name, &end, 10);
	if (!*end && end != name && number >= 1 && number <= layout->n_columns)
		return (int)number - 1;
	return NO_COL;
}

int report_layout_find(const struct report_table *table, const char *shape_name,
		       const char *const role_columns[ROLE_COUNT], struct report_layout *out,
		       char *err, size_t err_len)
{
	const struct report_row *first;

	memset(out, 0, sizeof(*out));
	if (!table->count) {
		snprintf(err, err_len, "the report is empty");
		return -EINVAL;
	}
	first = &table->rows[0];
	for (size_t i = 0; i < N_SHAPES && !out->shape; i++) {
		if (shape_name ? !strcmp(shape_name, shapes[i].name)
			       : shape_fits(&shapes[i], first))
			out->shape = &shapes[i];
	}
	if (!out->shape) {
		if (shape_name)
			snprintf(err, err_len, "no report shape '%s' (--shape: %s)", shape_name,
				 report_shape_names);
		else
			snprintf(err, err_len,
				 "not a known report shape (%s) and its first row is no header; "
				 "name its shape with --shape",
				 report_shape_names);
		return -EINVAL;
	}
	shape_columns(out->shape, first, out);
	for (int role = 0; role < ROLE_COUNT; role++) {
		if (!role_columns[role])
			continue;
		out->cols[role] = named_column(out, first, role_columns[role]);
		if (out->cols[role] == NO_COL) {
			snprintf(err, err_len, "no column '%s' (--%s-col)", role_columns[role],
				 report_role_flag[role]);
			return -EINVAL;
		}
	}
	if (out->cols[ROLE_TIME] == NO_COL && out->cols[ROLE_CALL_ID] == NO_COL) {
		snprintf(err, err_len,
			 "neither a time nor a Call-ID column; name one with --time-col or "
			 "--call-id-col");
		return -EINVAL;
	}
	return 0;
}

const char *report_column_name(const struct report_table *table, const struct report_layout *layout,
			       unsigned col)
{
	if (layout->has_header)
		return report_field(&table->rows[0], (int)col);
	if (!layout->column_names)
		return "";
	for (unsigned i = 0; layout->column_names[i]; i++)
		if (i == col)
			return layout->column_names[i];
	return "";
}
