#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "sock_event_json.h"

/* Keys, names and addresses here are ASCII: the _nocheck forms of jansson skip a UTF-8 scan of
 * each, measurable as every socket record passes here. The process name (comm) is checked. */

static const char *const direction_names[] = {
    [SOCK_DIR_OUT] = "out",
    [SOCK_DIR_IN] = "in",
};

/* The side that opens the TCP connection is the TLS client (RFC 5246 §7.3 / RFC 8446 §2). */
static const char *const tls_role_names[] = {
    [SOCK_DIR_OUT] = "client",
    [SOCK_DIR_IN] = "server",
};

static const char *const closed_by_names[] = {
    [SOCK_CLOSED_BY_LOCAL] = "local",
    [SOCK_CLOSED_BY_PEER] = "peer",
};

static const char *const how_names[] = {
    [SOCK_HOW_FIN] = "fin",	    [SOCK_HOW_RST_IN] = "rst_in",   [SOCK_HOW_RST_OUT] = "rst_out",
    [SOCK_HOW_REFUSED] = "refused", [SOCK_HOW_TIMEOUT] = "timeout",
};

#define NAME_OR_NULL(table, index)                                                                 \
	((size_t)(index) < sizeof(table) / sizeof(table[0]) && (table)[index]                      \
	     ? json_string_nocheck((table)[index])                                                 \
	     : json_null())

static json_t *json_time_or_null(uint64_t mono_ns, int64_t wall_offset_ns)
{
	return mono_ns ? json_integer((json_int_t)mono_ns + wall_offset_ns) : json_null();
}

/* Dotted quad, as inet_ntop writes it: inet_ntop's IPv4 path runs sprintf, measured at 6 % of
 * `siptrail live`'s CPU on connection churn. */
static void ipv4_text(const uint8_t addr[4], char *text)
{
	for (int i = 0; i < 4; i++) {
		if (addr[i] >= 100)
			*text++ = '0' + addr[i] / 100;
		if (addr[i] >= 10)
			*text++ = '0' + addr[i] / 10 % 10;
		*text++ = '0' + addr[i] % 10;
		*text++ = i < 3 ? '.' : '\0';
	}
}

static json_t *json_addr(uint16_t family, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (family != AF_INET6) {
		ipv4_text(addr, text);
		return json_string_nocheck(text);
	}
	/* inet_ntop writes RFC 5952 text for IPv6. */
	if (!inet_ntop(AF_INET6, addr, text, sizeof(text)))
		return json_null();
	return json_string_nocheck(text);
}

static json_t *json_errno_name(int err)
{
	const char *name = err ? strerrorname_np(err) : NULL;

	return name ? json_string_nocheck(name) : err ? json_integer(err) : json_null();
}

/* Fields common to conn_open and conn_end. */
static int conn_fields(json_t *obj, const struct sock_conn *conn)
{
	int err = 0;

	err |= json_object_set_new_nocheck(obj, "conn", json_integer((json_int_t)conn->cookie));
	err |= json_object_set_new_nocheck(obj, "laddr", json_addr(conn->family, conn->laddr));
	err |= json_object_set_new_nocheck(obj, "lport", json_integer(conn->lport));
	err |= json_object_set_new_nocheck(obj, "raddr", json_addr(conn->family, conn->raddr));
	err |= json_object_set_new_nocheck(obj, "rport", json_integer(conn->rport));
	err |= json_object_set_new_nocheck(obj, "direction",
					   NAME_OR_NULL(direction_names, conn->direction));
	err |= json_object_set_new_nocheck(obj, "tls_role",
					   NAME_OR_NULL(tls_role_names, conn->direction));
	err |= json_object_set_new_nocheck(obj, "pid",
					   conn->pid ? json_integer(conn->pid) : json_null());
	err |= json_object_set_new_nocheck(
	    obj, "comm",
	    conn->comm[0] ? json_stringn(conn->comm, strnlen(conn->comm, SOCK_COMM_LEN))
			  : json_null());
	err |= json_object_set_new_nocheck(obj, "netns", json_integer(conn->netns));
	err |= json_object_set_new_nocheck(obj, "before_trace",
					   json_boolean(conn->flags & SOCK_F_BEFORE_TRACE));
	return err ? -ENOMEM : 0;
}

