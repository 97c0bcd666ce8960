/*
 * CSV rows (RFC 4180: quoted fields, "" for a quote, line breaks inside quotes) from a failure
 * report. The separator is ',' unless the header line has ';' and no ',' (spreadsheets in
 * locales with a decimal comma write ';').
 */
#ifndef SIPTRAIL_CSV_READ_H
#define SIPTRAIL_CSV_READ_H

#include <stdio.h>

#define CSV_MAX_FIELDS 64

struct csv_reader {
	FILE *file;
	char separator; /* 0 until the first row set it */
	unsigned long line_no;
	char *line;
	size_t line_cap;
	char *text; /* the row being decoded; fields point into it */
	size_t text_cap;
	char *fields[CSV_MAX_FIELDS];
	unsigned n_fields;
};

void csv_reader_init(struct csv_reader *reader, FILE *file);
void csv_reader_free(struct csv_reader *reader);

/* Reads the next non-empty row into reader->fields. Returns 1, 0 at the end, -EIO, -ENOMEM,
 * or -EINVAL for a quote left open at the end of the file. */
int csv_next_row(struct csv_reader *reader);

#endif
