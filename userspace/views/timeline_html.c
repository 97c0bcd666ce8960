/* One self-contained HTML page: inline CSS and SVG, no script, no network. */
#include <errno.h>
#include <string.h>

#include "explain_print.h"
#include "fix_hints_print.h"
#include "timeline.h"

#define LANE_X0	     150
#define LANE_SPACING 300
#define ROW_Y0	     70
#define ROW_HEIGHT   34

static const char style[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "section.call{margin-bottom:3em}"
    "h2{font-family:monospace;font-size:1.1em}"
    ".diagnosis{border-left:6px solid #c62828;background:#fdecea;padding:.6em 1em;margin:.5em 0}"
    ".diagnosis.warning{border-color:#ef6c00;background:#fff3e0}"
    ".diagnosis.ok{border-color:#2e7d32;background:#e8f5e9}"
    ".diagnosis .chain{font-family:monospace;font-weight:bold}"
    ".evidence-list{font-size:.9em;margin:.4em 0 0 0}"
    ".evidence-list .ts{font-family:monospace;color:#555}"
    ".fixes{font-size:.9em;margin:.4em 0 0 0}"
    ".fixes .setting{font-family:monospace}"
    "svg{background:#fafafa;border:1px solid #ddd}"
    "svg text{font-family:monospace;font-size:12px}"
    "svg .lane{stroke:#90a4ae;stroke-width:2}"
    "svg .lane-name{font-weight:bold;font-size:13px}"
    "svg .msg line{stroke:#37474f;stroke-width:1.5}"
    "svg .msg.fail line{stroke:#c62828;stroke-dasharray:6 3}"
    "svg .msg.fail text.label{fill:#c62828;font-weight:bold}"
    "svg rect.evidence{fill:#fff59d}"
    "svg .note text{fill:#6a1b9a}"
    "svg .time{fill:#777}";

static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

/* What to change, per diagnosis of the call (fix_hints.h). */
static void write_fix_hints(FILE *out, const struct call_verdict *v)
{
	char advice[512];

	fputs("<details class=\"fixes\"><summary>what to change</summary><ul>", out);
	for (unsigned i = 0; i < v->n_diags; i++) {
		size_t n;
		const struct fix_hint *hint = fix_hints_of(v->diags[i].id, &n);
		for (size_t h = 0; h < n; h++, hint++) {
			fprintf(out, "<li><b>%s</b>, %s: <span class=\"setting\">",
				diag_id_name(hint->id), sbc_family_name(hint->family));
			put_escaped(out, hint->setting);
			fputs("</span>: ", out);
			put_escaped(out, fix_hint_advice(hint, advice, sizeof(advice)));
			fputs("</li>", out);
		}
	}
	fputs("</ul></details>", out);
}

static void write_diagnosis(FILE *out, const struct timeline *tl)
{
	const struct call_entry *call = tl->call;
	const struct call_verdict *v = call->verdict;
	const struct diagnosis *cause = call_entry_cause(call);
	char chain[256], t[48];

	if (!cause) {
		fputs("<div class=\"diagnosis ok\"><span class=\"chain\">no failure</span>: "
		      "nothing in this call failed</div>\n",
		      out);
		return;
	}
	call_entry_chain(call, chain, sizeof(chain));
	fprintf(out, "<div class=\"diagnosis %s\"><span class=\"chain\">",
		call->failed ? "failure" : "warning");
	put_escaped(out, chain);
	fputs("</span><p class=\"summary\">", out);
	put_escaped(out, cause->summary);
	fputs("</p><ul class=\"evidence-list\">", out);
	for (unsigned i = 0; i < v->n_diags; i++)
		for (unsigned e = 0; e < v->diags[i].n_evidence; e++) {
			const struct evidence *ev = &v->diags[i].evidence[e];
			fputs("<li>", out);
			if (ev->ts_ns)
				fprintf(out, "<span class=\"ts\">%s</span> ",
					format_ts(ev->ts_ns, t, sizeof(t)));
			fprintf(out, "<b>%s</b>: ", diag_id_name(v->diags[i].id));
			put_escaped(out, ev->text);
			fputs("</li>", out);
		}
	fputs("</ul>", out);
	write_fix_hints(out, v);
	fputs("</div>\n", out);
}

static void write_row(FILE *out, const struct timeline *tl, const struct timeline_row *row,
		      unsigned y, unsigned width)
{
	unsigned x_local = LANE_X0, x_peer = LANE_X0 + row->lane * LANE_SPACING;
	double rel_s = ((double)row->ts_ns - (double)tl->start_ns) / 1e9;

	if (row->evidence)
		fprintf(out,
			"<rect class=\"evidence\" x=\"0\" y=\"%u\" width=\"%u\" height=\"%u\"/>",
			y - ROW_HEIGHT / 2 - 4, width, ROW_HEIGHT - 2);
	fprintf(out, "<text class=\"time\" x=\"8\" y=\"%u\">+%.3f s</text>", y + 4, rel_s);
	if (row->arrow == TL_NOTE || !row->lane) {
		fprintf(out,
			"<g class=\"note\"><circle cx=\"%u\" cy=\"%u\" r=\"4\" fill=\"#6a1b9a\"/>"
			"<text x=\"%u\" y=\"%u\">",
			x_peer, y, x_peer + 8, y + 4);
		put_escaped(out, row->label);
		fputs("</text><title>", out);
		put_escaped(out, row->detail);
		fputs("</title></g>\n", out);
		return;
	}
	fprintf(out, "<g class=\"msg%s%s\"><title>", row->failure ? " fail" : "",
		row->evidence ? " cited" : "");
	put_escaped(out, row->detail);
	fprintf(out,
		"</title><line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" marker-end=\"url(#%s)\"/>",
		row->arrow == TL_TO_PEER ? x_local : x_peer, y,
		row->arrow == TL_TO_PEER ? x_peer - 2 : x_local + 2, y,
		row->failure ? "head-fail" : "head");
	fprintf(out, "<text class=\"label\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">",
		(x_local + x_peer) / 2, y - 5);
	put_escaped(out, row->label);
	fputs("</text></g>\n", out);
}

static void write_call(FILE *out, const struct timeline *tl, size_t index)
{
	unsigned width = LANE_X0 + (tl->n_lanes - 1) * LANE_SPACING + 220;
	unsigned height = ROW_Y0 + (unsigned)tl->n_rows * ROW_HEIGHT + 20;

	fprintf(out, "<section class=\"call\" id=\"call-%zu\" data-call-id=\"", index + 1);
	put_escaped(out, tl->call->call_id);
	fputs("\"><h2>call ", out);
	put_escaped(out, tl->call->call_id);
	fputs("</h2>\n", out);
	write_diagnosis(out, tl);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
		"viewBox=\"0 0 %u %u\"><defs>"
		"<marker id=\"head\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
		"orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#37474f\"/></marker>"
		"<marker id=\"head-fail\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" "
		"refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#c62828\"/>"
		"</marker></defs>\n",
		width, height, width, height);
	for (unsigned l = 0; l < tl->n_lanes; l++) {
		unsigned x = LANE_X0 + l * LANE_SPACING;
		fprintf(out,
			"<text class=\"lane-name\" x=\"%u\" y=\"24\" text-anchor=\"middle\">%s"
			"</text><text x=\"%u\" y=\"40\" text-anchor=\"middle\">",
			x, l ? "peer" : "this host", x);
		put_escaped(out, tl->lanes[l]);
		fprintf(out,
			"</text><line class=\"lane\" x1=\"%u\" y1=\"48\" x2=\"%u\" y2=\"%u\"/>\n",
			x, x, height - 10);
	}
	for (size_t i = 0; i < tl->n_rows; i++)
		write_row(out, tl, &tl->rows[i], ROW_Y0 + (unsigned)i * ROW_HEIGHT + 10, width);
	fputs("</svg></section>\n", out);
}

int timeline_write_html(FILE *out, const struct timeline *tls, size_t count, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", out);
	put_escaped(out, title);
	fprintf(out, "</title><style>%s</style></head><body>\n<h1>", style);
	put_escaped(out, title);
	fprintf(out,
		"</h1>\n<p>%zu call(s). Highlighted rows are the evidence of the diagnosis; "
		"red dashed arrows failed. Hover an arrow for details.</p>\n",
		count);
	for (size_t i = 0; i < count; i++)
		write_call(out, &tls[i], i);
	fputs("</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}
