/* Dialog and transaction tracking of one call leg. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "heap_text.h"

/* FNV-1a: transactions are matched by a hash of the branch, its text is never shown. */
static uint64_t branch_hash(const char *branch)
{
	uint64_t hash = 0xcbf29ce484222325ull;

	if (!branch[0])
		return 0;
	for (; *branch; branch++)
		hash = (hash ^ (unsigned char)*branch) * 0x100000001b3ull;
	return hash ? hash : 1;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static struct txn *txn_find(struct leg *leg, uint64_t branch, enum sip_method method, uint32_t cseq)
{
	for (unsigned i = leg->n_txns; i-- > 0;) {
		struct txn *t = &leg->txns[i];
		/* RFC 3261 §17.1.3: branch and CSeq method; CSeq number for branch-less peers */
		if (t->method == method && t->branch_hash == branch && (branch || t->cseq == cseq))
			return t;
	}
	return NULL;
}

static void txn_remove(struct leg *leg, unsigned i)
{
	heap_text_free(&leg->txns[i].reason);
	memmove(&leg->txns[i], &leg->txns[i + 1], (leg->n_txns - i - 1) * sizeof(*leg->txns));
	leg->n_txns--;
}

/* Makes room for one more transaction: grows, or drops the oldest finished one. */
static struct txn *txn_new(struct leg *leg)
{
	if (leg->n_txns == leg->cap_txns && leg->cap_txns < LEG_MAX_TXNS) {
		unsigned cap = leg->cap_txns ? leg->cap_txns * 2 : 2;
		struct txn *txns = realloc(leg->txns, cap * sizeof(*txns));
		if (!txns)
			return NULL;
		leg->txns = txns;
		leg->cap_txns = cap;
	}
	if (leg->n_txns == leg->cap_txns) {
		unsigned drop = 0;
		while (drop < leg->n_txns && leg->txns[drop].outcome == TXN_PENDING)
			drop++;
		if (drop == leg->n_txns)
			drop = 0;
		txn_remove(leg, drop);
		leg->txns_watch_ns = 0; /* the dropped one may have been the earliest */
	}
	memset(&leg->txns[leg->n_txns], 0, sizeof(*leg->txns));
	leg->txns[leg->n_txns].reason = heap_text_empty;
	return &leg->txns[leg->n_txns++];
}

static bool is_refresh_method(enum sip_method method)
{
	return method == SIP_METHOD_INVITE || method == SIP_METHOD_UPDATE;
}

static int on_request(struct call *call, struct leg *leg, const struct sip_on_leg *msg,
		      const struct conn *dialog_conn)
{
	const struct sip_fields *f = msg->fields;
	uint64_t branch = branch_hash(f->branch);
	struct txn *t = txn_find(leg, branch, f->values.method, f->values.cseq);

	if (t) { /* retransmission, or the same request over a new connection */
		t->retransmits++;
		t->conn = msg->conn ? msg->conn->id : 0;
		return 0;
	}
	if (f->values.method == SIP_METHOD_ACK &&
	    txn_find(leg, branch, SIP_METHOD_INVITE, f->values.cseq))
		return 0; /* ACK to a non-2xx belongs to the INVITE transaction (§17.1.1.3) */
	t = txn_new(leg);
	if (!t)
		return -ENOMEM;
	t->method = f->values.method;
	t->cseq = f->values.cseq;
	t->branch_hash = branch;
	t->dir = msg->dir;
	t->request_ts_ns = msg->ts_ns;
	if (leg->txns_watch_ns) /* pending, or an ACK's end: its clock runs from now */
		leg->txns_watch_ns = earliest(leg->txns_watch_ns, msg->ts_ns);
	t->conn = msg->conn ? msg->conn->id : 0;
	t->in_dialog = f->to_tag[0] && f->values.method != SIP_METHOD_CANCEL;
	call->has_dialog |= t->in_dialog; /* begun before the trace, if its start was not seen */
	/* the subscription's end is its dialog's when nothing else uses the dialog; a later
	 * request in it (a new SUBSCRIBE) makes it one again */
	if (f->values.method == SIP_METHOD_NOTIFY && f->values.subscription_terminated &&
	    !call->invite_seen)
		call->has_dialog = false;
	if (f->values.method == SIP_METHOD_BYE &&
	    heap_text_set(&t->reason, f->reason, SIP_REASON_LEN))
		return -ENOMEM;
	if (f->values.method == SIP_METHOD_ACK) {
		t->outcome = TXN_ANSWERED; /* no response to an ACK */
		t->final_ts_ns = msg->ts_ns;
	}
	if (t->in_dialog && dialog_conn && msg->conn) {
		t->prev_conn = dialog_conn->id;
		t->prev_ended = dialog_conn->ended;
		t->prev_closed = dialog_conn->how != CLOSE_UNKNOWN;
		t->conn_use = dialog_conn->id == msg->conn->id ? CONN_USE_REUSED : CONN_USE_NEW;
		t->new_conn_direction = msg->conn->direction;
	}
	if (t->in_dialog && is_refresh_method(f->values.method) && leg->state == DIALOG_CONFIRMED) {
		t->is_refresh = true;
		session_timer_on_refresh_sent(&leg->timer);
	}
	if (f->values.has_min_se && f->values.min_se_s > leg->timer.min_se_s)
		leg->timer.min_se_s = f->values.min_se_s;
	if (f->values.method == SIP_METHOD_BYE && !call->bye_ts_ns) {
		call->bye_ts_ns = msg->ts_ns;
		call->hung_up_by = msg->dir == DIR_OUT ? SIDE_LOCAL : SIDE_PEER;
		call->bye_leg = (uint8_t)(leg - call->legs);
		if (heap_text_set(&call->bye_reason, f->reason, SIP_REASON_LEN))
			return -ENOMEM;
		for (unsigned i = 0; i < call->n_legs; i++)
			session_timer_on_end(&call->legs[i].timer);
	}
	return 0;
}

static void refresh_failed(struct leg *leg, const struct txn *t)
{
	struct refresh_failure failure = {
	    .ts_ns = t->final_ts_ns,
	    .cseq = t->cseq,
	    .method = t->method,
	    .status = t->status,
	    .conn = t->conn,
	};
	session_timer_on_refresh_failed(&leg->timer, &failure);
}

/* A final response that only asks for the request again is not a failure. */
static bool is_retry_status(uint16_t status)
{
	/* 401/407 challenge (§22), 422 Session Interval Too Small (RFC 4028 §6), 491 glare
	 * (§14.1) */
	return status == 401 || status == 407 || status == 422 || status == 491;
}

static void on_final(struct call *call, struct leg *leg, struct txn *t,
		     const struct sip_on_leg *msg)
{
	const struct sip_fields *f = msg->fields;
	bool ok = f->values.status < 300;

	t->outcome = TXN_ANSWERED;
	t->status = f->values.status;
	t->final_ts_ns = msg->ts_ns;
	if (t->method == SIP_METHOD_INVITE && ok && leg->state != DIALOG_TERMINATED) {
		leg->state = DIALOG_CONFIRMED;
		if (!call->confirmed) {
			call->confirmed = true;
			call->confirmed_ts_ns = msg->ts_ns;
		}
	}
	if (is_refresh_method(t->method) && ok)
		call->has_dialog = true; /* a dialog confirmed, or its session timer */
	if (is_refresh_method(t->method) && ok && !call->bye_ts_ns)
		session_timer_on_2xx(&leg->timer, msg->ts_ns, t->dir, f->values.has_session_expires,
				     f->values.session_expires_s, f->values.refresher,
				     t->is_refresh, t->conn);
	if (f->values.status == 422)
		session_timer_on_422(&leg->timer, f->values.has_min_se ? f->values.min_se_s : 0);
	if (t->is_refresh && !ok && !is_retry_status(f->values.status))
		refresh_failed(leg, t);
	if (!ok)
		call->story_changed = true;
	if (t->method == SIP_METHOD_BYE && ok) {
		leg->state = DIALOG_TERMINATED;
		call->story_changed = true;
		call->ended = true;
		call->end_ts_ns = msg->ts_ns;
	}
	if (t->method == SIP_METHOD_INVITE && !t->in_dialog && !ok &&
	    !is_retry_status(f->values.status) && !call->confirmed) {
		call->ended = true; /* set-up failed */
		call->end_ts_ns = msg->ts_ns;
	}
}

static void on_response(struct call *call, struct leg *leg, const struct sip_on_leg *msg)
{
	const struct sip_fields *f = msg->fields;
	struct txn *t = txn_find(leg, branch_hash(f->branch), f->values.method, f->values.cseq);

	if (!t) { /* request not seen: perhaps in a dialog begun before the trace */
		call->has_dialog = true;
		return;
	}
	if (t->outcome == TXN_ANSWERED)
		return;		/* a retransmitted final response */
	leg->txns_watch_ns = 0; /* a final response moves its clock, a provisional may stop it */
	if (f->values.status < 200) {
		t->provisional = true;
		if (t->status < f->values.status)
			t->status = f->values.status;
		if (f->to_tag[0] && leg->state == DIALOG_NONE) {
			leg->state = DIALOG_EARLY;
			call->has_dialog = true;
		}
		return;
	}
	on_final(call, leg, t, msg);
}

int dialog_on_sip(struct call *call, struct leg *leg, const struct sip_on_leg *msg)
{
	int rc = 0;

	if (msg->conn && !leg->first_conn) {
		leg->first_conn = msg->conn->id;
		leg->first_conn_direction = msg->conn->direction;
	}
	if (msg->conn && msg->conn->id != leg->conn && leg->conns_used < UINT16_MAX)
		leg->conns_used++;
	if (msg->fields->values.method == SIP_METHOD_INVITE)
		call->invite_seen = true;
	if (msg->fields->values.is_request)
		rc = on_request(call, leg, msg, msg->dialog_conn);
	else
		on_response(call, leg, msg);
	if (msg->conn)
		leg->conn = msg->conn->id;
	return rc;
}

static bool attempt_in_interval(const struct leg *leg)
{
	for (unsigned i = 0; i < leg->n_attempts; i++)
		if (leg->attempts[i].ts_ns >= leg->timer.interval_start_ns)
			return true;
	return false;
}

/* What the rules read once a transaction is over: a BYE or refresh that failed. */
static bool txn_is_evidence(const struct txn *t)
{
	return (t->method == SIP_METHOD_BYE || t->is_refresh) &&
	       (t->outcome == TXN_TIMEOUT || t->status >= 300);
}

/*
 * Frees transactions that ended more than TIMER_NS (64*T1) ago and are no evidence: by then
 * retransmissions of the request or its final response are over (RFC 3261 §17.2.1 Timer H,
 * §17.2.2 Timer J use the same 64*T1). Returns when the next of the others can be freed.
 */
static uint64_t txns_prune(struct leg *leg, uint64_t now_ns, uint64_t timer_ns)
{
	uint64_t due_ns = UINT64_MAX;

	for (unsigned i = leg->n_txns; i-- > 0;) {
		const struct txn *t = &leg->txns[i];
		uint64_t done_ns = t->final_ts_ns ? t->final_ts_ns : t->request_ts_ns;
		if (t->outcome == TXN_PENDING || txn_is_evidence(t))
			continue;
		if (done_ns + timer_ns <= now_ns)
			txn_remove(leg, i);
		else if (done_ns + timer_ns < due_ns)
			due_ns = done_ns + timer_ns;
	}
	if (!leg->n_txns && leg->cap_txns) {
		free(leg->txns);
		leg->txns = NULL;
		leg->cap_txns = 0;
	}
	return due_ns;
}

/* Times out the leg's transactions past TIMER_NS and frees the ones done with; returns when
 * the next of them falls due. */
static uint64_t txns_advance(struct call *call, struct leg *leg, uint64_t now_ns, uint64_t timer_ns)
{
	uint64_t due_ns = UINT64_MAX;

	if (leg->txns_watch_ns == UINT64_MAX)
		return UINT64_MAX;
	if (leg->txns_watch_ns && leg->txns_watch_ns + timer_ns > now_ns)
		return leg->txns_watch_ns + timer_ns; /* what the walk below would return */
	for (unsigned i = 0; i < leg->n_txns; i++) {
		struct txn *t = &leg->txns[i];
		/* §17.1.1.2: a provisional response stops Timer B's meaning for INVITE */
		if (t->outcome != TXN_PENDING || (t->method == SIP_METHOD_INVITE && t->provisional))
			continue;
		if (t->request_ts_ns + timer_ns > now_ns) {
			due_ns = earliest(due_ns, t->request_ts_ns + timer_ns);
			continue;
		}
		t->outcome = TXN_TIMEOUT;
		t->final_ts_ns = t->request_ts_ns + timer_ns;
		call->story_changed = true;
		if (t->is_refresh)
			refresh_failed(leg, t);
		if (t->method == SIP_METHOD_BYE && !call->ended) {
			/* §15.1.1: a BYE without answer still ends the session */
			call->ended = true;
			call->end_ts_ns = t->final_ts_ns;
		}
	}
	due_ns = earliest(due_ns, txns_prune(leg, now_ns, timer_ns));
	leg->txns_watch_ns = due_ns == UINT64_MAX ? UINT64_MAX : due_ns - timer_ns;
	return due_ns;
}

uint64_t dialog_advance(struct call *call, uint64_t now_ns, uint64_t timer_ns)
{
	uint64_t due_ns = UINT64_MAX;

	for (unsigned l = 0; l < call->n_legs; l++) {
		struct leg *leg = &call->legs[l];
		due_ns = earliest(due_ns, txns_advance(call, leg, now_ns, timer_ns));
		/* the peer's request in a failed connection has timed out at its end by now: the
		 * rules may conclude it was lost (explain_peer.c) */
		for (unsigned i = 0; i < leg->n_attempts; i++) {
			struct conn_attempt *a = &leg->attempts[i];
			if (a->waited)
				continue;
			if (a->ts_ns + timer_ns <= now_ns) {
				a->waited = true;
				call->story_changed = true;
			} else {
				due_ns = earliest(due_ns, a->ts_ns + timer_ns);
			}
		}
		uint64_t expired_ns = leg->timer.expired_ns;
		session_timer_check(&leg->timer, now_ns, attempt_in_interval(leg));
		if (leg->timer.expired_ns != expired_ns)
			call->story_changed = true;
		if (leg->timer.active)
			due_ns =
			    earliest(due_ns, session_timer_expiry_ns(leg->timer.interval_start_ns,
								     leg->timer.se_s));
	}
	return due_ns;
}

int leg_add_attempt(struct leg *leg, uint64_t conn, uint64_t ts_ns)
{
	for (unsigned i = 0; i < leg->n_attempts; i++)
		if (leg->attempts[i].conn == conn)
			return 0;
	if (leg->n_attempts == LEG_MAX_ATTEMPTS)
		return 0; /* the first ones explain the failure */
	if (!leg->attempts) {
		leg->attempts = calloc(LEG_MAX_ATTEMPTS, sizeof(*leg->attempts));
		if (!leg->attempts)
			return -ENOMEM;
	}
	leg->attempts[leg->n_attempts].conn = conn;
	leg->attempts[leg->n_attempts].ts_ns = ts_ns;
	leg->attempts[leg->n_attempts].dialog_conn = leg->conn;
	leg->n_attempts++;
	return 0;
}
