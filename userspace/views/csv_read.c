/* A small RFC 4180 reader. Debian's libcsv (3.0.3) is a push parser with callbacks: reading a
 * row at a time with its line number would need this much code around it anyway. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "csv_read.h"

void csv_reader_init(struct csv_reader *reader, FILE *file)
{
	memset(reader, 0, sizeof(*reader));
	reader->file = file;
}

void csv_reader_free(struct csv_reader *reader)
{
	free(reader->line);
	free(reader->text);
	memset(reader, 0, sizeof(*reader));
}

static int append(struct csv_reader *r, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > r->text_cap) {
		size_t cap = (*len + n + 1) * 2;
		char *grown = realloc(r->text, cap);
		if (!grown)
			return -ENOMEM;
		r->text = grown;
		r->text_cap = cap;
	}
	memcpy(r->text + *len, s, n);
	*len += n;
	r->text[*len] = '\0';
	return 0;
}

/* Unbalanced quotes mean the row goes on on the next line. */
static bool quotes_open(const char *s)
{
	bool open = false;
	for (; *s; s++)
		open ^= *s == '"';
	return open;
}

static void split(struct csv_reader *r)
{
	char *in = r->text, *out = r->text;
	bool quoted = false;

	r->n_fields = 0;
	r->fields[r->n_fields++] = out;
	for (; *in; in++) {
		if (quoted) {
			if (*in == '"' && in[1] == '"')
				*out++ = *in++;
			else if (*in == '"')
				quoted = false;
			else
				*out++ = *in;
		} else if (*in == '"') {
			quoted = true;
		} else if (*in == r->separator) {
			*out++ = '\0';
			if (r->n_fields < CSV_MAX_FIELDS)
				r->fields[r->n_fields++] = out;
		} else if (*in != '\r' && *in != '\n') { /* line ends outside quotes */
			*out++ = *in;
		}
	}
	*out = '\0';
}

int csv_next_row(struct csv_reader *r)
{
	size_t len = 0;
	ssize_t n;
	int rc;

	for (;;) {
		errno = 0;
		n = getline(&r->line, &r->line_cap, r->file);
		if (n < 0) {
			if (errno)
				return -EIO;
			if (len)
				return -EINVAL; /* a quoted field never closed */
			return 0;
		}
		r->line_no++;
		if (!len && strspn(r->line, " \t\r\n") == (size_t)n)
			continue;
		if ((rc = append(r, &len, r->line, (size_t)n)))
			return rc;
		if (!quotes_open(r->text))
			break;
	}
	if (!r->separator)
		r->separator = strchr(r->text, ';') && !strchr(r->text, ',') ? ';' : ',';
	split(r);
	return 1;
}
