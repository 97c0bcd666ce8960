/* Socket records as journal events (docs/journal.md): the one place that turns a struct
 * sock_event into JSON, shared by `siptrail live --json` and the journal writer. */
#ifndef SIPTRAIL_SOCK_EVENT_JSON_H
#define SIPTRAIL_SOCK_EVENT_JSON_H

#include <stdint.h>
#include <jansson.h>

#include "sock_events.h"

/* A record yields at most three events: a socket that ends before its open was reported (a
 * passive socket whose process stayed unknown, or one older than the trace) gets its conn_open
 * first, and an established connection whose conn_close was not sent gets it before its conn_end.
 */
#define SOCK_EVENT_JSON_MAX 3

/* Turns one kernel record into journal events. wall_offset_ns is added to the kernel's
 * CLOCK_MONOTONIC times to get Unix-epoch ns. Returns how many events were stored in out
 * (owned by the caller), or -ENOMEM. */
int sock_event_to_json(const struct sock_event *event, int64_t wall_offset_ns,
		       json_t *out[SOCK_EVENT_JSON_MAX]);

/* The "lost" event: the kernel's loss counters since the start, at wall time ts_ns. */
json_t *sock_losses_to_json(const struct sock_losses *losses, int64_t ts_ns);

#endif
