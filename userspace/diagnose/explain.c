/* The explain engine: verdict bookkeeping and the BYE rule; other rules live in explain_*.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"

static const char *const diag_names[DIAG_COUNT] = {
    [DIAG_BYE_FAILED] = "BYE_FAILED",
    [DIAG_REFRESH_FAILED] = "REFRESH_FAILED",
    [DIAG_REFRESH_MISSED] = "REFRESH_MISSED",
    [DIAG_SESSION_EXPIRED] = "SESSION_EXPIRED",
    [DIAG_IDLE_CLOSE_REVERSE] = "IDLE_CLOSE_REVERSE",
    [DIAG_TLS_UNTRUSTED] = "TLS_UNTRUSTED",
    [DIAG_TLS_INCOMPLETE_CHAIN] = "TLS_INCOMPLETE_CHAIN",
    [DIAG_TLS_LEAF_CHANGED] = "TLS_LEAF_CHANGED",
    [DIAG_CONNECT_FAILED] = "CONNECT_FAILED",
    [DIAG_STALE_CONNECTION] = "STALE_CONNECTION",
    [DIAG_TLS_NAME_MISMATCH] = "TLS_NAME_MISMATCH",
    [DIAG_TLS_VERSION_MISMATCH] = "TLS_VERSION_MISMATCH",
    [DIAG_TLS_CLIENT_CERT] = "TLS_CLIENT_CERT",
    [DIAG_SILENT_DROP] = "SILENT_DROP",
    [DIAG_REFRESHER_CONFLICT] = "REFRESHER_CONFLICT",
    [DIAG_RISK_IDLE_TIMEOUT] = "RISK_IDLE_TIMEOUT",
};

const char *diag_id_name(enum diag_id id)
{
	return (unsigned)id < DIAG_COUNT ? diag_names[id] : "?";
}

bool diag_is_failure(enum diag_id id)
{
	return id != DIAG_RISK_IDLE_TIMEOUT && id != DIAG_REFRESHER_CONFLICT;
}

double ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

const struct diagnosis *verdict_find(const struct call_verdict *verdict, enum diag_id id)
{
	for (unsigned i = 0; i < verdict->n_diags; i++)
		if (verdict->diags[i].id == id)
			return &verdict->diags[i];
	return NULL;
}

struct diagnosis *verdict_add(struct call_verdict *verdict, enum diag_id id, const char *fmt, ...)
{
	struct diagnosis *diag;
	va_list ap;

	if (verdict_find(verdict, id) || verdict->n_diags == DIAG_COUNT)
		return NULL;
	diag = &verdict->diags[verdict->n_diags++];
	memset(diag, 0, sizeof(*diag));
	diag->id = id;
	va_start(ap, fmt);
	vsnprintf(diag->summary, sizeof(diag->summary), fmt, ap);
	va_end(ap);
	return diag;
}

void diag_evidence(struct diagnosis *diag, uint64_t ts_ns, uint64_t conn, const char *fmt, ...)
{
	struct evidence *ev;
	va_list ap;

	if (!diag || diag->n_evidence == DIAG_MAX_EVIDENCE)
		return;
	ev = &diag->evidence[diag->n_evidence++];
	ev->ts_ns = ts_ns;
	ev->conn = conn;
	va_start(ap, fmt);
	vsnprintf(ev->text, sizeof(ev->text), fmt, ap);
	va_end(ap);
}

void diag_cause(struct diagnosis *diag, enum diag_id cause)
{
	if (!diag || cause == DIAG_COUNT || diag->n_causes == DIAG_MAX_CAUSES)
		return;
	for (unsigned i = 0; i < diag->n_causes; i++)
		if (diag->causes[i] == cause)
			return;
	diag->causes[diag->n_causes++] = cause;
}

static bool tls_failed(const struct conn *conn)
{
	return conn && conn->tls_seen && !conn->tls_ok;
}

static bool in_window(uint64_t ts_ns, uint64_t since_ns, uint64_t until_ns)
{
	return ts_ns + 1000000000ull >= since_ns && ts_ns <= until_ns;
}

/* Requests on LEG written into a connection whose TLS handshake then failed: in TLS 1.3 the
 * client writes right after its handshake call returns, before the server has checked the
 * client's certificate (RFC 8446 §4.4.2.4), so a rejected connection can carry a request the
 * peer never read. */
