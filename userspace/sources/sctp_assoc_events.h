/* SCTP associations of a capture (decoders/sctp_assoc.h) as connection events, the same ones
 * a TCP connection gives (docs/journal.md): conn_open at the INIT, conn_end at SHUTDOWN
 * COMPLETE or ABORT, with who started it, who ended it and how. */
#ifndef SIPTRAIL_SCTP_ASSOC_EVENTS_H
#define SIPTRAIL_SCTP_ASSOC_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "sctp_assoc.h"

/* An association's conn: above every TCP connection id of a replay (tcp_reassembly counts
 * from 1), so both kinds share one space of ids in the correlator. */
#define SCTP_CONN_ID_BASE (1ull << 40)

/* conn_open of A, whose LOCAL_SIDE (enum sctp_side) is this host. */
void sctp_assoc_open_event(const struct sctp_assoc *a, int local_side, struct event *ev);

/* conn_end of A ended for REASON at TS_NS. Returns false when there is none to give: still
 * open at the end of the capture (live would not have reported an end either), unless its
 * close had begun or its INIT went unanswered for over 3 s (a timed-out connect, as for TCP). */
bool sctp_assoc_end_event(const struct sctp_assoc *a, int local_side, enum sctp_end_reason reason,
			  uint64_t ts_ns, struct event *ev);

#endif
