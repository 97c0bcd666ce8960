/* Failure report rows, copied out of the CSV reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv_read.h"
#include "report_table.h"

static int row_copy(const struct csv_reader *csv, struct report_row *row)
{
	const char *text = csv->fields[0];
	const char *last = csv->fields[csv->n_fields - 1];
	size_t text_len = (size_t)(last - text) + strlen(last) + 1;
	size_t ptrs_len = csv->n_fields * sizeof(char *);
	char *block = malloc(ptrs_len + text_len);

	if (!block)
		return -ENOMEM;
	row->fields = (char **)block;
	memcpy(block + ptrs_len, text, text_len);
	for (unsigned i = 0; i < csv->n_fields; i++)
		row->fields[i] = block + ptrs_len + (csv->fields[i] - text);
	row->n_fields = csv->n_fields;
	row->line_no = csv->line_no;
	return 0;
}

int report_table_read(FILE *file, struct report_table *table, unsigned long *line_no)
{
	struct csv_reader csv;
	int rc;

	memset(table, 0, sizeof(*table));
	csv_reader_init(&csv, file);
	while ((rc = csv_next_row(&csv)) == 1) {
		if (table->count == table->cap) {
			size_t cap = table->cap ? table->cap * 2 : 64;
			struct report_row *grown = realloc(table->rows, cap * sizeof(*grown));
			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			table->rows = grown;
			table->cap = cap;
		}
		if ((rc = row_copy(&csv, &table->rows[table->count])))
			break;
		table->count++;
	}
	table->separator = csv.separator;
	*line_no = csv.line_no;
	csv_reader_free(&csv);
	return rc;
}

void report_table_free(struct report_table *table)
{
	for (size_t i = 0; i < table->count; i++)
		free(table->rows[i].fields);
	free(table->rows);
	memset(table, 0, sizeof(*table));
}

const char *report_field(const struct report_row *row, int col)
{
	return col >= 0 && (unsigned)col < row->n_fields ? row->fields[col] : "";
}
