/* Dispatches events to the connection, peer and call tables; runs timers and ageing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "correlator.h"
#include "dialog.h"
#include "sip_event_fields.h"

#define NS_PER_S 1000000000ull

void correlator_config_default(struct correlator_config *config)
{
	*config = (struct correlator_config){
	    .t1_ns = NS_PER_S / 2,
	    .max_calls = 200000,
	    .max_conns = 100000,
	    .max_peers = 10000,
	    .call_linger_ns = 32 * NS_PER_S,
	    .call_idle_ns = 4 * 3600 * NS_PER_S,
	    /* An ended connection a call used or needed stays while that call does (held); one
	     * no call holds is read only by events that still name it: a wire event waits at
	     * most 10 s for its socket, the reorder window 250 ms, a transaction 64*T1. The
	     * peer table keeps its own copies of what it learned from it. */
	    .conn_linger_ns = 300 * NS_PER_S,
	    .sweep_ns = NS_PER_S,
	};
}

static void on_call_retired(struct call *call, void *ctx)
{
	struct correlator *corr = ctx;
	if (corr->done)
		corr->done(corr, call, corr->done_ctx);
	for (unsigned i = 0; i < call->n_held_conns; i++)
		conn_table_release(&corr->conns, call->held_conns[i]);
}

/* The call's diagnosis reads CONN when the call is retired, whatever came in between. */
static void hold_conn(struct call *call, struct conn *conn)
{
	if (call_hold_conn(call, conn->id))
		conn_table_hold(conn);
}

void correlator_init(struct correlator *corr, const struct correlator_config *config,
		     correlator_call_fn done, void *done_ctx, FILE *errors)
{
	struct conn_table_config conns = {config->max_conns, config->conn_linger_ns};
	struct call_table_config calls = {config->max_calls, config->call_linger_ns,
					  config->call_idle_ns};

	memset(corr, 0, sizeof(*corr));
	corr->config = *config;
	corr->done = done;
	corr->done_ctx = done_ctx;
	corr->errors = errors;
	conn_table_init(&corr->conns, &conns);
	peer_table_init(&corr->peers, config->max_peers);
	call_table_init(&corr->calls, &calls, on_call_retired, corr);
}

void correlator_watch(struct correlator *corr, correlator_watch_fn watch, void *ctx)
{
	corr->watch = watch;
	corr->watch_ctx = ctx;
}

static void notify(struct correlator *corr, struct call *call)
{
	if (!call->story_changed)
		return;
	call->story_changed = false;
	if (corr->watch)
		corr->watch(corr, call, corr->watch_ctx);
}

static void sweep(struct correlator *corr)
{
	struct call *call;

	/* only the calls that changed or have a timer due (call_table.h) */
	while ((call = call_table_next_due(&corr->calls, corr->now_ns))) {
		call_table_set_due(
		    &corr->calls, call,
		    dialog_advance(call, corr->now_ns, correlator_txn_timeout_ns(corr)));
		notify(corr, call);
	}
	call_table_age(&corr->calls, corr->now_ns);
	conn_table_age(&corr->conns, corr->now_ns);
	corr->last_sweep_ns = corr->now_ns;
}

/* Did the call need a connection toward LEG's peer at TS? An in-dialog request on any leg
 * shortly before (a proxy forwards what one leg received to the other), our side's session
 * refresh falling due, or, for a connection the peer opened (OPENER in), any time the call
 * was up: the peer opens one to send its own in-dialog requests (its BYE, its refresh), which
 * this host never sees when the connection fails. */
