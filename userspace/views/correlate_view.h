/*
 * siptrail correlate's answer: every report row with its call and diagnosis chain, or the
 * calls that fit or came nearest and why they did not match; a summary by diagnosis, by peer
 * and by hour; as text, as one JSON document, or as the report's own CSV with siptrail's
 * columns added.
 */
#ifndef SIPTRAIL_CORRELATE_VIEW_H
#define SIPTRAIL_CORRELATE_VIEW_H

#include <stdio.h>

#include "call_index.h"
#include "failure_match.h"
#include "report_shape.h"
#include "report_table.h"

struct correlated_row {
	const struct report_row *source;
	struct failure_row row;
	const char *time_text; /* "" when the row has no time */
	struct failure_match match;
};

struct correlate_result {
	const char *report_path;
	const struct report_table *table;
	const struct report_layout *layout;
	const char *zone_note; /* how times without a zone were read */
	const char *date_note; /* how slash dates were read, or "" */
	const struct correlated_row *rows;
	size_t n_rows;
	const struct call_index *index;
	uint64_t window_ns;
};

struct count_entry {
	char key[64];
	unsigned long rows, matched, failed; /* failed: matched to a call with a failure */
};

struct correlate_summary {
	unsigned long rows, matched, no_diag, no_call, several;
	unsigned long by_diag[DIAG_COUNT];
	struct count_entry *peers, *hours; /* in order of first appearance; hours sorted */
	size_t n_peers, n_hours;
	/* the zone shift most rows without a match share (failure_match's zone_shift_s) */
	int64_t zone_shift_s;
	unsigned long zone_rows;
};

/* Returns 0 or -ENOMEM. */
int correlate_summary_build(const struct correlate_result *result,
			    struct correlate_summary *summary);
void correlate_summary_free(struct correlate_summary *summary);

/* Return 0, or -ENOMEM. */
int correlate_print_text(FILE *out, const struct correlate_result *result);
int correlate_print_json(FILE *out, const struct correlate_result *result);

/* The report's columns (its header, or the shape's documented names), then siptrail_call_id,
 * siptrail_match, siptrail_verdict and siptrail_cause_chain. Returns 0 or -EIO. */
int correlate_write_csv(FILE *out, const struct correlate_result *result);

#endif
