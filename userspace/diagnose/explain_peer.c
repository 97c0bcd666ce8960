/*
 * The peer's in-dialog request that never reached this host. When the peer (not this host)
 * sends a BYE or a session refresh and the connection it opens for it fails, this host sees
 * no SIP at all: only the failed connection from the call's peer while the call was up, and
 * then silence. The rule says that much, as an inference with its evidence: which request it
 * most likely was (a refresh when the peer was the refresher and one was due, otherwise the
 * BYE), and why the connection failed.
 */
#include <stdio.h>

#include "explain.h"

#define NS_PER_S 1000000000ull

/* Was a refresh by the peer due around TS on LEG, in the running interval or in the one that
 * expired? RFC 4028 §10 puts it at half the interval; implementations send a little earlier,
 * so allow min(32 s, SE/6) before. Returns the interval's start (0: no refresh due). */
static uint64_t peer_refresh_due(const struct leg *leg, uint64_t ts_ns, uint32_t *se_s)
{
	const struct session_timer *st = &leg->timer;
	bool running = st->active;
	uint64_t start_ns = running ? st->interval_start_ns : st->problem_interval_start_ns;
	enum side refresher = running ? st->refresher : st->problem_refresher;
	uint64_t se_ns, early_ns;

	*se_s = running ? st->se_s : st->problem_se_s;
	if ((!running && st->problem == REFRESH_NO_PROBLEM) || refresher != SIDE_PEER || !*se_s)
		return 0;
	se_ns = (uint64_t)*se_s * NS_PER_S;
	early_ns = se_ns / 6 < 32 * NS_PER_S ? se_ns / 6 : 32 * NS_PER_S;
	if (ts_ns + early_ns < session_timer_refresh_due_ns(start_ns, *se_s) ||
	    ts_ns > session_timer_expiry_ns(start_ns, *se_s))
		return 0;
	return start_ns;
}

/* The first failed connection the peer opened to this host while the call was up, after
 * which nothing of the call was seen, and long enough ago to judge: 64*T1 (the peer's
 * transaction has timed out by then) or the end of the trace. */
static const struct conn_attempt *silent_attempt(const struct correlator *corr,
						 const struct call *call, const struct leg *leg,
						 const struct conn **conn_out)
{
	struct conn_table *conns = (struct conn_table *)&corr->conns;

	for (unsigned i = 0; i < leg->n_attempts; i++) {
		const struct conn_attempt *a = &leg->attempts[i];
		const struct conn *conn = conn_table_find(conns, a->conn);

		if (!conn || conn->direction != DIR_IN || call->last_ts_ns >= a->ts_ns ||
		    a->ts_ns < call->confirmed_ts_ns ||
		    !(corr->trace_ended ||
		      a->ts_ns + correlator_txn_timeout_ns(corr) <= corr->now_ns))
			continue;
		*conn_out = conn;
		return a;
	}
	return NULL;
}

void explain_peer_request_lost(const struct correlator *corr, const struct call *call,
			       struct call_verdict *verdict)
{
	if (!call->confirmed || call->ended)
		return;
	for (unsigned l = 0; l < call->n_legs; l++) {
		const struct leg *leg = &call->legs[l];
		const struct conn *conn = NULL;
		const struct conn_attempt *a = silent_attempt(corr, call, leg, &conn);
		uint64_t interval_start_ns, quiet_ns;
		uint32_t se_s;
		bool refresh;
		struct diagnosis *diag;

		if (!a)
			continue;
		interval_start_ns = peer_refresh_due(leg, a->ts_ns, &se_s);
		refresh = interval_start_ns != 0;
		if (verdict_find(verdict, refresh ? DIAG_REFRESH_FAILED : DIAG_BYE_FAILED))
			return; /* the symptom is already explained from what was seen */
		quiet_ns = corr->now_ns - a->ts_ns;
		if (refresh)
			diag = verdict_add(
			    verdict, DIAG_REFRESH_FAILED,
			    "the session refresh by %s (the refresher) could not reach this host: "
			    "its "
			    "new connection failed and no refresh arrived (Session-Expires %u s; "
			    "inferred, as the request itself was never seen)",
			    ip_addr_text(&leg->peer_addr).text, se_s);
		else
			diag = verdict_add(
			    verdict, DIAG_BYE_FAILED,
			    "an in-dialog request from %s (most likely its BYE: no session refresh "
			    "was due) could not reach this host: the peer's new connection failed "
			    "and nothing more of the call came (inferred: the request itself was "
			    "never seen); the call was not torn down cleanly",
			    ip_addr_text(&leg->peer_addr).text);
		diag_evidence(diag, call->confirmed_ts_ns, leg->first_conn,
			      "call up since here (first conn %llu)",
			      (unsigned long long)leg->first_conn);
		if (refresh)
			diag_evidence(diag, session_timer_refresh_due_ns(interval_start_ns, se_s),
				      0, "refresh by the peer due (SE/2, RFC 4028 §10)");
		diag_evidence(diag, call->last_ts_ns, 0, "last SIP of the call");
		diag_evidence(diag, a->ts_ns, conn->id,
			      "conn %llu opened by the peer from %s:%u failed before carrying SIP",
			      (unsigned long long)conn->id, ip_addr_text(&conn->remote.addr).text,
			      conn->remote.port);
		if (conn->calls_needing > 1)
			diag_evidence(diag, a->ts_ns, conn->id,
				      "the peer's connections serve all its calls: %u calls with "
				      "this peer were up then, the request may have been another's",
				      conn->calls_needing);
		diag_evidence(diag, corr->now_ns, 0,
			      "nothing more of the call for %.1f s after that%s", ns_to_s(quiet_ns),
			      corr->trace_ended ? ", until the trace ended" : " (64*T1 or more)");
		diag_cause(diag,
			   explain_failed_conn(
			       verdict, leg, conn,
			       conn_table_find((struct conn_table *)&corr->conns, a->dialog_conn)));
		return;
	}
}
