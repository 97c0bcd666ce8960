/* siptrail correlate as text: a few lines per report row, then the summary. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "correlate_view.h"
#include "explain_print.h"

static void print_call(FILE *out, const struct call_entry *call)
{
	const struct diagnosis *cause = call_entry_cause(call);
	char chain[256];

	if (!cause) {
		fprintf(out, "  no diagnosis: the call was seen and nothing in it failed\n");
		return;
	}
	call_entry_chain(call, chain, sizeof(chain));
	fprintf(out, "  diagnosis: %s%s\n    %s\n", chain,
		diag_is_failure(cause->id) ? "" : " (warning)", cause->summary);
}

static void print_row_line(FILE *out, const struct correlated_row *r)
{
	const struct failure_row *row = &r->row;
	char t[48];

	fprintf(out, "line %lu: %s", row->line_no,
		row->has_ts ? format_ts(row->ts_ns, t, sizeof(t)) : "(no time)");
	if (row->call_id[0])
		fprintf(out, " Call-ID %s", row->call_id);
	if (row->caller[0] || row->callee[0])
		fprintf(out, " %s -> %s", row->caller[0] ? row->caller : "?",
			row->callee[0] ? row->callee : "?");
	if (row->peer[0])
		fprintf(out, " peer %s", row->peer);
	if (row->code[0])
		fprintf(out, " code %s", row->code);
	if (row->reason[0])
		fprintf(out, " (%s)", row->reason);
	fputc('\n', out);
}

/* "caller, callee, time (1908.5 s away, window 300 s)" */
static void print_mismatch(FILE *out, const struct failure_candidate *c, uint64_t window_ns)
{
	const char *sep = "";

	if (c->mismatch & MISMATCH_NOTHING_TO_COMPARE) {
		fprintf(out, "the row has no number or peer to compare");
		sep = ", ";
	}
	if (c->mismatch & MISMATCH_CALLER)
		fprintf(out, "%scaller differs", sep), sep = ", ";
	if (c->mismatch & MISMATCH_CALLEE)
		fprintf(out, "%scallee differs", sep), sep = ", ";
	if (c->mismatch & MISMATCH_PEER)
		fprintf(out, "%speer not in the call", sep), sep = ", ";
	if (c->mismatch & MISMATCH_TIME)
		fprintf(out, "%soutside the %.0f s window", sep, (double)window_ns / 1e9);
}

static void print_candidate(FILE *out, const struct failure_candidate *c, uint64_t window_ns)
{
	const struct diagnosis *cause = call_entry_cause(c->call);
	char t[48];

	fprintf(out, "    %s at %s (%+.1f s) %s -> %s%s%s", c->call->call_id,
		format_ts(c->call->first_ts_ns, t, sizeof(t)), (double)c->delta_ns / 1e9,
		c->call->from_user[0] ? c->call->from_user : "?",
		c->call->to_user[0] ? c->call->to_user : "?", cause ? ", " : "",
		cause ? diag_id_name(cause->id) : "");
	if (c->mismatch) {
		fprintf(out, "; not it: ");
		print_mismatch(out, c, window_ns);
	}
	fputc('\n', out);
}

/* "1 h 00 min before" for a shift of row time minus call time */
static void print_shift(FILE *out, int64_t shift_s)
{
	int64_t shift_min = llabs(shift_s) / 60;

	fprintf(out, "%" PRId64 " h %02" PRId64 " min %s", shift_min / 60, shift_min % 60,
		shift_s > 0 ? "before" : "after");
}

static void print_zone_hint(FILE *out, const struct failure_match *m)
{
	fprintf(out, "  time zone? call %s has these numbers ", m->zone_call->call_id);
	print_shift(out, m->zone_shift_s);
	fprintf(out, " the row's time: the report's times may be in another zone than they "
		     "were read in (--tz)\n");
}

