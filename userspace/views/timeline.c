/* Selects and labels the events of one call for its ladder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip_event_fields.h"
#include "timeline.h"

#define NS_PER_S 1000000000ull
/* Connection attempts this long after the call's last message still belong to it: an
 * in-dialog request waits up to 64*T1 = 32 s (RFC 3261 §17.1.2.2). */
#define ATTEMPT_WINDOW_NS (32 * NS_PER_S)
#define EVIDENCE_SLACK_NS (5 * 1000000ull)

static unsigned lane_of(struct timeline *tl, const char *addr)
{
	for (unsigned i = 1; i < tl->n_lanes; i++)
		if (!strcmp(tl->lanes[i], addr))
			return i;
	if (tl->n_lanes == TIMELINE_MAX_LANES)
		return tl->n_lanes - 1; /* more peers than lanes: the last lane holds the rest */
	snprintf(tl->lanes[tl->n_lanes], sizeof(tl->lanes[0]), "%s", addr);
	return tl->n_lanes++;
}

static struct timeline_row *add_row(struct timeline *tl, uint64_t ts_ns, uint64_t conn)
{
	struct timeline_row *row;

	if (tl->n_rows == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 64;
		struct timeline_row *grown = realloc(tl->rows, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		tl->rows = grown;
		tl->cap = cap;
	}
	row = &tl->rows[tl->n_rows++];
	memset(row, 0, sizeof(*row));
	row->ts_ns = ts_ns;
	row->conn = conn;
	return row;
}

static bool is_evidence(const struct call_entry *call, uint64_t ts_ns, uint64_t conn)
{
	const struct call_verdict *v = call->verdict;

	for (unsigned i = 0; v && i < v->n_diags; i++)
		for (unsigned e = 0; e < v->diags[i].n_evidence; e++) {
			const struct evidence *ev = &v->diags[i].evidence[e];
			uint64_t delta = ev->ts_ns > ts_ns ? ev->ts_ns - ts_ns : ts_ns - ev->ts_ns;
			/* a close is cited at its first FIN, the row is at the end of the close */
			if (ev->ts_ns == ts_ns && (!ev->conn || !conn || ev->conn == conn))
				return true;
			if (conn && ev->conn == conn && delta <= EVIDENCE_SLACK_NS)
				return true;
		}
	return false;
}

static void label_sip(struct timeline_row *row, const struct event *ev)
{
	const char *raw = ev->sip.raw;
	size_t line = strcspn(raw, "\r\n");
	static const char *const transports[] = {"?", "udp", "tcp", "tls"};

	if (line >= 8 && !strncmp(raw, "SIP/2.0 ", 8)) {
		snprintf(row->label, sizeof(row->label), "%.*s", (int)(line - 8), raw + 8);
		row->failure = raw[8] >= '4';
	} else {
		/* a request: method and Request-URI, without SIP/2.0 */
		size_t n = line > 8 ? line - 8 : line;
		snprintf(row->label, sizeof(row->label), "%.*s", (int)n, raw);
	}
	snprintf(row->detail, sizeof(row->detail), "%s %s:%u %s %s:%u",
		 transports[ev->sip.transport], ip_addr_text(&ev->sip.local.addr).text,
		 ev->sip.local.port, ev->sip.dir == DIR_OUT ? "->" : "<-",
		 ip_addr_text(&ev->sip.remote.addr).text, ev->sip.remote.port);
}

static void label_conn(struct timeline_row *row, const struct event *ev)
{
	const struct ev_conn *c = &ev->conn_ev;

	if (ev->kind == EV_CONN_OPEN) {
		row->arrow = c->direction == DIR_OUT ? TL_TO_PEER : TL_TO_LOCAL;
		snprintf(row->label, sizeof(row->label), "TCP open (conn %llu, %s)",
			 (unsigned long long)ev->conn,
			 c->direction == DIR_OUT ? "this host is TLS client"
						 : "peer is TLS client");
		snprintf(row->detail, sizeof(row->detail), "%s:%u %s %s:%u",
			 ip_addr_text(&c->local.addr).text, c->local.port,
			 c->direction == DIR_OUT ? "->" : "<-", ip_addr_text(&c->remote.addr).text,
			 c->remote.port);
		return;
	}
	row->closing = true;
	row->arrow = c->closed_by == SIDE_PEER ? TL_TO_LOCAL : TL_TO_PEER;
	row->failure = c->how == CLOSE_REFUSED || c->how == CLOSE_TIMEOUT || c->how == CLOSE_RST_IN;
	snprintf(row->label, sizeof(row->label), "%s%s (conn %llu)",
		 c->how == CLOSE_FIN	   ? "FIN"
		 : c->how == CLOSE_REFUSED ? "refused"
		 : c->how == CLOSE_TIMEOUT ? "connect timeout"
					   : "RST",
		 c->closed_by == SIDE_LOCAL  ? " by this host"
		 : c->closed_by == SIDE_PEER ? " by peer"
					     : "",
		 (unsigned long long)ev->conn);
	snprintf(row->detail, sizeof(row->detail), "idle %.1f s before the close%s%s",
		 c->idle_ns / 1e9, c->sk_error[0] ? ", " : "", c->sk_error);
}

static void label_tls(struct timeline_row *row, const struct event *ev)
{
	switch (ev->kind) {
	case EV_TLS_HANDSHAKE:
		row->arrow = ev->handshake.client ? TL_TO_PEER : TL_TO_LOCAL;
		row->failure = !ev->handshake.ok;
		snprintf(row->label, sizeof(row->label), "TLS handshake %s",
			 ev->handshake.ok ? "ok" : "FAILED");
		snprintf(row->detail, sizeof(row->detail), "this host is %s%s%s%s%s",
			 ev->handshake.client ? "client" : "server",
			 ev->handshake.error[0] ? "; " : "", ev->handshake.error,
			 ev->handshake.verify_error[0] ? "; verify: " : "",
			 ev->handshake.verify_error);
		break;
	case EV_TLS_ALERT:
		row->arrow = ev->alert.from == SIDE_LOCAL ? TL_TO_PEER : TL_TO_LOCAL;
		row->failure = alert_is_fatal(&ev->alert);
		snprintf(row->label, sizeof(row->label), "alert %s (%s)", ev->alert.description,
			 row->failure ? "fatal" : "warning");
		break;
	default: /* EV_TLS_CHAIN */
		row->arrow = ev->chain.from == SIDE_LOCAL ? TL_TO_PEER : TL_TO_LOCAL;
		row->failure = ev->chain.verdict != CHAIN_OK && ev->chain.verdict != CHAIN_UNKNOWN;
		snprintf(row->label, sizeof(row->label), "certificates: %zu, %s", ev->chain.n_certs,
			 chain_verdict_name(ev->chain.verdict));
		snprintf(row->detail, sizeof(row->detail), "leaf %s%s%s",
			 ev->chain.n_certs && ev->chain.certs[0].subject
			     ? ev->chain.certs[0].subject
			     : "?",
			 ev->chain.missing_issuer[0] ? "; missing " : "", ev->chain.missing_issuer);
		break;
	}
}

/* Has CONN a row for its close already (from a conn_close)? */
static bool conn_closed_row(const struct timeline *tl, uint64_t conn)
{
	for (size_t k = 0; k < tl->n_rows; k++)
		if (tl->rows[k].conn == conn && tl->rows[k].kind == TL_CONN && tl->rows[k].closing)
			return true;
	return false;
}

static bool conn_listed(const uint64_t *conns, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (conns[i] == id)
			return true;
	return false;
}

/* The call's connections: those its SIP used, and those toward its peers opened while it
 * lived (a reverse connection that failed carries no SIP). */
static int collect_conns(struct timeline *tl, const struct event_list *events, uint64_t **out,
			 size_t *n_out, const bool *is_call)
{
	size_t n = 0, cap = 16;
	uint64_t *conns = malloc(cap * sizeof(*conns));
	uint64_t until = tl->call->last_ts_ns + ATTEMPT_WINDOW_NS;

	if (!conns)
		return -ENOMEM;
	for (size_t i = 0; i < events->count; i++) {
		const struct event *ev = &events->events[i];
		bool take = false;
		if (!ev->conn || conn_listed(conns, n, ev->conn))
			continue;
		if (ev->kind == EV_SIP)
			take = is_call[i];
		else if (ev->kind == EV_CONN_OPEN &&
			 ev->ts_ns + NS_PER_S >= tl->call->first_ts_ns && ev->ts_ns <= until) {
			struct ip_addr_text remote = ip_addr_text(&ev->conn_ev.remote.addr);
			for (unsigned l = 1; l < tl->n_lanes; l++)
				take |= !strcmp(tl->lanes[l], remote.text);
		}
		if (!take)
			continue;
		if (n == cap) {
			uint64_t *grown = realloc(conns, 2 * cap * sizeof(*grown));
			if (!grown) {
				free(conns);
				return -ENOMEM;
			}
			conns = grown;
			cap *= 2;
		}
		conns[n++] = ev->conn;
	}
	*out = conns;
	*n_out = n;
	return 0;
}

static int add_timer_rows(struct timeline *tl)
{
	const struct call_entry *call = tl->call;

	for (unsigned l = 0; l < call->n_timers; l++) {
		const struct leg_timer *t = &call->timers[l];
		struct timeline_row *row;
		if (!t->active || !t->refresh_due_ns)
			continue;
		for (int k = 0; k < 2; k++) {
			row = add_row(tl, k ? t->expiry_ns : t->refresh_due_ns, 0);
			if (!row)
				return -ENOMEM;
			row->kind = TL_TIMER;
			row->arrow = TL_NOTE;
			row->lane = lane_of(tl, t->peer_addr.text);
			snprintf(row->label, sizeof(row->label), "%s (SE %u s, refresher %s)",
				 k ? "session expires" : "refresh due", t->se_s,
				 t->refresher == SIDE_LOCAL  ? "this host"
				 : t->refresher == SIDE_PEER ? "peer"
							     : "?");
			snprintf(row->detail, sizeof(row->detail),
				 k ? "RFC 4028 §10: without a refresh, BYE at SE - min(32 s, SE/3)"
				   : "RFC 4028 §10: the refresher refreshes at SE/2");
			row->evidence = is_evidence(call, row->ts_ns, 0);
		}
	}
	return 0;
}

/* Stable insertion sort: event rows come in time order already, timer rows move in. */
static void sort_rows(struct timeline *tl)
{
	for (size_t i = 1; i < tl->n_rows; i++) {
		struct timeline_row tmp = tl->rows[i];
		size_t j = i;
		while (j > 0 && tl->rows[j - 1].ts_ns > tmp.ts_ns) {
			tl->rows[j] = tl->rows[j - 1];
			j--;
		}
		tl->rows[j] = tmp;
	}
}

int timeline_build(struct timeline *tl, const struct event_list *events,
		   const struct call_entry *call)
{
	bool *is_call = calloc(events->count + 1, sizeof(*is_call));
	struct sip_decode_scratch *scratch = malloc(sizeof(*scratch));
	uint64_t *conns = NULL;
	size_t n_conns = 0;
	int rc = 0;

	memset(tl, 0, sizeof(*tl));
	tl->call = call;
	tl->n_lanes = 1;
	snprintf(tl->lanes[0], sizeof(tl->lanes[0]), "this host");
	if (!is_call || !scratch) {
		free(is_call);
		free(scratch);
		return -ENOMEM;
	}
	for (size_t i = 0; i < events->count; i++) {
		const struct event *ev = &events->events[i];
		const struct sip_fields *fields;
		if (ev->kind != EV_SIP)
			continue;
		fields = sip_event_fields(ev, scratch);
		if (!fields->values.decoded || strcmp(fields->call_id, call->call_id))
			continue;
		is_call[i] = true;
		if (tl->n_lanes == 1)
			snprintf(tl->lanes[0], sizeof(tl->lanes[0]), "%s",
				 ip_addr_text(&ev->sip.local.addr).text);
		lane_of(tl, ip_addr_text(&ev->sip.remote.addr).text);
	}
	if ((rc = collect_conns(tl, events, &conns, &n_conns, is_call)))
		goto out;
	for (size_t i = 0; i < events->count; i++) {
		const struct event *ev = &events->events[i];
		struct timeline_row *row;
		if (!is_call[i] && (ev->kind == EV_SIP || !conn_listed(conns, n_conns, ev->conn)))
			continue;
		/* the hello and leaf events carry no fields here; a conn_end after its
		 * conn_close says nothing the close row did not */
		if (ev->kind == EV_TLS_HELLO || ev->kind == EV_TLS_LEAF_CHANGED ||
		    ev->kind == EV_LOST ||
		    (ev->kind == EV_CONN_END && conn_closed_row(tl, ev->conn)))
			continue;
		row = add_row(tl, ev->ts_ns, ev->conn);
		if (!row) {
			rc = -ENOMEM;
			goto out;
		}
		if (ev->kind == EV_SIP) {
			row->kind = TL_SIP;
			row->lane = lane_of(tl, ip_addr_text(&ev->sip.remote.addr).text);
			row->arrow = ev->sip.dir == DIR_OUT ? TL_TO_PEER : TL_TO_LOCAL;
			label_sip(row, ev);
		} else if (ev->kind == EV_CONN_OPEN || ev->kind == EV_CONN_CLOSE ||
			   ev->kind == EV_CONN_END) {
			row->kind = TL_CONN;
			row->lane = lane_of(tl, ip_addr_text(&ev->conn_ev.remote.addr).text);
			label_conn(row, ev);
		} else {
			/* TLS events carry no address: the lane of their connection's open */
			row->kind = TL_TLS;
			row->lane = 1;
			for (size_t k = 0; k < tl->n_rows; k++)
				if (tl->rows[k].conn == ev->conn && tl->rows[k].kind == TL_CONN)
					row->lane = tl->rows[k].lane;
			label_tls(row, ev);
		}
		row->evidence = is_evidence(call, row->ts_ns, row->conn);
	}
	rc = add_timer_rows(tl);
	if (!rc)
		sort_rows(tl);
	tl->start_ns = tl->n_rows ? tl->rows[0].ts_ns : call->first_ts_ns;
out:
	free(conns);
	free(is_call);
	free(scratch);
	return rc;
}

void timeline_free(struct timeline *tl)
{
	free(tl->rows);
	memset(tl, 0, sizeof(*tl));
}