static json_t *conn_open_json(const struct sock_event *event, int64_t wall_offset_ns)
{
	const struct sock_conn *conn = &event->conn;
	/* Open time: connect() or the passive SYN_RECV; first sight for an older connection. */
	uint64_t open_ns = conn->open_ts_ns ? conn->open_ts_ns : conn->first_close_ts_ns;
	json_t *obj = json_object();

	if (!obj || json_object_set_new_nocheck(obj, "event", json_string_nocheck("conn_open")) ||
	    json_object_set_new_nocheck(
		obj, "ts_ns",
		json_time_or_null(open_ns ? open_ns : event->ts_ns, wall_offset_ns)) ||
	    conn_fields(obj, conn)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* Fields common to conn_close and conn_end: who closed first, how, and the bytes. */
static int close_fields(json_t *obj, const struct sock_conn *conn, int64_t wall_offset_ns)
{
	bool first_close = conn->first_close_ts_ns != 0;
	int err = 0;

	err |= json_object_set_new_nocheck(obj, "bytes_sent", json_integer(conn->bytes_sent));
	err |=
	    json_object_set_new_nocheck(obj, "bytes_received", json_integer(conn->bytes_received));
	err |= json_object_set_new_nocheck(obj, "closed_by",
					   NAME_OR_NULL(closed_by_names, conn->closed_by));
	err |= json_object_set_new_nocheck(obj, "how", NAME_OR_NULL(how_names, conn->how));
	err |= json_object_set_new_nocheck(
	    obj, "first_close_ts_ns", json_time_or_null(conn->first_close_ts_ns, wall_offset_ns));
	err |= json_object_set_new_nocheck(obj, "idle_ns",
					   first_close ? json_integer(conn->idle_ns) : json_null());
	return err ? -ENOMEM : 0;
}

static json_t *conn_close_json(const struct sock_event *event, int64_t wall_offset_ns)
{
	const struct sock_conn *conn = &event->conn;
	/* a cause known only at the end (a timeout, an abort) has no separate close time */
	uint64_t close_ns = conn->first_close_ts_ns ? conn->first_close_ts_ns : conn->end_ts_ns;
	json_t *obj = json_object();
	int err = 0;

	if (!obj)
		return NULL;
	err |= json_object_set_new_nocheck(obj, "event", json_string_nocheck("conn_close"));
	err |= json_object_set_new_nocheck(
	    obj, "ts_ns", json_time_or_null(close_ns ? close_ns : event->ts_ns, wall_offset_ns));
	err |= conn_fields(obj, conn);
	err |= close_fields(obj, conn, wall_offset_ns);
	if (err) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *conn_end_json(const struct sock_event *event, int64_t wall_offset_ns)
{
	const struct sock_conn *conn = &event->conn;
	uint64_t end_ns = conn->end_ts_ns ? conn->end_ts_ns : event->ts_ns;
	json_t *obj = json_object();
	int err = 0;

	if (!obj)
		return NULL;
	err |= json_object_set_new_nocheck(obj, "event", json_string_nocheck("conn_end"));
	err |= json_object_set_new_nocheck(obj, "ts_ns", json_time_or_null(end_ns, wall_offset_ns));
	err |= conn_fields(obj, conn);
	err |= json_object_set_new_nocheck(
	    obj, "duration_ns",
	    conn->open_ts_ns ? json_integer(end_ns - conn->open_ts_ns) : json_null());
	err |= close_fields(obj, conn, wall_offset_ns);
	err |= json_object_set_new_nocheck(obj, "retransmits", json_integer(conn->retransmits));
	err |= json_object_set_new_nocheck(obj, "sk_error", json_errno_name(conn->sk_err));
	err |= json_object_set_new_nocheck(obj, "rst_sent",
					   json_boolean(conn->flags & SOCK_F_RST_SENT));
	err |= json_object_set_new_nocheck(obj, "rst_received",
					   json_boolean(conn->flags & SOCK_F_RST_RECEIVED));
	if (err) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

int sock_event_to_json(const struct sock_event *event, int64_t wall_offset_ns,
		       json_t *out[SOCK_EVENT_JSON_MAX])
{
	__u8 flags = event->conn.flags;
	bool want_end = event->type == SOCK_EV_END;
	/* The kernel flags say what it sent before this record: what is missing comes first. */
	bool want_open = event->type == SOCK_EV_OPEN || !(flags & SOCK_F_OPEN_REPORTED);
	bool want_close =
	    event->type == SOCK_EV_CLOSE ||
	    (want_end && (flags & SOCK_F_ESTABLISHED) && !(flags & SOCK_F_CLOSE_REPORTED));
	int count = 0;

	if (want_open && !(out[count++] = conn_open_json(event, wall_offset_ns)))
		goto nomem;
	if (want_close && !(out[count++] = conn_close_json(event, wall_offset_ns)))
		goto nomem;
	if (want_end && !(out[count++] = conn_end_json(event, wall_offset_ns)))
		goto nomem;
	return count;
nomem:
	for (count--; count--;)
		json_decref(out[count]);
	return -ENOMEM;
}

json_t *sock_losses_to_json(const struct sock_losses *losses, int64_t ts_ns)
{
	return json_pack(
	    "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "event", "lost", "ts_ns", (json_int_t)ts_ns,
	    "ringbuf", (json_int_t)(losses->ringbuf_open + losses->ringbuf_end), "map_full",
	    (json_int_t)losses->map_full, "ringbuf_conn_open", (json_int_t)losses->ringbuf_open,
	    "ringbuf_conn_end", (json_int_t)losses->ringbuf_end, "ringbuf_conn_close_late",
	    (json_int_t)losses->ringbuf_close, "skipped_calls", (json_int_t)losses->skipped);
}