static void written_into_failed_tls(struct conn_table *conns, struct diagnosis *diag,
				    struct call_verdict *verdict, const struct leg *leg,
				    uint64_t since_ns, uint64_t until_ns)
{
	for (unsigned i = 0; i < leg->n_txns; i++) {
		const struct txn *t = &leg->txns[i];
		const struct conn *conn = t->conn ? conn_table_find(conns, t->conn) : NULL;

		if (tls_failed(conn) && in_window(t->request_ts_ns, since_ns, until_ns))
			diag_cause(diag, explain_failed_conn(verdict, leg, conn,
							     conn_table_find(conns, t->prev_conn)));
	}
}

void explain_txn_causes(const struct correlator *corr, const struct call *call,
			struct diagnosis *diag, struct call_verdict *verdict, const struct txn *txn,
			uint64_t since_ns, uint64_t until_ns)
{
	struct conn_table *conns = (struct conn_table *)&corr->conns;
	const struct conn *txn_conn;

	/* connections toward any leg's peer that failed while this was under way (a proxy
	 * forwards a request received on one leg over the other) */
	for (unsigned l = 0; l < call->n_legs; l++) {
		const struct leg *leg = &call->legs[l];
		for (unsigned i = 0; i < leg->n_attempts; i++) {
			const struct conn *conn = conn_table_find(conns, leg->attempts[i].conn);
			uint64_t ts_ns = leg->attempts[i].ts_ns;
			if (conn && in_window(ts_ns, since_ns, until_ns))
				diag_cause(diag, explain_failed_conn(
						     verdict, leg, conn,
						     conn_table_find(
							 conns, leg->attempts[i].dialog_conn)));
		}
		written_into_failed_tls(conns, diag, verdict, leg, since_ns, until_ns);
	}
	if (!txn || !txn->conn || !(txn->outcome == TXN_TIMEOUT || txn->status >= 400))
		return;
	txn_conn = conn_table_find(conns, txn->conn);
	/* a request in a connection whose TLS failed is explained by that failure, above */
	if (txn_conn && !tls_failed(txn_conn))
		diag_cause(diag, explain_unanswered(verdict, txn, txn_conn));
}

/*
 * A request still without a final response when the trace ended, whose connection had failed
 * (TLS failure, or closed after it was written) or for which a connection toward a peer of the
 * call failed afterwards: it would time out at 64*T1, but the trace ended first.
 */
static bool pending_with_failed_conn(const struct correlator *corr, const struct call *call,
				     const struct txn *t)
{
	struct conn_table *conns = (struct conn_table *)&corr->conns;
	const struct conn *conn = t->conn ? conn_table_find(conns, t->conn) : NULL;

	if (!corr->trace_ended || t->outcome != TXN_PENDING)
		return false;
	if (conn && ((conn->tls_seen && !conn->tls_ok) || conn->how != CLOSE_UNKNOWN))
		return true;
	for (unsigned l = 0; l < call->n_legs; l++)
		for (unsigned i = 0; i < call->legs[l].n_attempts; i++)
			if (call->legs[l].attempts[i].ts_ns + 1000000000ull >= t->request_ts_ns)
				return true;
	return false;
}

/* The failed BYE to explain: the first one that got an error response or timed out (a fact
 * seen), else the first one still unanswered when the trace ended with its connection failed
 * (UNANSWERED set). NULL when none. */
static const struct txn *failed_bye(const struct correlator *corr, const struct call *call,
				    const struct leg **leg_out, bool *unanswered)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned l = 0; l < call->n_legs; l++) {
			const struct leg *leg = &call->legs[l];
			for (unsigned i = 0; i < leg->n_txns; i++) {
				const struct txn *t = &leg->txns[i];
				bool concluded = t->outcome == TXN_TIMEOUT ||
						 (t->outcome == TXN_ANSWERED && t->status >= 300);

				if (t->method != SIP_METHOD_BYE ||
				    !(pass ? pending_with_failed_conn(corr, call, t) : concluded))
					continue;
				*leg_out = leg;
				*unanswered = pass;
				return t;
			}
		}
	}
	return NULL;
}

