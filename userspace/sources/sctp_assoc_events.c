/* SHUTDOWN is SCTP's graceful close (RFC 9260 §9.2), written as TCP's FIN; ABORT (§9.1) as a
 * reset from its sender; an ABORT answering an INIT (§8.4: no listener) as a refused connect. */
#include <stdio.h>
#include <string.h>

#include "sctp_assoc_events.h"

#define NS_PER_S 1000000000ull
/* as for TCP's SYN: an unanswered INIT this old at the end of the capture has timed out */
#define INIT_TIMEOUT_NS (3 * NS_PER_S)

static void set_endpoint(struct endpoint *ep, const struct sctp_assoc *a, int side)
{
	ip_addr_set(&ep->addr, a->family, a->end[side].addr);
	ep->port = a->end[side].port;
}

static enum side side_of(int local_side, int side)
{
	return side == local_side ? SIDE_LOCAL : SIDE_PEER;
}

static void base_event(const struct sctp_assoc *a, int local_side, enum event_kind kind,
		       uint64_t ts_ns, struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->ts_ns = ts_ns;
	ev->conn = SCTP_CONN_ID_BASE + a->id;
	set_endpoint(&ev->conn_ev.local, a, local_side);
	set_endpoint(&ev->conn_ev.remote, a, !local_side);
	ev->conn_ev.direction = local_side == SCTP_SIDE_OPENER ? DIR_OUT : DIR_IN;
	ev->conn_ev.tls_client = local_side == SCTP_SIDE_OPENER;
}

void sctp_assoc_open_event(const struct sctp_assoc *a, int local_side, struct event *ev)
{
	base_event(a, local_side, EV_CONN_OPEN, a->init_ts_ns ? a->init_ts_ns : a->first_ts_ns, ev);
}

bool sctp_assoc_end_event(const struct sctp_assoc *a, int local_side, enum sctp_end_reason reason,
			  uint64_t ts_ns, struct event *ev)
{
	struct ev_conn *c = &ev->conn_ev;
	uint64_t start_ts = a->init_ts_ns ? a->init_ts_ns : a->first_ts_ns;
	uint64_t close_ts = a->first_close_ts_ns ? a->first_close_ts_ns : ts_ns;
	uint64_t last_ts = a->last_data_ts_ns ? a->last_data_ts_ns : start_ts;
	/* an INIT ACK missing from the capture while data flowed is no failed start */
	bool unanswered = a->init_ts_ns && !a->init_ack_ts_ns && !a->last_data_ts_ns;
	int closer = a->first_closer;

	base_event(a, local_side, EV_CONN_END, ts_ns, ev);
	c->duration_ns = ts_ns - start_ts;
	c->bytes_sent = a->bytes[local_side];
	c->bytes_received = a->bytes[!local_side];
	c->first_close_ts_ns = a->first_close_ts_ns;
	c->idle_ns = close_ts > last_ts ? close_ts - last_ts : 0;
	if (unanswered && a->abort_ts_ns[SCTP_SIDE_ACCEPTER]) {
		c->how = CLOSE_REFUSED;
		c->closed_by = side_of(local_side, SCTP_SIDE_ACCEPTER);
		snprintf(c->sk_error, sizeof(c->sk_error), "ECONNREFUSED");
	} else if (unanswered && reason == SCTP_END_CAPTURE_END) {
		if (ts_ns < a->init_ts_ns + INIT_TIMEOUT_NS)
			return false;
		c->how = CLOSE_TIMEOUT;
		snprintf(c->sk_error, sizeof(c->sk_error), "ETIMEDOUT");
	} else if (closer >= 0) {
		c->closed_by = side_of(local_side, closer);
		if (a->shutdown_ts_ns[closer] == a->first_close_ts_ns)
			c->how = CLOSE_FIN;
		else
			c->how = closer == local_side ? CLOSE_RST_OUT : CLOSE_RST_IN;
	} else {
		return false; /* still open when the capture ended */
	}
	return true;
}
