/*
 * One failure from a CDR or contact-center report, matched to a call: by Call-ID when the
 * report has it and the call was seen, else by time window and caller/callee numbers (or the
 * peer address); when nothing matches, the calls nearest in time are the candidates.
 */
#ifndef SIPTRAIL_FAILURE_MATCH_H
#define SIPTRAIL_FAILURE_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "call_index.h"

#define FAILURE_MAX_NEAREST 3

struct failure_row {
	unsigned long line_no;
	bool has_ts;
	uint64_t ts_ns;
	const char *call_id, *caller, *callee, *peer, *code; /* "" when the column is absent */
};

enum failure_match_how { MATCH_NONE, MATCH_CALL_ID, MATCH_TIME_NUMBERS };

struct failure_match {
	enum failure_match_how how;
	const struct call_entry *call;
	const struct call_entry *nearest[FAILURE_MAX_NEAREST]; /* by time, when no match */
	unsigned n_nearest;
};

void failure_match_row(const struct call_index *index, const struct failure_row *row,
		       uint64_t window_ns, struct failure_match *out);

/* Phone numbers compare on their digits; "+49 30 1234567" matches "030-1234567" when one is a
 * suffix of the other with at least 6 digits (national and international forms); user
 * names without digits compare case-insensitively. */
bool phone_numbers_match(const char *a, const char *b);

/* Report times: Unix seconds ("1795787898.5") or "YYYY-MM-DD HH:MM:SS[.fff]" with 'T' or a
 * space, read as UTC (a trailing 'Z' is allowed). Returns 0 or -EINVAL. */
int report_time_parse(const char *text, uint64_t *ts_ns);

#endif
