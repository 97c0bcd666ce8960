/* Reorder window: held events keyed by (time, arrival), in a sorted ring while they come in
 * order, in a binary min-heap when they do not. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "reorder_window.h"
#include "sip_event_fields.h"

/* The bytes of a held event's slot past what the correlator reads of a SIP event (event.h puts
 * it first): where its fields' text is kept (reorder_window_keep_fields_only), on the cache
 * lines read with the rest. The SIP fields after it (tunnel, libssl process, decrypted, lengths)
 * are what only the event's output reads, written before the window. */
#define SIP_KEPT_BYTES offsetof(struct event, sip.tunnel)
#define FIELDS_ROOM    (sizeof(struct event) - SIP_KEPT_BYTES)
_Static_assert(FIELDS_ROOM >= 256, "room for a SIP message's usual fields in a slot");

static char *fields_room(struct event *slot)
{
	return (char *)slot + SIP_KEPT_BYTES;
}

int reorder_window_init(struct reorder_window *w, uint64_t window_ns, unsigned capacity)
{
	memset(w, 0, sizeof(*w));
	w->window_ns = w->hold_ns = window_ns;
	w->capacity = capacity ? capacity : 1;
	w->heap = calloc(w->capacity, sizeof(*w->heap));
	w->ring = calloc(w->capacity, sizeof(*w->ring));
	w->slots = aligned_alloc(_Alignof(struct reorder_slot), w->capacity * sizeof(*w->slots));
	w->free_slots = calloc(w->capacity, sizeof(*w->free_slots));
	if (!w->heap || !w->ring || !w->slots || !w->free_slots) {
		reorder_window_free(w);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < w->capacity; i++)
		w->free_slots[i] = w->capacity - 1 - i; /* slot 0 on top */
	return 0;
}

void reorder_window_hold(struct reorder_window *w, uint64_t hold_ns)
{
	if (hold_ns < w->window_ns)
		w->hold_ns = hold_ns;
}

void reorder_window_keep_fields_only(struct reorder_window *w)
{
	w->fields_only = true;
}

void reorder_window_release(struct event *ev)
{
	if (ev->kind == EV_SIP && ev->sip.raw == fields_room(ev))
		ev->sip.raw = NULL; /* the slot's own bytes */
	event_release(ev);
}

void reorder_window_free(struct reorder_window *w)
{
	for (unsigned i = 0; i < w->heap_count; i++)
		reorder_window_release(&w->slots[w->heap[i].slot].ev);
	for (unsigned i = 0; i < w->ring_count; i++)
		reorder_window_release(
		    &w->slots[w->ring[(w->ring_head + i) % w->capacity].slot].ev);
	free(w->heap);
	free(w->ring);
	free(w->slots);
	free(w->free_slots);
	w->heap = NULL;
	w->ring = NULL;
	w->slots = NULL;
	w->free_slots = NULL;
	w->count = w->heap_count = w->ring_count = 0;
}

static bool before(const struct reorder_key *a, const struct reorder_key *b)
{
	return a->ts_ns != b->ts_ns ? a->ts_ns < b->ts_ns : a->seq < b->seq;
}

static void swap(struct reorder_key *a, struct reorder_key *b)
{
	struct reorder_key tmp = *a;
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
		if (left < w->heap_count && before(&w->heap[left], &w->heap[min]))
			min = left;
		if (right < w->heap_count && before(&w->heap[right], &w->heap[min]))
			min = right;
		if (min == i)
			return;
		swap(&w->heap[i], &w->heap[min]);
		i = min;
	}
}

/* The oldest held key: the ring's head or the heap's top. */
static const struct reorder_key *oldest(const struct reorder_window *w)
{
	const struct reorder_key *ring = w->ring_count ? &w->ring[w->ring_head] : NULL;

	if (!w->heap_count)
		return ring;
	return ring && before(ring, &w->heap[0]) ? ring : &w->heap[0];
}

static struct event *take_min(struct reorder_window *w)
{
	const struct reorder_key *key = oldest(w);
	unsigned slot = key->slot;
	uint64_t key_ts_ns = key->ts_ns;

	if (key == &w->heap[0]) {
		w->heap[0] = w->heap[--w->heap_count];
		if (w->heap_count)
			sift_down(w, 0);
	} else {
		w->ring_head = (w->ring_head + 1) % w->capacity;
		w->ring_count--;
	}
	/* the slot is free for the next push, which the caller's release comes before */
	w->count--;
	w->free_slots[w->capacity - w->count - 1] = slot;
	if (key_ts_ns < w->released_ns)
		w->late++;
	else
		w->released_ns = key_ts_ns;
	return &w->slots[slot].ev;
}

/* SLOT takes of EV (a SIP event with its parse) what the correlator reads and its fields' text,
 * and EV is emptied; false, EV unchanged, when it cannot be held so. Only those bytes are
 * written: the rest of the slot is not read before the slot is next used, and is then cold. */
static bool hold_fields_only(struct event *slot, struct event *ev)
{
	if (!sip_event_fields_only(ev, fields_room(slot), FIELDS_ROOM))
		return false;
	memcpy(slot, ev, SIP_KEPT_BYTES);
	ev->sip.raw = NULL; /* the slot's now */
	event_release(ev);
	return true;
}

int reorder_window_push(struct reorder_window *w, struct event *ev)
{
	struct reorder_key key;
	const struct reorder_key *newest_queued =
	    w->ring_count ? &w->ring[(w->ring_head + w->ring_count - 1) % w->capacity] : NULL;

	if (w->count == w->capacity)
		return -ENOBUFS; /* the caller did not pop after the last push */
	key.slot = w->free_slots[w->capacity - w->count - 1];
	key.seq = ++w->next_seq;
	key.ts_ns = ev->ts_ns;
	w->count++;
	if (!w->fields_only || ev->kind != EV_SIP || !hold_fields_only(&w->slots[key.slot].ev, ev))
		event_move(&w->slots[key.slot].ev, ev);
	if (key.ts_ns + w->hold_ns < w->newest_ns && w->hold_ns < w->window_ns) {
		/* out of order by more than the hold: more than a capture's jitter */
		w->hold_ns = w->window_ns;
		w->widened = true;
	}
	if (key.ts_ns > w->newest_ns)
		w->newest_ns = key.ts_ns;
	if (!newest_queued || key.ts_ns >= newest_queued->ts_ns) {
		/* in order (seq grows): the ring stays sorted */
		w->ring[(w->ring_head + w->ring_count) % w->capacity] = key;
		w->ring_count++;
		return 0;
	}
	w->heap[w->heap_count++] = key;
	sift_up(w, w->heap_count - 1);
	return 0;
}

struct event *reorder_window_pop(struct reorder_window *w, uint64_t now_ns)
{
	uint64_t horizon_ns = now_ns > w->newest_ns ? now_ns : w->newest_ns;

	if (!w->count)
		return NULL;
	if (now_ns != UINT64_MAX && oldest(w)->ts_ns + w->hold_ns > horizon_ns) {
		if (w->count < w->capacity)
			return NULL;
		w->forced++; /* full: the oldest goes before its time */
	}
	return take_min(w);
}
