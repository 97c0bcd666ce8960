/* Session timer rules (RFC 4028). */
#include <stdio.h>
#include <string.h>

#include "explain.h"

#define NS_PER_S 1000000000ull

static const char *refresher_words(enum side side)
{
	return side == SIDE_LOCAL ? "this host's side" : side == SIDE_PEER ? "the peer" : "nobody";
}

static void interval_evidence(struct diagnosis *diag, const struct leg *leg)
{
	const struct session_timer *st = &leg->timer;

	diag_evidence(diag, st->problem_interval_start_ns, 0,
		      "leg to %s: Session-Expires %u s, refresher %s, interval started here",
		      ip_addr_text(&leg->peer_addr).text, st->problem_se_s,
		      refresher_words(st->problem_refresher));
	diag_evidence(diag,
		      session_timer_refresh_due_ns(st->problem_interval_start_ns, st->problem_se_s),
		      0, "refresh due (SE/2, RFC 4028 §10)");
	diag_evidence(diag,
		      session_timer_expiry_ns(st->problem_interval_start_ns, st->problem_se_s), 0,
		      "expiry deadline (SE - min(32 s, SE/3), RFC 4028 §10)");
}

/*
 * A proxy relays the refresh from one leg to the other, so a refresh lost on one leg (failed,
 * or its connection failed) is also missing on the other: that is one failure, explained where
 * it happened. True when a leg other than LEG failed a refresh, or had a failed connection,
 * within LEG's missed interval.
 */
static bool refresh_lost_on_other_leg(const struct call *call, const struct leg *leg)
{
	const struct session_timer *st = &leg->timer;
	uint64_t start_ns = st->problem_interval_start_ns;
	uint64_t expiry_ns = session_timer_expiry_ns(start_ns, st->problem_se_s);

	for (unsigned l = 0; l < call->n_legs; l++) {
		const struct leg *other = &call->legs[l];
		const struct session_timer *ot = &other->timer;
		if (other == leg)
			continue;
		if ((ot->problem == REFRESH_SENT_FAILED || ot->problem == REFRESH_CONN_FAILED) &&
		    ot->problem_interval_start_ns <= expiry_ns &&
		    session_timer_expiry_ns(ot->problem_interval_start_ns, ot->problem_se_s) >=
			start_ns)
			return true;
		for (unsigned i = 0; i < other->n_attempts; i++)
			if (other->attempts[i].ts_ns >= start_ns &&
			    other->attempts[i].ts_ns <= expiry_ns)
				return true;
	}
	return false;
}

/* Returns the symptom id added for LEG's first bad interval, DIAG_COUNT when none. */
static enum diag_id explain_refresh(const struct correlator *corr, const struct call *call,
				    const struct leg *leg, struct call_verdict *verdict)
{
	const struct session_timer *st = &leg->timer;
	const struct refresh_failure *f = &st->problem_failure;
	struct diagnosis *diag;

	if (st->problem == REFRESH_NO_PROBLEM)
		return DIAG_COUNT;
	if (st->problem == REFRESH_NEVER_SENT) {
		if (refresh_lost_on_other_leg(call, leg))
			return DIAG_REFRESH_FAILED; /* reported for the other leg */
		diag = verdict_add(verdict, DIAG_REFRESH_MISSED,
				   "no session refresh was sent to or from %s before the expiry "
				   "deadline; the refresher was %s (Session-Expires %u s)",
				   ip_addr_text(&leg->peer_addr).text,
				   refresher_words(st->problem_refresher), st->problem_se_s);
		interval_evidence(diag, leg);
		return DIAG_REFRESH_MISSED;
	}
	diag = verdict_add(verdict, DIAG_REFRESH_FAILED,
			   "the session refresh toward %s failed (%s); the refresher was %s "
			   "(Session-Expires %u s)",
			   ip_addr_text(&leg->peer_addr).text, refresh_outcome_name(st->problem),
			   refresher_words(st->problem_refresher), st->problem_se_s);
	interval_evidence(diag, leg);
	if (f->ts_ns) {
		if (f->status)
			diag_evidence(diag, f->ts_ns, f->conn, "%s CSeq %u answered %u",
				      sip_method_str(f->method), f->cseq, f->status);
		else
			diag_evidence(diag, f->ts_ns, f->conn,
				      "%s CSeq %u got no final response (64*T1)",
				      sip_method_str(f->method), f->cseq);
	}
	/* the failed transaction itself, for stale/silent connection causes */
	for (unsigned i = 0; i < leg->n_txns; i++) {
		const struct txn *t = &leg->txns[i];
		if (t->is_refresh && f->ts_ns && t->cseq == f->cseq && t->method == f->method)
			explain_txn_causes(corr, call, diag, verdict, t, t->request_ts_ns,
					   f->ts_ns);
	}
	explain_txn_causes(
	    corr, call, diag, verdict, NULL, st->problem_interval_start_ns,
	    session_timer_expiry_ns(st->problem_interval_start_ns, st->problem_se_s));
	return DIAG_REFRESH_FAILED;
}

static void explain_expired(const struct call *call, const struct leg *leg, enum diag_id cause,
			    struct call_verdict *verdict)
{
	const struct session_timer *st = &leg->timer;
	struct diagnosis *diag;

	/* a BYE at or after the deadline (1 s of slack for clocks of the two ends) */
	if (!st->expired_ns || !call->bye_ts_ns || call->bye_ts_ns + NS_PER_S < st->expired_ns)
		return;
	diag = verdict_add(
	    verdict, DIAG_SESSION_EXPIRED,
	    "the call was torn down %.1f s after the session expiry deadline by %s%s%s",
	    ns_to_s(call->bye_ts_ns > st->expired_ns ? call->bye_ts_ns - st->expired_ns : 0),
	    call->hung_up_by == SIDE_LOCAL ? "this host" : "the peer",
	    call->bye_reason[0] ? " with Reason: " : "", call->bye_reason);
	diag_evidence(diag, st->expired_ns, 0, "expiry deadline of the leg to %s",
		      ip_addr_text(&leg->peer_addr).text);
	diag_evidence(diag, call->bye_ts_ns, 0, "BYE sent by %s%s%s",
		      call->hung_up_by == SIDE_LOCAL ? "this host" : "the peer",
		      call->bye_reason[0] ? ", Reason: " : "", call->bye_reason);
	diag_cause(diag, cause);
}

static void explain_conflict(const struct leg *leg, struct call_verdict *verdict)
{
	const struct session_timer *st = &leg->timer;
	struct diagnosis *diag;

	if (!st->no_refresher && !st->flips)
		return;
	diag = verdict_add(verdict, DIAG_REFRESHER_CONFLICT,
			   "the session refresher on the leg to %s is ambiguous: %s",
			   ip_addr_text(&leg->peer_addr).text,
			   st->no_refresher ? "a 2xx carried Session-Expires without a refresher "
					      "parameter (RFC 4028 §9 requires one)"
					    : "the refresher role moved without a refresh from "
					      "the side that took it over");
	diag_evidence(diag, st->interval_start_ns, 0,
		      "2xx without refresher: %u, role flips: %u, hand-overs by a refresh: %u",
		      st->no_refresher, st->flips, st->handovers);
}

void explain_session_timers(const struct correlator *corr, const struct call *call,
			    struct call_verdict *verdict)
{
	for (unsigned l = 0; l < call->n_legs; l++) {
		enum diag_id cause = explain_refresh(corr, call, &call->legs[l], verdict);
		explain_expired(call, &call->legs[l], cause, verdict);
		explain_conflict(&call->legs[l], verdict);
	}
}
