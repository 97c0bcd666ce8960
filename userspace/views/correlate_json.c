/* siptrail correlate --json: one document, {"report", "rows": [...], "summary"}. */
#include <errno.h>
#include <jansson.h>

#include "correlate_view.h"
#include "explain_print.h"

static const char *const how_names[] = {
    [MATCH_NONE] = "none",
    [MATCH_CALL_ID] = "call_id",
    [MATCH_TIME_NUMBERS] = "time_numbers",
    [MATCH_SEVERAL] = "several",
};

static json_t *time_json(uint64_t ts_ns)
{
	char t[48];
	return json_string(format_ts(ts_ns, t, sizeof(t)));
}

static json_t *call_json(const struct call_entry *call)
{
	const struct diagnosis *cause = call_entry_cause(call);
	char chain[256];

	call_entry_chain(call, chain, sizeof(chain));
	return json_pack("{s:s, s:o, s:s, s:s, s:s, s:s?, s:s?, s:b}", "call_id", call->call_id,
			 "first_seen", time_json(call->first_ts_ns), "from", call->from_user, "to",
			 call->to_user, "peer", call->peer_addr.text, "cause",
			 cause ? diag_id_name(cause->id) : NULL, "chain", chain[0] ? chain : NULL,
			 "failed", call->failed);
}

static json_t *candidate_json(const struct failure_candidate *c)
{
	static const struct {
		unsigned bit;
		const char *name;
	} reasons[] = {
	    {MISMATCH_TIME, "time"},
	    {MISMATCH_CALLER, "caller"},
	    {MISMATCH_CALLEE, "callee"},
	    {MISMATCH_PEER, "peer"},
	    {MISMATCH_NOTHING_TO_COMPARE, "nothing_to_compare"},
	};
	json_t *not_matching = json_array(), *obj = call_json(c->call);

	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (c->mismatch & reasons[i].bit)
			json_array_append_new(not_matching, json_string(reasons[i].name));
	json_object_set_new(obj, "delta_s", json_real((double)c->delta_ns / 1e9));
	json_object_set_new(obj, "not_matching", not_matching);
	return obj;
}

static json_t *row_json(const struct correlated_row *r)
{
	const struct failure_row *row = &r->row;
	const struct failure_match *m = &r->match;
	json_t *obj =
	    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "line",
		      (json_int_t)row->line_no, "time_text", r->time_text, "call_id", row->call_id,
		      "caller", row->caller, "callee", row->callee, "peer", row->peer, "code",
		      row->code, "reason", row->reason, "match", how_names[m->how]);
	json_t *candidates = json_array();

	if (row->has_ts)
		json_object_set_new(obj, "time", time_json(row->ts_ns));
	if (m->call)
		json_object_set_new(obj, "call", call_json(m->call));
	for (unsigned i = 0; i < m->n_candidates; i++)
		json_array_append_new(candidates, candidate_json(&m->candidates[i]));
	json_object_set_new(obj, "candidates", candidates);
	if (m->how == MATCH_SEVERAL)
		json_object_set_new(obj, "n_fitting", json_integer(m->n_fitting));
	if (m->zone_call)
		json_object_set_new(obj, "zone_hint",
				    json_pack("{s:s, s:I}", "call_id", m->zone_call->call_id,
					      "shift_s", (json_int_t)m->zone_shift_s));
	return obj;
}

static json_t *counts_json(const struct count_entry *e, size_t n)
{
	json_t *obj = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(obj, e[i].key,
				    json_pack("{s:I, s:I, s:I}", "rows", (json_int_t)e[i].rows,
					      "matched", (json_int_t)e[i].matched, "failed",
					      (json_int_t)e[i].failed));
	return obj;
}

static json_t *summary_json(const struct correlate_summary *sum)
{
	json_t *by_diag = json_object(), *obj;

	for (int id = 0; id < DIAG_COUNT; id++)
		if (sum->by_diag[id])
			json_object_set_new(by_diag, diag_id_name((enum diag_id)id),
					    json_integer((json_int_t)sum->by_diag[id]));
	obj =
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "rows", (json_int_t)sum->rows,
		      "matched", (json_int_t)sum->matched, "call_fine", (json_int_t)sum->no_diag,
		      "several_fit", (json_int_t)sum->several, "no_call", (json_int_t)sum->no_call,
		      "by_diagnosis", by_diag, "by_peer", counts_json(sum->peers, sum->n_peers),
		      "by_hour_utc", counts_json(sum->hours, sum->n_hours));
	if (obj && sum->zone_rows)
		json_object_set_new(obj, "zone_shift",
				    json_pack("{s:I, s:I}", "shift_s",
					      (json_int_t)sum->zone_shift_s, "rows",
					      (json_int_t)sum->zone_rows));
	return obj;
}

int correlate_print_json(FILE *out, const struct correlate_result *result)
{
	struct correlate_summary sum;
	json_t *rows = json_array(), *doc;
	int rc = 0;

	if (correlate_summary_build(result, &sum)) {
		json_decref(rows);
		return -ENOMEM;
	}
	for (size_t i = 0; i < result->n_rows; i++)
		json_array_append_new(rows, row_json(&result->rows[i]));
	doc =
	    json_pack("{s:{s:s, s:s, s:b, s:s, s:s}, s:o, s:o}", "report", "path",
		      result->report_path, "shape", report_shape_name(result->layout->shape),
		      "header", result->layout->has_header, "zone", result->zone_note, "date_order",
		      result->date_note, "rows", rows, "summary", summary_json(&sum));
	correlate_summary_free(&sum);
	if (!doc || json_dumpf(doc, out, JSON_INDENT(2)))
		rc = -ENOMEM;
	fputc('\n', out);
	json_decref(doc);
	return rc;
}