static void print_match(FILE *out, const struct correlate_result *result,
			const struct correlated_row *r)
{
	const struct failure_match *m = &r->match;
	char t[48];

	switch (m->how) {
	case MATCH_CALL_ID:
	case MATCH_TIME_NUMBERS:
		fprintf(out, "  call %s (%s, first seen %s)\n", m->call->call_id,
			m->how == MATCH_CALL_ID ? "matched by Call-ID"
						: "matched by time and numbers",
			format_ts(m->call->first_ts_ns, t, sizeof(t)));
		print_call(out, m->call);
		return;
	case MATCH_SEVERAL:
		fprintf(out,
			"  %u calls fit its time and numbers; none chosen (a Call-ID column or a "
			"narrower --window would tell them apart):\n",
			m->n_fitting);
		for (unsigned i = 0; i < m->n_candidates; i++)
			print_candidate(out, &m->candidates[i], result->window_ns);
		return;
	case MATCH_NONE:
		break;
	}
	if (!result->index->count) {
		fprintf(out, "  no matching call (the input has no calls)\n");
		return;
	}
	if (!r->row.has_ts) {
		if (r->time_text[0])
			fprintf(out, "  no matching call: time '%s' not understood", r->time_text);
		else
			fprintf(out, "  no matching call: the row has no time");
		fprintf(out, "%s, so it cannot be placed among the input's %zu call(s)\n",
			r->row.call_id[0] ? " and its Call-ID was not seen" : "",
			result->index->count);
		return;
	}
	fprintf(out, "  no matching call%s; nearest in time:\n",
		r->row.call_id[0] ? " (its Call-ID is not in the input)" : "");
	for (unsigned i = 0; i < m->n_candidates; i++)
		print_candidate(out, &m->candidates[i], result->window_ns);
	if (m->zone_call)
		print_zone_hint(out, m);
}

static void print_counts(FILE *out, const char *title, const struct count_entry *e, size_t n)
{
	fprintf(out, "  by %s:\n", title);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "    %-24s %lu row(s), %lu matched, %lu failed\n", e[i].key, e[i].rows,
			e[i].matched, e[i].failed);
}

static void print_summary(FILE *out, const struct correlate_summary *sum)
{
	fprintf(out, "\nsummary: %lu failure(s) reported, %lu matched to a call\n", sum->rows,
		sum->matched);
	fprintf(out, "  by diagnosis:\n");
	for (int id = 0; id < DIAG_COUNT; id++)
		if (sum->by_diag[id])
			fprintf(out, "    %-24s %lu\n", diag_id_name((enum diag_id)id),
				sum->by_diag[id]);
	if (sum->no_diag)
		fprintf(out, "    %-24s %lu\n", "(call fine in capture)", sum->no_diag);
	if (sum->several)
		fprintf(out, "    %-24s %lu\n", "(several calls fit)", sum->several);
	if (sum->no_call)
		fprintf(out, "    %-24s %lu\n", "(no matching call)", sum->no_call);
	if (sum->zone_rows) {
		fprintf(out, "  time zone: %lu row(s) without a match fit a call ", sum->zone_rows);
		print_shift(out, sum->zone_shift_s);
		fprintf(out, " their time: is the report in another zone than it was read in? "
			     "(--tz)\n");
	}
	print_counts(out, "peer", sum->peers, sum->n_peers);
	print_counts(out, "hour (UTC)", sum->hours, sum->n_hours);
}

int correlate_print_text(FILE *out, const struct correlate_result *result)
{
	struct correlate_summary sum;

	fprintf(out, "report %s: %s (%s, %u columns); %s%s%s\n", result->report_path,
		report_shape_title(result->layout->shape),
		result->layout->has_header ? "header row" : "no header", result->layout->n_columns,
		result->zone_note, result->date_note[0] ? "; " : "", result->date_note);
	for (size_t i = 0; i < result->n_rows; i++) {
		print_row_line(out, &result->rows[i]);
		print_match(out, result, &result->rows[i]);
	}
	if (correlate_summary_build(result, &sum))
		return -ENOMEM;
	print_summary(out, &sum);
	correlate_summary_free(&sum);
	return 0;
}
