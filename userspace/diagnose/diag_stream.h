/*
 * The correlator for a live feed (what `siptrail live` needs): events from any source in
 * arrival order go through a reorder window into the correlator, and each diagnosis of a call
 * is handed to a callback once, as soon as the rules can make it: when something a rule reads
 * changed (a transaction failed, the call ended, a session interval expired, a failed
 * connection was attributed) and, for what only shows at the end (RISK_IDLE_TIMEOUT on a
 * healthy call), when the call is retired. A cause found after its symptom was reported is
 * reported on its own when found.
 */
#ifndef SIPTRAIL_DIAG_STREAM_H
#define SIPTRAIL_DIAG_STREAM_H

#include <stdio.h>

#include "correlator.h"
#include "explain.h"
#include "ordered_feed.h"

/* VERDICT holds everything known about the call so far (for the causes' text); DIAG is the
 * new diagnosis. Both are valid during the call only. */
typedef void (*diag_stream_fn)(const struct call_verdict *verdict, const struct diagnosis *diag,
			       void *ctx);

#define DIAG_STREAM_WINDOW_NS	    (250ull * 1000000ull) /* sources differ by up to ~200 ms */
#define DIAG_STREAM_WINDOW_CAPACITY 16384u

struct diag_stream {
	struct ordered_feed feed;
	struct call_verdict *verdict; /* scratch */
	diag_stream_fn on_diag;
	void *ctx;
	unsigned long diagnoses;
};

/* Returns 0 or -ENOMEM. ERRORS: where undecodable SIP is reported (NULL: counted only). */
int diag_stream_init(struct diag_stream *s, const struct correlator_config *config,
		     uint64_t window_ns, unsigned window_capacity, diag_stream_fn on_diag,
		     void *ctx, FILE *errors);

/* Takes EV (moved in, EV is left empty) and feeds every event that became due. Returns 0 or
 * -ENOMEM. */
int diag_stream_feed(struct diag_stream *s, struct event *ev);

/* Feeds what is older than NOW_NS - window (wall clock, ns since the epoch): call it when the
 * feed is quiet so diagnoses are not held back. Returns 0 or -ENOMEM. */
int diag_stream_tick(struct diag_stream *s, uint64_t now_ns);

/* End of input: feeds what is held, retires every call (reporting what is left), frees. */
void diag_stream_finish(struct diag_stream *s);

#endif
