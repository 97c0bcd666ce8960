/* siptrail correlate --csv-out: the report handed back with siptrail's columns added. */
#include <errno.h>
#include <string.h>

#include "correlate_view.h"

static const char *const how_names[] = {
    [MATCH_NONE] = "none",
    [MATCH_CALL_ID] = "call-id",
    [MATCH_TIME_NUMBERS] = "time and numbers",
    [MATCH_SEVERAL] = "several calls fit",
};

/* RFC 4180: quoted when it holds the separator, a quote or a line break. */
static void field_write(FILE *out, const char *text, char separator, bool first)
{
	if (!first)
		fputc(separator, out);
	if (!strchr(text, separator) && !strpbrk(text, "\"\r\n")) {
		fputs(text, out);
		return;
	}
	fputc('"', out);
	for (; *text; text++) {
		if (*text == '"')
			fputc('"', out);
		fputc(*text, out);
	}
	fputc('"', out);
}

static void siptrail_fields(FILE *out, const struct correlated_row *r, char separator)
{
	const struct call_entry *call = r->match.call;
	const struct diagnosis *cause = call ? call_entry_cause(call) : NULL;
	char chain[256] = "", call_ids[4 * SIP_CALL_ID_LEN] = "";
	size_t len = 0;

	if (call)
		call_entry_chain(call, chain, sizeof(chain));
	/* several calls fit: all of them, for the team that reads it to choose */
	for (unsigned i = 0; r->match.how == MATCH_SEVERAL && i < r->match.n_candidates; i++)
		len += (size_t)snprintf(call_ids + len, sizeof(call_ids) - len, "%s%s",
					i ? " " : "", r->match.candidates[i].call->call_id);
	field_write(out, call ? call->call_id : call_ids, separator, false);
	field_write(out, how_names[r->match.how], separator, false);
	field_write(out, cause ? cause->summary : call ? "no diagnosis" : "", separator, false);
	field_write(out, chain, separator, false);
}

int correlate_write_csv(FILE *out, const struct correlate_result *result)
{
	const struct report_layout *layout = result->layout;
	char sep = result->table->separator ? result->table->separator : ',';

	for (unsigned c = 0; c < layout->n_columns; c++)
		field_write(out, report_column_name(result->table, layout, c), sep, c == 0);
	fprintf(out,
		"%csiptrail_call_id%csiptrail_match%csiptrail_verdict%csiptrail_cause_chain\r\n",
		sep, sep, sep, sep);
	for (size_t i = 0; i < result->n_rows; i++) {
		const struct correlated_row *r = &result->rows[i];
		for (unsigned c = 0; c < layout->n_columns; c++)
			field_write(out, report_field(r->source, (int)c), sep, c == 0);
		siptrail_fields(out, r, sep);
		fputs("\r\n", out);
	}
	return ferror(out) ? -EIO : 0;
}
