/* Reorder window: a binary min-heap of held events keyed by (time, arrival). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reorder_window.h"

int reorder_window_init(struct reorder_window *w, uint64_t window_ns, unsigned capacity)
{
	memset(w, 0, sizeof(*w));
	w->window_ns = window_ns;
	w->capacity = capacity ? capacity : 1;
	w->heap = calloc(w->capacity, sizeof(*w->heap));
	return w->heap ? 0 : -ENOMEM;
}

void reorder_window_free(struct reorder_window *w)
{
	for (unsigned i = 0; i < w->count; i++)
		event_release(&w->heap[i].ev);
	free(w->heap);
	w->heap = NULL;
	w->count = 0;
}

static bool before(const struct reorder_entry *a, const struct reorder_entry *b)
{
	return a->ev.ts_ns != b->ev.ts_ns ? a->ev.ts_ns < b->ev.ts_ns : a->seq < b->seq;
}

static void swap(struct reorder_entry *a, struct reorder_entry *b)
{
	struct reorder_entry tmp = *a;
	*a = *b;
	*b = tmp;
}

static void sift_up(struct reorder_window *w, unsigned i)
{
	while (i && before(&w->heap[i], &w->heap[(i - 1) / 2])) {
		swap(&w->heap[i], &w->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct reorder_window *w, unsigned i)
{
	for (;;) {
		unsigned left = 2 * i + 1, right = left + 1, min = i;
		if (left < w->count && before(&w->heap[left], &w->heap[min]))
			min = left;
		if (right < w->count && before(&w->heap[right], &w->heap[min]))
			min = right;
		if (min == i)
			return;
		swap(&w->heap[i], &w->heap[min]);
		i = min;
	}
}

static void take_min(struct reorder_window *w, struct event *ev)
{
	event_move(ev, &w->heap[0].ev);
	w->count--;
	if (w->count) {
		w->heap[0] = w->heap[w->count];
		sift_down(w, 0);
	}
	if (ev->ts_ns < w->released_ns)
		w->late++;
	else
		w->released_ns = ev->ts_ns;
}

int reorder_window_push(struct reorder_window *w, struct event *ev)
{
	struct reorder_entry *entry;

	if (w->count == w->capacity)
		return -ENOBUFS; /* the caller did not pop after the last push */
	entry = &w->heap[w->count++];
	entry->seq = ++w->next_seq;
	event_move(&entry->ev, ev);
	if (entry->ev.ts_ns > w->newest_ns)
		w->newest_ns = entry->ev.ts_ns;
	sift_up(w, w->count - 1);
	return 0;
}

int reorder_window_pop(struct reorder_window *w, uint64_t now_ns, struct event *ev)
{
	uint64_t horizon_ns = now_ns > w->newest_ns ? now_ns : w->newest_ns;

	if (!w->count)
		return 0;
	if (now_ns != UINT64_MAX && w->heap[0].ev.ts_ns + w->window_ns > horizon_ns) {
		if (w->count < w->capacity)
			return 0;
		w->forced++; /* full: the oldest goes before its time */
	}
	take_min(w, ev);
	return 1;
}
