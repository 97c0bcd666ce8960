/*
 * A whole failure report in memory, row by row: shapes are recognised and day/month order is
 * settled from all rows before any row is matched. Reports are small (thousands of rows).
 */
#ifndef SIPTRAIL_REPORT_TABLE_H
#define SIPTRAIL_REPORT_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct report_row {
	unsigned long line_no; /* where the row starts in the file */
	char **fields;	       /* one allocation: the pointers, then the text */
	unsigned n_fields;
};

struct report_table {
	struct report_row *rows;
	size_t count, cap;
	char separator;
};

/* Reads every row of FILE. Returns 0, -ENOMEM, -EIO, or -EINVAL for a quote never closed
 * (*LINE_NO: the line where reading stopped). */
int report_table_read(FILE *file, struct report_table *table, unsigned long *line_no);
void report_table_free(struct report_table *table);

/* Field COL of ROW, "" when the row is shorter or COL < 0. */
const char *report_field(const struct report_row *row, int col);

#endif
