/*
 * Layer engine/: the correlator and the tables it owns (connections, calls and their dialogs,
 * peers, session timers, the reorder window). It calls model/ and decoders/ only, and knows no
 * source and no output: it is fed events.
 *
 * The correlator: one time-ordered event stream in; connections, TLS sessions, calls with
 * their dialog legs, transactions and session timers out. Each call is handed to the done
 * callback when it is retired (ended and lingered, idled out, evicted, or at the end).
 */
#ifndef SIPTRAIL_CORRELATOR_H
#define SIPTRAIL_CORRELATOR_H

#include <stdio.h>

#include "call_table.h"
#include "conn_table.h"
#include "event.h"
#include "peer_table.h"
#include "sip_message.h"
#include "warn_limit.h"

struct correlator;
typedef void (*correlator_call_fn)(const struct correlator *corr, const struct call *call,
				   void *ctx);
/* Told about a live call whose story changed (see correlator_watch); may write the call's
 * diags_reported. */
typedef void (*correlator_watch_fn)(const struct correlator *corr, struct call *call, void *ctx);

struct correlator_config {
	uint64_t t1_ns; /* RFC 3261 T1 (default 500 ms); transactions time out at 64*T1 */
	unsigned max_calls, max_conns, max_peers;
	uint64_t call_linger_ns, call_idle_ns, conn_linger_ns;
	uint64_t sweep_ns; /* how often (in event time) timers and ageing run */
};

struct correlator {
	struct correlator_config config;
	struct conn_table conns;
	struct peer_table peers;
	struct call_table calls;
	correlator_call_fn done;
	void *done_ctx;
	correlator_watch_fn watch;
	void *watch_ctx;
	FILE *errors; /* where undecodable SIP and broken rules are reported; NULL: counted only */
	uint64_t now_ns, last_sweep_ns;
	/* correlator_finish: the input ended at now_ns, so rules may judge what was still
	 * pending then ("no answer before the trace ended") instead of waiting for timers */
	bool trace_ended;
	unsigned long events, out_of_order, sip_undecoded, lost_ringbuf, lost_map_full;
	unsigned long sip_lenient;	/* decoded despite a broken rule (a decoder warning) */
	struct warn_limit sip_problems; /* per decoder problem code: how many were reported */
	/* where a SIP event's fields are copied out of its text, and its text parsed when it came
	 * without a parse (a journal) */
	struct sip_decode_scratch *sip_scratch;
};

void correlator_config_default(struct correlator_config *config);
void correlator_init(struct correlator *corr, const struct correlator_config *config,
		     correlator_call_fn done, void *done_ctx, FILE *errors);

/*
 * Calls WATCH for a live call as soon as something the rules read changed: a transaction
 * failed or timed out, the call ended, a session interval expired, a failed connection was
 * attributed to it. For reporting diagnoses before the call is retired (diag_stream.h).
 */
void correlator_watch(struct correlator *corr, correlator_watch_fn watch, void *ctx);

/* Feeds one event (events should come in time order; older ones are counted in
 * out_of_order and applied without moving time back). Returns 0 or -ENOMEM. */
int correlator_feed(struct correlator *corr, const struct event *ev);

/* End of input: advances every call to the last event's time, sets trace_ended, retires
 * every call, then frees everything. */
void correlator_finish(struct correlator *corr);

/* RFC 3261 §17.1.1.2 / §17.1.2.2: Timer B = Timer F = 64*T1. */
static inline uint64_t correlator_txn_timeout_ns(const struct correlator *corr)
{
	return 64 * corr->config.t1_ns;
}

#endif
