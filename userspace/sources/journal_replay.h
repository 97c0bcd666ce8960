/*
 * Replays a journal or a capture file (event_read) through a correlator, streaming: each event
 * goes through a reorder window (equal times keep input order; sources write slightly out of
 * order) into the correlator and is released once fed, and calls are retired as they end, so
 * memory follows what is open at once, not the input's length. Shared by explain and calls.
 */
#ifndef SIPTRAIL_JOURNAL_REPLAY_H
#define SIPTRAIL_JOURNAL_REPLAY_H

#include <stddef.h>

#include "capture_source.h"
#include "correlator.h"
#include "event_read.h"

/* Events are ordered within EVENT_ORDER_WINDOW_NS (event_read.h) of event time (one input is
 * held EVENT_ORDER_HOLD_NS while it keeps in order); older ones are fed late (counted, and
 * reported). Live journals are out of order by up to ~250 ms
 * (diag_stream.h); a capture is in order unless files were appended out of order. The window
 * holds at most this many events (then the oldest goes early): 5 s of a busy trunk. */
#define JOURNAL_REPLAY_WINDOW_CAPACITY 65536u

struct journal_replay_stats {
	size_t events;
	unsigned long bad_lines, sip_undecoded, sip_lenient;
	unsigned long late; /* fed after newer events: more than the window out of order */
};

/*
 * Replays PATHS (event_read_files: one journal, "-" for stdin, or captures read as one) with
 * CONFIG; DONE gets each call as it is retired.
 * Returns 0, or a negative errno reported on stderr once; -EIO: a capture broke part way and
 * was replayed up to the bad packet.
 */
int journal_replay(const char *who, const char *const *paths, size_t n_paths,
		   const struct correlator_config *config,
		   const struct capture_source_options *capture, correlator_call_fn done, void *ctx,
		   struct journal_replay_stats *stats);

#endif
