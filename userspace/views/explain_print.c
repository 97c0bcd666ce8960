/* Output of explain: text for an engineer, JSON (jansson) for programs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "explain_print.h"
#include "fix_hints_print.h"

/* VALUE's last WIDTH decimal digits at P; returns the byte after them. */
static char *put_digits(char *p, unsigned value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + value % 10);
		value /= 10;
	}
	return p + width;
}

/* "%Y-%m-%d %H:%M:%S.mmm" digit by digit: strftime and snprintf were 5,000 instructions a
 * time, two times per line of `calls` (years from 1970 to 2554 have four digits). */
const char *format_ts(uint64_t ts_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ts_ns / 1000000000ull);
	char text[sizeof("2026-12-05 12:00:00.000")], *p = text;
	struct tm tm;
	size_t n;

	if (!len)
		return buf;
	gmtime_r(&secs, &tm);
	p = put_digits(p, (unsigned)tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, (unsigned)tm.tm_mday, 2);
	*p++ = ' ';
	p = put_digits(p, (unsigned)tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)tm.tm_sec, 2);
	*p++ = '.';
	p = put_digits(p, (unsigned)(ts_ns / 1000000ull % 1000), 3);
	n = (size_t)(p - text) < len ? (size_t)(p - text) : len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return buf;
}

/* symptom <- cause <- cause of the cause, following the first cause of each */
static void print_chain(FILE *out, const struct call_verdict *verdict, const struct diagnosis *d)
{
	fprintf(out, "    chain: %s", diag_id_name(d->id));
	for (unsigned depth = 0; d && d->n_causes && depth < DIAG_COUNT; depth++) {
		fprintf(out, " <- %s", diag_id_name(d->causes[0]));
		d = verdict_find(verdict, d->causes[0]);
	}
	fputc('\n', out);
}

void explain_print_diagnosis_text(FILE *out, const struct call_verdict *verdict,
				  const struct diagnosis *d)
{
	char t[48];

	fprintf(out, "  %s%s: %s\n", diag_id_name(d->id),
		diag_is_failure(d->id) ? "" : " (warning)", d->summary);
	if (d->n_causes) {
		fprintf(out, "    because:");
		for (unsigned c = 0; c < d->n_causes; c++)
			fprintf(out, " %s", diag_id_name(d->causes[c]));
		fputc('\n', out);
		print_chain(out, verdict, d);
	}
	for (unsigned e = 0; e < d->n_evidence; e++) {
		const struct evidence *ev = &d->evidence[e];
		fprintf(out, "    %-23s %s\n", ev->ts_ns ? format_ts(ev->ts_ns, t, sizeof(t)) : "",
			ev->text);
	}
	fix_hints_print_text(out, d->id);
}

void explain_print_text(FILE *out, const struct call_verdict *verdict)
{
	char t[48];

	fprintf(out, "call %s (first seen %s UTC)\n", verdict->call_id,
		format_ts(verdict->first_ts_ns, t, sizeof(t)));
	for (unsigned i = 0; i < verdict->n_diags; i++)
		explain_print_diagnosis_text(out, verdict, &verdict->diags[i]);
}

json_t *explain_diagnosis_json(const struct call_verdict *verdict, const struct diagnosis *d)
{
	json_t *causes = json_array(), *evidence = json_array();
	char t[48];

	for (unsigned c = 0; c < d->n_causes; c++)
		json_array_append_new(causes, json_string(diag_id_name(d->causes[c])));
	for (unsigned e = 0; e < d->n_evidence; e++) {
		const struct evidence *ev = &d->evidence[e];
		json_t *item = json_pack("{s:s}", "text", ev->text);
		if (ev->ts_ns) {
			json_object_set_new(item, "ts_ns", json_integer((json_int_t)ev->ts_ns));
			json_object_set_new(item, "time",
					    json_string(format_ts(ev->ts_ns, t, sizeof(t))));
		}
		if (ev->conn)
			json_object_set_new(item, "conn", json_integer((json_int_t)ev->conn));
		json_array_append_new(evidence, item);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", diag_id_name(d->id),
			 "call_id", verdict->call_id, "severity",
			 diag_is_failure(d->id) ? "failure" : "warning", "summary", d->summary,
			 "causes", causes, "evidence", evidence, "fixes", fix_hints_json(d->id));
}

int explain_print_json(FILE *out, const struct call_verdict *verdict)
{
	for (unsigned i = 0; i < verdict->n_diags; i++) {
		json_t *obj = explain_diagnosis_json(verdict, &verdict->diags[i]);
		char *line = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
		json_decref(obj);
		if (!line)
			return -ENOMEM;
		fprintf(out, "%s\n", line);
		free(line);
	}
	return 0;
}
