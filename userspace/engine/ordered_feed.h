/*
 * The correlator behind a reorder window: events in arrival order go in, the correlator gets
 * them in time order (within the window) and each event is released once fed, so memory is
 * what is concurrently open (calls, connections, the window), not the length of the input.
 * Live tracing (diag_stream) and the offline commands (journal_replay) both feed through it.
 */
#ifndef SIPTRAIL_ORDERED_FEED_H
#define SIPTRAIL_ORDERED_FEED_H

#include <stdio.h>

#include "correlator.h"
#include "reorder_window.h"

struct ordered_feed {
	struct reorder_window window;
	struct correlator corr;
};

/* WINDOW_NS and CAPACITY: see reorder_window.h; DONE gets each call as it is retired.
 * Returns 0 or -ENOMEM. */
int ordered_feed_init(struct ordered_feed *feed, const struct correlator_config *config,
		      uint64_t window_ns, unsigned capacity, correlator_call_fn done, void *ctx,
		      FILE *errors);

/* Takes EV (moved in, EV is left empty) and feeds every event that became due. Returns 0 or
 * -ENOMEM. */
int ordered_feed_push(struct ordered_feed *feed, struct event *ev);

/* Feeds what is older than NOW_NS - window (a clock: the feed is quiet, nothing is held back
 * longer than the window). Returns 0 or -ENOMEM. */
int ordered_feed_tick(struct ordered_feed *feed, uint64_t now_ns);

/* End of input: feeds what is held, retires every call (correlator_finish), frees the window.
 * Returns 0 or -ENOMEM (a held event could not be fed). */
int ordered_feed_finish(struct ordered_feed *feed);

#endif
