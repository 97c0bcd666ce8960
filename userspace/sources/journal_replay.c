/* Journal or capture replay: streamed through a reorder window into the correlator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_read.h"
#include "journal_replay.h"
#include "ordered_feed.h"

struct replay {
	struct ordered_feed ordered;
	correlator_call_fn done;
	void *done_ctx;
	unsigned long calls; /* retired so far, for the progress bar */
};

static int feed(void *ctx, struct event *ev)
{
	struct replay *replay = ctx;
	int rc = ordered_feed_push(&replay->ordered, ev);

	if (rc)
		event_release(ev); /* when refused it was left as it was; fed, it is empty */
	return rc;
}

static void on_retired(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct replay *replay = ctx;

	replay->calls++;
	if (replay->done)
		replay->done(corr, call, replay->done_ctx);
}

int journal_replay(const char *who, const char *const *paths, size_t n_paths,
		   const struct correlator_config *config,
		   const struct capture_source_options *capture, correlator_call_fn done, void *ctx,
		   struct journal_replay_stats *stats)
{
	const char *path = paths[0]; /* names the input in messages */
	struct replay replay = {.done = done, .done_ctx = ctx};
	struct ordered_feed *ordered = &replay.ordered;
	struct event_input_stats input;
	char until[80] = "";
	int read_rc, rc;

	memset(stats, 0, sizeof(*stats));
	if (ordered_feed_init(ordered, config, EVENT_ORDER_WINDOW_NS,
			      JOURNAL_REPLAY_WINDOW_CAPACITY, on_retired, &replay, stderr)) {
		fprintf(stderr, "siptrail %s: out of memory\n", who);
		return -ENOMEM;
	}
	if (n_paths == 1)
		reorder_window_hold(&ordered->window, EVENT_ORDER_HOLD_NS);
	read_rc =
	    event_read_files(who, paths, n_paths, capture, feed, &replay, &replay.calls, &input);
	if (read_rc && read_rc != -EIO) {
		/* reported; the calls fed so far are not judged on half an input */
		replay.done = NULL;
		ordered_feed_finish(ordered);
		return read_rc;
	}
	rc = ordered_feed_finish(ordered);
	stats->late = ordered->window.late; /* counters outlive the window's buffers */
	stats->events = input.events;
	stats->bad_lines = input.bad_lines;
	stats->sip_undecoded = ordered->corr.sip_undecoded;
	stats->sip_lenient = ordered->corr.sip_lenient;
	if (rc) {
		fprintf(stderr, "siptrail %s: %s: %s\n", who, path, strerror(-rc));
		return rc;
	}
	if (ordered->window.widened) /* held less until then: the first step back is late sooner */
		snprintf(until, sizeof(until), " (%llu ms until the input first went back in time)",
			 (unsigned long long)(EVENT_ORDER_HOLD_NS / 1000000ull));
	if (stats->late)
		fprintf(
		    stderr,
		    "siptrail %s: %s: %lu event(s) more than %llu s older than one before them%s, "
		    "judged late (is the input in time order? mergecap -a keeps file order)\n",
		    who, path, stats->late,
		    (unsigned long long)(EVENT_ORDER_WINDOW_NS / 1000000000ull), until);
	/* a capture that broke part way was replayed up to the bad packet (reported) */
	return read_rc;
}
