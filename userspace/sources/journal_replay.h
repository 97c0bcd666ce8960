/*
 * Replays a journal or a capture file (event_load) through a correlator: reads every event, orders
 * them by time (stable: equal times keep journal order; sources may write slightly out of order),
 * feeds them and retires every call at the end. Shared by the commands that read journals.
 */
#ifndef SIPTRAIL_JOURNAL_REPLAY_H
#define SIPTRAIL_JOURNAL_REPLAY_H

#include <stddef.h>

#include "capture_source.h"
#include "correlator.h"

struct journal_replay_stats {
	size_t events;
	unsigned long bad_lines, sip_undecoded, sip_lenient;
};

/*
 * Replays PATH ("-": a journal on stdin) with CONFIG; DONE gets each call as it is retired.
 * Returns 0, or a negative errno reported on stderr once; -EIO: a capture broke part way and
 * was replayed up to the bad packet.
 */
int journal_replay(const char *who, const char *path, const struct correlator_config *config,
		   const struct capture_source_options *capture, correlator_call_fn done, void *ctx,
		   struct journal_replay_stats *stats);

#endif
