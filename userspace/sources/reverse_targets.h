/*
 * The trunk peers of a journal or capture and where an in-dialog request from this host would
 * open a new connection to each (for `siptrail probe-reverse`): from what the peer itself
 * published in the SIP it sent, in this order: its own Record-Route entry (RFC 3261 §16.12:
 * requests in the dialog are routed to it), its Contact, the sent-by of its top Via (RFC 3261
 * §18.2.2; with `alias`, RFC 5923, it accepts reuse of its connection), else the port of a
 * connection this host opened to it. A Via's rport is the peer's source port, never a
 * listener, so it is not a target.
 */
#ifndef SIPTRAIL_REVERSE_TARGETS_H
#define SIPTRAIL_REVERSE_TARGETS_H

#include <stdbool.h>
#include <stdint.h>

#include "event_load.h"

#define REVERSE_TARGETS_MAX 64

struct reverse_target {
	char peer[IP_ADDR_TEXT_LEN]; /* the address the peer's connections came from or went to */
	char host[EV_NAME_LEN];	     /* where to connect */
	uint16_t port;
	const char *source; /* "Record-Route", "Contact", "Via", "connection" */
	bool alias;	    /* the peer's Via carried alias (RFC 5923) */
	unsigned rank;	    /* of the source; lower wins */
};

/* Fills TARGETS (at most MAX) from the TLS SIP and connections in LIST; returns how many. */
size_t reverse_targets_find(const struct event_list *list, struct reverse_target *targets,
			    size_t max);

#endif
