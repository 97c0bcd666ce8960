/*
 * Dialogs and transactions of one call leg (RFC 3261 §12, §17): matches requests and
 * responses by top Via branch and CSeq method, tracks early/confirmed state, notes for each
 * in-dialog request whether it reused the dialog's connection, and feeds the leg's session
 * timer (RFC 4028) from INVITE/UPDATE transactions.
 */
#ifndef SIPTRAIL_DIALOG_H
#define SIPTRAIL_DIALOG_H

#include "call_table.h"
#include "conn_table.h"

struct sip_on_leg {
	const struct sip_fields *fields;
	uint64_t ts_ns;
	enum direction dir;
	const struct conn *conn;	/* NULL on UDP */
	const struct conn *dialog_conn; /* the leg's connection before this message, or NULL */
};

/* Applies one SIP message to its call and leg. Returns 0 or -ENOMEM. */
int dialog_on_sip(struct call *call, struct leg *leg, const struct sip_on_leg *msg);

/*
 * Advances the call to NOW: transactions without a final response past TIMER_NS
 * (64*T1, RFC 3261 §17.1.1.2 Timer B and §17.1.2.2 Timer F) time out, and session timers
 * past their expiry deadline close their interval. Returns the earliest time at which
 * advancing again can change anything without a new message or attempt (UINT64_MAX: never).
 */
uint64_t dialog_advance(struct call *call, uint64_t now_ns, uint64_t timer_ns);

/* Records a failed connection attempt toward the leg's peer (once per connection).
 * Returns 0 or -ENOMEM. */
int leg_add_attempt(struct leg *leg, uint64_t conn, uint64_t ts_ns);

#endif
