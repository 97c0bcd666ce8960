/* Live feed: reorder window -> correlator -> explain on change, each diagnosis once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag_stream.h"

_Static_assert(DIAG_COUNT <= 32, "call.diags_reported has one bit per diagnosis id");

/* Reports the diagnoses of CALL not reported yet; returns the updated bit set. */
static uint32_t report_new(struct diag_stream *s, const struct call *call, uint32_t reported)
{
	explain_call(&s->feed.corr, call, s->verdict);
	for (unsigned i = 0; i < s->verdict->n_diags; i++) {
		const struct diagnosis *diag = &s->verdict->diags[i];
		if (reported & (1u << diag->id))
			continue;
		reported |= 1u << diag->id;
		s->diagnoses++;
		s->on_diag(s->verdict, diag, s->ctx);
	}
	return reported;
}

static void on_change(const struct correlator *corr, struct call *call, void *ctx)
{
	(void)corr;
	call->diags_reported = report_new(ctx, call, call->diags_reported);
}

static void on_retired(const struct correlator *corr, const struct call *call, void *ctx)
{
	(void)corr;
	report_new(ctx, call, call->diags_reported);
}

int diag_stream_init(struct diag_stream *s, const struct correlator_config *config,
		     uint64_t window_ns, unsigned window_capacity, diag_stream_fn on_diag,
		     void *ctx, FILE *errors)
{
	memset(s, 0, sizeof(*s));
	s->verdict = malloc(sizeof(*s->verdict));
	if (!s->verdict || ordered_feed_init(&s->feed, config, window_ns, window_capacity,
					     on_retired, s, errors)) {
		free(s->verdict);
		return -ENOMEM;
	}
	s->on_diag = on_diag;
	s->ctx = ctx;
	correlator_watch(&s->feed.corr, on_change, s);
	return 0;
}

int diag_stream_feed(struct diag_stream *s, struct event *ev)
{
	return ordered_feed_push(&s->feed, ev);
}

int diag_stream_tick(struct diag_stream *s, uint64_t now_ns)
{
	return ordered_feed_tick(&s->feed, now_ns);
}

void diag_stream_finish(struct diag_stream *s)
{
	/* out of memory on the last held events: the calls are retired and reported all the same */
	(void)ordered_feed_finish(&s->feed);
	free(s->verdict);
	s->verdict = NULL;
}