static bool call_needs_conn(const struct call *call, const struct leg *leg, uint64_t ts_ns,
			    uint64_t timer_ns, enum direction opener)
{
	const struct session_timer *st = &leg->timer;

	if (call->ended)
		return false;
	if (opener == DIR_IN && call->confirmed && call->confirmed_ts_ns <= ts_ns)
		return true;
	for (unsigned l = 0; l < call->n_legs; l++) {
		for (unsigned i = 0; i < call->legs[l].n_txns; i++) {
			const struct txn *t = &call->legs[l].txns[i];
			if (t->in_dialog && t->request_ts_ns <= ts_ns + NS_PER_S &&
			    (t->outcome == TXN_PENDING || t->request_ts_ns + timer_ns >= ts_ns))
				return true;
		}
	}
	return st->active && st->refresher == SIDE_LOCAL &&
	       ts_ns + NS_PER_S >= session_timer_refresh_due_ns(st->interval_start_ns, st->se_s);
}

/* A connection that never carried SIP failed: attribute it to the calls that needed it.
 * Returns 0 or -ENOMEM. */
static int attribute_failure(struct correlator *corr, struct conn *conn)
{
	uint64_t ts_ns = conn->open_seen ? conn->open_ts_ns : conn->last_activity_ns;
	unsigned calls = 0;
	struct call *call;

	call_table_foreach(&corr->calls, call)
	{
		bool needed = false;
		for (unsigned l = 0; l < call->n_legs; l++) {
			struct leg *leg = &call->legs[l];
			if (!ip_addr_equal(&leg->peer_addr, &conn->remote.addr) ||
			    leg->conn == conn->id)
				continue;
			unsigned n_attempts = leg->n_attempts;
			if (!call_needs_conn(call, leg, ts_ns, correlator_txn_timeout_ns(corr),
					     conn->direction))
				continue;
			if (leg_add_attempt(leg, conn->id, ts_ns))
				return -ENOMEM;
			hold_conn(call, conn);
			call->story_changed |= leg->n_attempts != n_attempts;
			call_table_wake(&corr->calls, call);
			needed = true;
		}
		calls += needed;
		notify(corr, call);
	}
	if (calls > conn->calls_needing)
		conn->calls_needing = calls;
	return 0;
}

static int feed_conn_event(struct correlator *corr, const struct event *ev)
{
	struct conn *conn = conn_table_apply(&corr->conns, ev);

	if (!conn || peer_table_learn(&corr->peers, conn, ev))
		return -ENOMEM;
	if ((ev->kind == EV_CONN_END || ev->kind == EV_TLS_HANDSHAKE) && conn_failed_attempt(conn))
		return attribute_failure(corr, conn);
	return 0;
}

/* What a problem code counts: the decoder's text; no code is a message cut short. */
static const char *sip_problem_kind(enum sip_problem_code code)
{
	return code == SIP_PROBLEM_NONE ? "incomplete SIP message" : sip_problem_str(code);
}

/* A message the decoder could not read (SKIPPED) or read despite a broken rule: the first few
 * of each kind named on the error stream with where they are, the rest counted for
 * correlator_finish. */
static void report_sip_problem(struct correlator *corr, const struct event *ev, bool skipped,
			       const struct sip_problem *problem, const char *text)
{
	bool last_shown;

	if (!corr->errors || !warn_limit_take(&corr->sip_problems, problem->code, &last_shown))
		return;
	if (skipped)
		fprintf(corr->errors, "sip event at ts_ns %llu: %s; message skipped\n",
			(unsigned long long)ev->ts_ns, text);
	else
		fprintf(corr->errors, "sip event at ts_ns %llu: byte %u: %s; decoded as written\n",
			(unsigned long long)ev->ts_ns, problem->offset, text);
	if (last_shown)
		fprintf(
		    corr->errors,
		    "sip: %s: %d messages shown, further ones only counted (total at the end)\n",
		    sip_problem_kind(problem->code), WARN_LIMIT_SHOWN);
}