static void explain_bye(const struct correlator *corr, const struct call *call,
			struct call_verdict *verdict)
{
	const struct leg *leg = NULL;
	bool unanswered = false;
	const struct txn *t = failed_bye(corr, call, &leg, &unanswered);
	bool timeout = t && t->outcome == TXN_TIMEOUT;
	struct diagnosis *diag;

	if (!t)
		return;
	diag = verdict_add(verdict, DIAG_BYE_FAILED,
			   "the BYE %s %s (CSeq %u) %s: the call was not torn down cleanly",
			   t->dir == DIR_OUT ? "sent by this host to" : "received from",
			   ip_addr_text(&leg->peer_addr).text, t->cseq,
			   timeout || unanswered ? "got no final response" : "was rejected");
	if (!diag)
		return;
	diag_evidence(diag, t->request_ts_ns, t->conn, "BYE %s %s, CSeq %u%s%s%s",
		      t->dir == DIR_OUT ? "to" : "from", ip_addr_text(&leg->peer_addr).text,
		      t->cseq, t->reason[0] ? ", Reason: " : "", t->reason,
		      t->retransmits ? " (retransmitted)" : "");
	if (timeout)
		diag_evidence(diag, t->final_ts_ns, t->conn,
			      "no final response after %.1f s (64*T1, RFC 3261 §17.1.2.2 Timer F)",
			      ns_to_s(t->final_ts_ns - t->request_ts_ns));
	else if (unanswered)
		diag_evidence(diag, corr->now_ns, t->conn,
			      "no final response when the trace ended %.1f s later, and a "
			      "connection it needed had failed",
			      ns_to_s(corr->now_ns - t->request_ts_ns));
	else
		diag_evidence(diag, t->final_ts_ns, t->conn, "final response %u", t->status);
	if (t->conn_use == CONN_USE_NEW)
		diag_evidence(diag, t->request_ts_ns, t->conn,
			      "sent on a new connection (dialog's conn %llu %s)",
			      (unsigned long long)t->prev_conn,
			      t->prev_ended    ? "had ended"
			      : t->prev_closed ? "had been closed"
					       : "was still open");
	explain_txn_causes(corr, call, diag, verdict, t, t->request_ts_ns,
			   t->final_ts_ns      ? t->final_ts_ns
			   : corr->trace_ended ? corr->now_ns
					       : t->request_ts_ns);
}

static void diag_peer_fill(const struct correlator *corr, const struct call *call,
			   struct diagnosis *diag)
{
	struct conn_table *conns = (struct conn_table *)&corr->conns;

	for (unsigned i = 0; i < diag->n_evidence; i++) {
		const struct conn *conn =
		    diag->evidence[i].conn ? conn_table_find(conns, diag->evidence[i].conn) : NULL;

		if (conn && ip_addr_given(&conn->remote.addr)) {
			diag->peer = conn->remote.addr;
			return;
		}
	}
	if (call->n_legs == 1)
		diag->peer = call->legs[0].peer_addr;
}

void explain_call(const struct correlator *corr, const struct call *call,
		  struct call_verdict *verdict)
{
	/* not the diagnoses: 39 KB a call, and verdict_add clears each one it uses */
	memset(verdict, 0, offsetof(struct call_verdict, diags));
	snprintf(verdict->call_id, sizeof(verdict->call_id), "%s", call->call_id);
	verdict->first_ts_ns = call->first_ts_ns;
	verdict->end_ts_ns = call->end_ts_ns ? call->end_ts_ns : call->last_ts_ns;
	explain_bye(corr, call, verdict);
	explain_session_timers(corr, call, verdict);
	explain_peer_request_lost(corr, call, verdict);
	explain_risk(corr, call, verdict);
	for (unsigned i = 0; i < verdict->n_diags; i++)
		diag_peer_fill(corr, call, &verdict->diags[i]);
}
