/* Reorder window -> correlator, each event released once fed. */
#include <errno.h>
#include <string.h>

#include "ordered_feed.h"

int ordered_feed_init(struct ordered_feed *feed, const struct correlator_config *config,
		      uint64_t window_ns, unsigned capacity, correlator_call_fn done, void *ctx,
		      FILE *errors)
{
	memset(feed, 0, sizeof(*feed));
	if (reorder_window_init(&feed->window, window_ns, capacity))
		return -ENOMEM;
	reorder_window_keep_fields_only(&feed->window); /* all the correlator reads of a message */
	correlator_init(&feed->corr, config, done, ctx, errors);
	return 0;
}

/* Feeds every event due at NOW_NS. */
static int drain(struct ordered_feed *feed, uint64_t now_ns)
{
	struct event *ev;
	int rc = 0;

	while ((ev = reorder_window_pop(&feed->window, now_ns))) {
		if (!rc)
			rc = correlator_feed(&feed->corr, ev);
		reorder_window_release(ev);
	}
	return rc;
}

int ordered_feed_push(struct ordered_feed *feed, struct event *ev)
{
	int rc = reorder_window_push(&feed->window, ev);

	if (rc)
		return rc;
	return drain(feed, 0);
}

int ordered_feed_tick(struct ordered_feed *feed, uint64_t now_ns)
{
	return drain(feed, now_ns);
}

int ordered_feed_finish(struct ordered_feed *feed)
{
	int rc = drain(feed, UINT64_MAX);

	correlator_finish(&feed->corr);
	reorder_window_free(&feed->window);
	return rc;
}
