/*
 * A bounded time-ordering buffer in front of the correlator. Live events come from several
 * sources (socket tracepoints, libssl uprobes, packets, each with its own ring buffer or
 * socket) and reach userspace out of order by up to a few hundred ms; the correlator needs
 * one stream in time order (a connection's end must come before the request that found it
 * closed). Each event is held until an event WINDOW_NS newer has arrived (or the caller's
 * clock passed it), then released oldest first (equal times in arrival order). When the
 * buffer is full the oldest is released early and counted. An input known to be nearly in
 * order (a capture) may be held less while it stays so (reorder_window_hold).
 */
#ifndef SIPTRAIL_REORDER_WINDOW_H
#define SIPTRAIL_REORDER_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

/* The heap orders small keys, not events: a struct event is over 500 bytes, and moving whole
 * events at every heap level was a quarter of `siptrail live`'s CPU on connection churn. */
struct reorder_key {
	uint64_t ts_ns;
	uint64_t seq;  /* arrival order, for equal times */
	unsigned slot; /* index into slots */
};

/* A held event on cache lines of its own: a SIP event is held in its first few (what the
 * correlator reads and its fields' text: 4 for the trunk bench's OPTIONS), which a 696-byte
 * stride spread over one more. */
struct reorder_slot {
	_Alignas(64) struct event ev;
};

struct reorder_window {
	uint64_t window_ns; /* the widest hold */
	uint64_t hold_ns;   /* the hold now: window_ns, or less while the input keeps in order */
	/* Events that arrive in time order (nearly all of a capture's) queue in a ring, already
	 * sorted: no heap work for them (sifting was 4 % of explain's CPU). Only an event older
	 * than the ring's newest goes to the heap; the next out is the older of the two heads. */
	struct reorder_key *ring; /* capacity of them, sorted by (ts_ns, seq) */
	unsigned ring_head, ring_count;
	struct reorder_key *heap; /* min-heap by (ts_ns, seq) */
	unsigned heap_count;
	struct reorder_slot *slots; /* the held events, capacity of them */
	unsigned *free_slots;	    /* a stack: the last freed slot is reused first (warm memory) */
	unsigned count, capacity;   /* count: in the ring and the heap */
	uint64_t next_seq;
	uint64_t newest_ns;   /* the newest event time pushed */
	uint64_t released_ns; /* the newest event time released */
	unsigned long late;   /* released after a newer event had been released already */
	unsigned long forced; /* released before their time because the buffer was full */
	bool widened;	      /* the hold was shortened, and an event out of order widened it */
	bool fields_only;     /* reorder_window_keep_fields_only */
};

/* CAPACITY events at most are held. Returns 0 or -ENOMEM. */
int reorder_window_init(struct reorder_window *w, uint64_t window_ns, unsigned capacity);

/*
 * Holds each event only HOLD_NS (less than the window) while the input stays in order within
 * that: events a few hundred ms apart then leave while their bytes are still in the caches (5 s
 * of a trunk's events are not). The first event that arrives more than HOLD_NS older than the
 * newest widens the hold to the whole window for good; that event is late when a newer one
 * has left already. An input out of order by at most HOLD_NS leaves in the same order as with
 * the whole window.
 */
void reorder_window_hold(struct reorder_window *w, uint64_t hold_ns);

/*
 * What reads the released events (the correlator) reads of a SIP event's text only the fields
 * of its parse (sip_event_fields): from now on a SIP event that carries its parse is held with
 * only their text, in its slot's bytes past what the correlator reads of it (struct ev_sip up
 * to its tunnel; the rest, read only by the output, is not kept), and its message's text is
 * freed as it comes in. Held a window long (10,000 messages on a trunk), the texts were out of
 * the caches when the correlator read them and when malloc handed their memory out again.
 */
void reorder_window_keep_fields_only(struct reorder_window *w);

/* Releases (event_release) what is still held and frees the buffer. */
void reorder_window_free(struct reorder_window *w);

/* Takes EV (moved in; EV is left empty). Pop after every push: a full buffer gives -ENOBUFS
 * and EV is left as it was. */
int reorder_window_push(struct reorder_window *w, struct event *ev);

/*
 * The next event that is due: its time is at least hold_ns older than the newest pushed event
 * or than NOW_NS (0: no clock; UINT64_MAX: flush everything), or the buffer is full (then the
 * oldest goes early, counted in forced); NULL when none is due. It is out of the window but
 * read where it was held, not copied out (a copy per event was 2 % of explain's time): the
 * caller owns it and releases it (reorder_window_release) before the next push.
 */
struct event *reorder_window_pop(struct reorder_window *w, uint64_t now_ns);

/* event_release for an event reorder_window_pop handed out (its text may be in its slot). */
void reorder_window_release(struct event *ev);

#endif
