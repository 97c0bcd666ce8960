#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sock_record_events.h"

static const enum close_how how_of[] = {
    [SOCK_HOW_FIN] = CLOSE_FIN,		[SOCK_HOW_RST_IN] = CLOSE_RST_IN,
    [SOCK_HOW_RST_OUT] = CLOSE_RST_OUT, [SOCK_HOW_REFUSED] = CLOSE_REFUSED,
    [SOCK_HOW_TIMEOUT] = CLOSE_TIMEOUT,
};

#define TABLE_OR(table, index, otherwise)                                                          \
	((size_t)(index) < sizeof(table) / sizeof(table[0]) ? (table)[index] : (otherwise))

static uint64_t wall_time(uint64_t mono_ns, int64_t wall_offset_ns)
{
	return mono_ns ? mono_ns + wall_offset_ns : 0;
}

/* The tracer gives AF_INET6 or else an IPv4 socket. */
static void endpoint_of(struct endpoint *end, uint16_t family, const uint8_t *addr, uint16_t port)
{
	end->port = port;
	ip_addr_set(&end->addr, family == AF_INET6 ? AF_INET6 : AF_INET, addr);
}

/* The errno name, or its number when it has none. */
static void errno_text(int err, char *text, size_t len)
{
	const char *name = err ? strerrorname_np(err) : NULL;

	if (name)
		snprintf(text, len, "%s", name);
	else if (err)
		snprintf(text, len, "%d", err);
	else
		text[0] = '\0';
}

/* The fields every event of the record shares: the socket, its process, the kernel's flags,
 * and (zero on an open) how it closed. */
static void conn_fields(struct event *ev, const struct sock_conn *conn)
{
	struct ev_conn *c = &ev->conn_ev;

	ev->conn = conn->cookie;
	endpoint_of(&c->local, conn->family, conn->laddr, conn->lport);
	endpoint_of(&c->remote, conn->family, conn->raddr, conn->rport);
	c->direction = conn->direction == SOCK_DIR_OUT	? DIR_OUT
		       : conn->direction == SOCK_DIR_IN ? DIR_IN
							: DIR_UNKNOWN;
	/* The side that opens the TCP connection is the TLS client (RFC 8446 §2). */
	c->tls_client = c->direction == DIR_OUT;
	c->pid = conn->pid;
	memcpy(c->comm, conn->comm,
	       SOCK_COMM_LEN < sizeof(c->comm) ? SOCK_COMM_LEN : sizeof(c->comm));
	c->comm[sizeof(c->comm) - 1] = '\0';
	c->netns = conn->netns;
	c->kernel_flags = true;
	c->before_trace = conn->flags & SOCK_F_BEFORE_TRACE;
	if (ev->kind == EV_CONN_OPEN)
		return;
	c->bytes_sent = conn->bytes_sent;
	c->bytes_received = conn->bytes_received;
	c->closed_by = conn->closed_by == SOCK_CLOSED_BY_LOCAL	? SIDE_LOCAL
		       : conn->closed_by == SOCK_CLOSED_BY_PEER ? SIDE_PEER
								: SIDE_UNKNOWN;
	c->how = TABLE_OR(how_of, conn->how, CLOSE_UNKNOWN);
	c->first_close_ts_ns = conn->first_close_ts_ns;
	c->idle_ns = conn->idle_ns;
	c->idle_unknown = !conn->first_close_ts_ns;
}

static void conn_open(struct event *ev, const struct sock_event *record, int64_t wall_offset_ns)
{
	const struct sock_conn *conn = &record->conn;
	/* Open time: connect() or the passive SYN_RECV; first sight for an older connection. */
	uint64_t open_ns = conn->open_ts_ns ? conn->open_ts_ns : conn->first_close_ts_ns;

	*ev = (struct event){.kind = EV_CONN_OPEN};
	ev->ts_ns = wall_time(open_ns ? open_ns : record->ts_ns, wall_offset_ns);
	conn_fields(ev, conn);
}

static void conn_close(struct event *ev, const struct sock_event *record, int64_t wall_offset_ns)
{
	const struct sock_conn *conn = &record->conn;
	/* a cause known only at the end (a timeout, an abort) has no separate close time */
	uint64_t close_ns = conn->first_close_ts_ns ? conn->first_close_ts_ns : conn->end_ts_ns;

	*ev = (struct event){.kind = EV_CONN_CLOSE};
	ev->ts_ns = wall_time(close_ns ? close_ns : record->ts_ns, wall_offset_ns);
	conn_fields(ev, conn);
	ev->conn_ev.first_close_ts_ns = wall_time(conn->first_close_ts_ns, wall_offset_ns);
}

static void conn_end(struct event *ev, const struct sock_event *record, int64_t wall_offset_ns)
{
	const struct sock_conn *conn = &record->conn;
	uint64_t end_ns = conn->end_ts_ns ? conn->end_ts_ns : record->ts_ns;
	struct ev_conn *c = &ev->conn_ev;

	*ev = (struct event){.kind = EV_CONN_END};
	ev->ts_ns = wall_time(end_ns, wall_offset_ns);
	conn_fields(ev, conn);
	c->first_close_ts_ns = wall_time(conn->first_close_ts_ns, wall_offset_ns);
	c->end_unseen = record->type == SOCK_EV_END_UNSEEN;
	/* an unseen end's time is when the sweep noticed it, not when the socket went */
	c->duration_unknown = !conn->open_ts_ns || c->end_unseen;
	c->duration_ns = c->duration_unknown ? 0 : end_ns - conn->open_ts_ns;
	c->retransmits = conn->retransmits;
	errno_text(conn->sk_err, c->sk_error, sizeof(c->sk_error));
	c->rst_sent = conn->flags & SOCK_F_RST_SENT;
	c->rst_received = conn->flags & SOCK_F_RST_RECEIVED;
}

int sock_record_to_events(const struct sock_event *record, int64_t wall_offset_ns,
			  struct event out[SOCK_RECORD_EVENTS_MAX])
{
	__u8 flags = record->conn.flags;
	bool want_end = record->type == SOCK_EV_END || record->type == SOCK_EV_END_UNSEEN;
	/* The kernel flags say what it sent before this record: what is missing comes first. */
	bool want_open = record->type == SOCK_EV_OPEN || !(flags & SOCK_F_OPEN_REPORTED);
	bool want_close =
	    record->type == SOCK_EV_CLOSE ||
	    (want_end && (flags & SOCK_F_ESTABLISHED) && !(flags & SOCK_F_CLOSE_REPORTED));
	int count = 0;

	if (want_open)
		conn_open(&out[count++], record, wall_offset_ns);
	if (want_close)
		conn_close(&out[count++], record, wall_offset_ns);
	if (want_end)
		conn_end(&out[count++], record, wall_offset_ns);
	return count;
}

void sock_losses_to_event(const struct sock_losses *losses, uint64_t ts_ns, struct event *out)
{
	*out = (struct event){.kind = EV_LOST, .ts_ns = ts_ns};
	out->lost = (struct ev_lost){
	    .ringbuf = losses->ringbuf_open + losses->ringbuf_end,
	    .map_full = losses->map_full,
	    .detailed = true,
	    .ringbuf_conn_open = losses->ringbuf_open,
	    .ringbuf_conn_end = losses->ringbuf_end,
	    .ringbuf_conn_close_late = losses->ringbuf_close,
	    .skipped_calls = losses->skipped,
	    .ends_unseen = losses->ends_unseen,
	};
}
