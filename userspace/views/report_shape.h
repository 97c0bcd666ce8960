/*
 * The shapes failure reports come in, recognised without flags: by their header row
 * (Kamailio acc export, a contact-center conversation export, any CSV with usual column
 * names) or, for CDR files without a header, by column count and content (Asterisk cdr-csv
 * Master.csv, FreeSWITCH cdr_csv default template). docs/report-shapes.md names the source
 * of each. Column flags override what a shape says.
 */
#ifndef SIPTRAIL_REPORT_SHAPE_H
#define SIPTRAIL_REPORT_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "report_table.h"

/* What siptrail reads from a report row. */
enum report_role {
	ROLE_TIME,
	ROLE_CALL_ID,
	ROLE_CALLER,
	ROLE_CALLEE,
	ROLE_PEER,
	ROLE_CODE,   /* SIP or error code */
	ROLE_REASON, /* disposition, hangup cause, disconnect type */
	ROLE_COUNT
};

struct report_shape;

struct report_layout {
	const struct report_shape *shape;
	bool has_header;      /* rows[0] names the columns */
	int cols[ROLE_COUNT]; /* -1: not in this report */
	unsigned n_columns;
	const char *const *column_names; /* headerless shapes: the documented names, else NULL */
};

/* Flag names of the roles ("time" for --time-col). */
extern const char *const report_role_flag[ROLE_COUNT];

/* Finds the layout of TABLE: the shape named by SHAPE_NAME (NULL: recognised), then the
 * columns named by ROLE_COLUMNS[role] (NULL: the shape's; a header name, or a 1-based column
 * number). Returns 0, or -EINVAL with the reason in ERR. */
int report_layout_find(const struct report_table *table, const char *shape_name,
		       const char *const role_columns[ROLE_COUNT], struct report_layout *out,
		       char *err, size_t err_len);

/* "asterisk-cdr-csv", and "Asterisk cdr-csv Master.csv" for people. */
const char *report_shape_name(const struct report_shape *shape);
const char *report_shape_title(const struct report_shape *shape);

/* The name of column COL for a CSV written back: the header's, the shape's, or "". */
const char *report_column_name(const struct report_table *table, const struct report_layout *layout,
			       unsigned col);

/* "asterisk-cdr-csv, freeswitch-cdr-csv, ..." for usage text. */
extern const char report_shape_names[];

#endif
