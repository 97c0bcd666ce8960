/* Socket records as events (model/event.h): the one place that turns a struct sock_event of
 * the socket tracer into conn_open / conn_close / conn_end, and its loss counters into "lost". */
#ifndef SIPTRAIL_SOCK_RECORD_EVENTS_H
#define SIPTRAIL_SOCK_RECORD_EVENTS_H

#include <stdint.h>

#include "event.h"
#include "sock_events.h"

/* A record yields at most three events: a socket that ends before its open was reported (a
 * passive socket whose process stayed unknown, or one older than the trace) gets its conn_open
 * first, and an established connection whose conn_close was not sent gets it before its conn_end.
 */
#define SOCK_RECORD_EVENTS_MAX 3

/* Turns one kernel record into events, in the order they happened. wall_offset_ns is added to
 * the kernel's CLOCK_MONOTONIC times to get Unix-epoch ns. Returns how many were stored in out
 * (they own nothing: no event_release needed, though it is harmless). */
int sock_record_to_events(const struct sock_event *record, int64_t wall_offset_ns,
			  struct event out[SOCK_RECORD_EVENTS_MAX]);

/* The "lost" event: the kernel's loss counters since the start, at wall time ts_ns. */
void sock_losses_to_event(const struct sock_losses *losses, uint64_t ts_ns, struct event *out);

#endif
