/*
 * One failure from a CDR or contact-center report, matched to a call: by Call-ID when the
 * report has it and the call was seen, else by time window and caller/callee numbers (or the
 * peer address). When several calls fit, they are all named and none is chosen; when none
 * does, the calls nearest in time are the candidates, each with what did not fit, and a call
 * whose numbers fit a whole number of quarter hours away hints at a report in another zone.
 */
#ifndef SIPTRAIL_FAILURE_MATCH_H
#define SIPTRAIL_FAILURE_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "call_index.h"

#define FAILURE_MAX_CANDIDATES 3

struct failure_row {
	unsigned long line_no;
	bool has_ts;
	uint64_t ts_ns;
	const char *call_id, *caller, *callee, *peer, *code, *reason; /* "" when absent */
};

struct match_config {
	uint64_t window_ns;
	unsigned trailing_digits; /* phone_numbers_match */
};

enum failure_match_how { MATCH_NONE, MATCH_CALL_ID, MATCH_TIME_NUMBERS, MATCH_SEVERAL };

/* What kept a candidate from matching. */
enum mismatch {
	MISMATCH_TIME = 1 << 0, /* outside the window */
	MISMATCH_CALLER = 1 << 1,
	MISMATCH_CALLEE = 1 << 2,
	MISMATCH_PEER = 1 << 3,
	MISMATCH_NOTHING_TO_COMPARE = 1 << 4, /* the row has no number or peer: time alone is not
						 enough to name a call */
};

struct failure_candidate {
	const struct call_entry *call;
	int64_t delta_ns; /* call's first message minus the row's time */
	unsigned mismatch;
};

struct failure_match {
	enum failure_match_how how;
	const struct call_entry *call; /* MATCH_CALL_ID, MATCH_TIME_NUMBERS */
	/* MATCH_SEVERAL: the calls that fit; MATCH_NONE: the nearest in time */
	struct failure_candidate candidates[FAILURE_MAX_CANDIDATES];
	unsigned n_candidates, n_fitting; /* n_fitting: all that fit, maybe more than listed */
	/* MATCH_NONE: a call whose numbers fit when the row's time is moved by ZONE_SHIFT_S */
	const struct call_entry *zone_call;
	int64_t zone_shift_s; /* row time minus call time: the report's UTC offset if it is one */
};

void failure_match_row(const struct call_index *index, const struct failure_row *row,
		       const struct match_config *config, struct failure_match *out);

#endif
