/* Live feed: reorder window -> correlator -> explain on change, each diagnosis once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag_stream.h"

_Static_assert(DIAG_COUNT <= 32, "call.diags_reported has one bit per diagnosis id");

/* Reports the diagnoses of CALL not reported yet; returns the updated bit set. */
static uint32_t report_new(struct diag_stream *s, const struct call *call, uint32_t reported)
{
	explain_call(&s->corr, call, s->verdict);
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
	if (!s->verdict || reorder_window_init(&s->window, window_ns, window_capacity)) {
		free(s->verdict);
		return -ENOMEM;
	}
	s->on_diag = on_diag;
	s->ctx = ctx;
	correlator_init(&s->corr, config, on_retired, s, errors);
	correlator_watch(&s->corr, on_change, s);
	return 0;
}

/* Feeds every event due at NOW_NS. */
static int drain(struct diag_stream *s, uint64_t now_ns)
{
	struct event ev;
	int rc = 0;

	while (reorder_window_pop(&s->window, now_ns, &ev) == 1) {
		if (!rc)
			rc = correlator_feed(&s->corr, &ev);
		event_release(&ev);
	}
	return rc;
}

int diag_stream_feed(struct diag_stream *s, struct event *ev)
{
	int rc = reorder_window_push(&s->window, ev);

	if (rc)
		return rc;
	return drain(s, 0);
}

int diag_stream_tick(struct diag_stream *s, uint64_t now_ns)
{
	return drain(s, now_ns);
}

void diag_stream_finish(struct diag_stream *s)
{
	drain(s, UINT64_MAX);
	correlator_finish(&s->corr);
	reorder_window_free(&s->window);
	free(s->verdict);
	s->verdict = NULL;
}
