/* The ladder on a terminal: one column per lane, an arrow per row, evidence marked '*'. */
#include <string.h>

#include "explain_print.h"
#include "timeline.h"

#define LANE_WIDTH 36
#define LINE_MAX   ((TIMELINE_MAX_LANES + 1) * LANE_WIDTH + 2)

static void draw_row(char *line, size_t width, unsigned n_lanes, const struct timeline_row *row)
{
	size_t from = 0, to = row->lane * LANE_WIDTH, span, label_len;

	memset(line, ' ', width);
	line[width] = '\0';
	for (unsigned lane = 0; lane < n_lanes; lane++)
		line[lane * LANE_WIDTH] = '|';
	if (row->arrow == TL_NOTE || !row->lane) {
		size_t at = to + 2, n = strlen(row->label);
		if (at + 2 > width)
			return;
		if (at + n + 2 > width)
			n = width > at + 2 ? width - at - 2 : 0;
		line[at] = '[';
		memcpy(line + at + 1, row->label, n);
		line[at + 1 + n] = ']';
		return;
	}
	for (size_t x = from + 1; x < to; x++)
		line[x] = row->failure ? '~' : '-';
	if (row->arrow == TL_TO_PEER)
		line[to - 1] = row->failure ? 'x' : '>';
	else
		line[from + 1] = row->failure ? 'x' : '<';
	span = to - from - 5;
	label_len = strlen(row->label);
	if (label_len > span)
		label_len = span;
	memcpy(line + from + 3 + (span - label_len) / 2, row->label, label_len);
}

void timeline_print_text(FILE *out, const struct timeline *tl)
{
	const struct call_entry *call = tl->call;
	const struct diagnosis *cause = call_entry_cause(call);
	size_t width = (tl->n_lanes + 1) * LANE_WIDTH; /* room for notes right of the last lane */
	char chain[256], line[LINE_MAX + 1], t[48];

	call_entry_chain(call, chain, sizeof(chain));
	fprintf(out, "call %s\n", call->call_id);
	if (cause)
		fprintf(out, "diagnosis: %s\n  %s\n", chain, cause->summary);
	else
		fprintf(out, "diagnosis: none (nothing failed)\n");
	fprintf(out, "start %s UTC; '*' evidence, 'x'/'~' failure\n\n",
		format_ts(tl->start_ns, t, sizeof(t)));
	fprintf(out, "%11s  ", "+s");
	for (unsigned i = 0; i < tl->n_lanes; i++)
		fprintf(out, "%-*.*s", LANE_WIDTH, LANE_WIDTH - 1, i ? tl->lanes[i] : "this host");
	fprintf(out, "\n%11s  %-*.*s\n", "", LANE_WIDTH, LANE_WIDTH - 1, tl->lanes[0]);
	for (size_t i = 0; i < tl->n_rows; i++) {
		const struct timeline_row *row = &tl->rows[i];
		double rel_s = ((double)row->ts_ns - (double)tl->start_ns) / 1e9;
		size_t end;
		draw_row(line, width, tl->n_lanes, row);
		end = strlen(line); /* the detail follows the drawing, not the page width */
		while (end > 0 && line[end - 1] == ' ')
			end--;
		line[end] = '\0';
		fprintf(out, "%c%10.3f  %s  %s\n", row->evidence ? '*' : ' ', rel_s, line,
			row->detail);
	}
	fputc('\n', out);
}