/* The messages report_sip_problem did not show, one line per kind. */
static void report_hidden_sip_problems(const struct correlator *corr)
{
	_Static_assert(SIP_PROBLEM_CODE_COUNT <= WARN_LIMIT_KINDS, "a kind per problem code");

	for (unsigned code = 0; corr->errors && code < SIP_PROBLEM_CODE_COUNT; code++) {
		unsigned long hidden = warn_limit_hidden(&corr->sip_problems, code);
		if (hidden)
			fprintf(corr->errors, "sip: %s: %lu more message(s) %s, not shown\n",
				sip_problem_kind(code), hidden,
				code == SIP_PROBLEM_NONE || sip_problem_is_error(code)
				    ? "skipped"
				    : "decoded as written");
	}
}

static int feed_sip(struct correlator *corr, const struct event *ev)
{
	const struct sip_fields *fields;
	struct sip_on_leg msg = {.ts_ns = ev->ts_ns, .dir = ev->sip.dir};
	const struct ip_addr *peer_addr = &ev->sip.remote.addr;
	struct conn *conn = NULL;
	struct call *call;
	struct leg *leg;

	if (!corr->sip_scratch && !(corr->sip_scratch = malloc(sizeof(*corr->sip_scratch))))
		return -ENOMEM;
	fields = sip_event_fields(ev, corr->sip_scratch);
	if (!fields->values.decoded) {
		char err[160];
		corr->sip_undecoded++;
		sip_fields_error_text(&fields->values, err, sizeof(err));
		report_sip_problem(corr, ev, true, &fields->values.error, err);
		return 0;
	}
	msg.fields = fields;
	if (fields->values.warnings) {
		char text[160];
		corr->sip_lenient++;
		snprintf(text, sizeof(text), "%s%s", sip_problem_str(fields->values.warning.code),
			 fields->values.warnings > 1 ? " (and more)" : "");
		report_sip_problem(corr, ev, false, &fields->values.warning, text);
	}
	if (ev->conn) {
		conn = conn_table_apply(&corr->conns, ev);
		if (!conn || peer_table_learn(&corr->peers, conn, ev))
			return -ENOMEM;
		msg.conn = conn;
		if (!ip_addr_given(peer_addr))
			peer_addr = &conn->remote.addr;
	}
	call = call_table_touch(&corr->calls, fields->call_id, ev->ts_ns);
	if (!call)
		return -ENOMEM;
	if (conn)
		hold_conn(call, conn);
	/* timers that fell due before this message come first (a BYE at expiry) */
	dialog_advance(call, ev->ts_ns, correlator_txn_timeout_ns(corr));
	notify(corr, call);
	leg = call_leg(call, peer_addr, ev->sip.transport);
	if (!leg)
		return 0; /* more legs than CALL_MAX_LEGS: the first ones tell the story */
	if (leg->conn)
		msg.dialog_conn = conn_table_find(&corr->conns, leg->conn);
	if (dialog_on_sip(call, leg, &msg))
		return -ENOMEM;
	call_table_wake(&corr->calls, call); /* its timers may have changed */
	notify(corr, call);
	return 0;
}

int correlator_feed(struct correlator *corr, const struct event *ev)
{
	corr->events++;
	if (ev->ts_ns < corr->now_ns)
		corr->out_of_order++;
	else
		corr->now_ns = ev->ts_ns;
	if (corr->now_ns >= corr->last_sweep_ns + corr->config.sweep_ns)
		sweep(corr);
	switch (ev->kind) {
	case EV_SIP:
		return feed_sip(corr, ev);
	case EV_LOST:
		corr->lost_ringbuf += ev->lost.ringbuf;
		corr->lost_map_full += ev->lost.map_full;
		return 0;
	default:
		return ev->conn ? feed_conn_event(corr, ev) : 0;
	}
}

void correlator_finish(struct correlator *corr)
{
	struct call *call;

	call_table_foreach(&corr->calls, call)
	    dialog_advance(call, corr->now_ns, correlator_txn_timeout_ns(corr));
	corr->trace_ended = true;
	call_table_flush(&corr->calls);
	conn_table_free(&corr->conns);
	peer_table_free(&corr->peers);
	free(corr->sip_scratch);
	corr->sip_scratch = NULL;
	report_hidden_sip_problems(corr);
}
