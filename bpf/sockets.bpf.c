// SPDX-License-Identifier: GPL-2.0
/* TCP socket lifetimes for siptrail live: who opened each SIP connection, how long it lived
 * and sat idle, who closed it first and how. Only tracepoints (tp_btf): no kprobes, no fentry.
 *
 * Per-message cost is avoided on purpose: bytes, retransmits and the last send and receive
 * times are read from the kernel's own tcp_sock counters (bytes_acked, bytes_received,
 * total_retrans, lsndtime, icsk_ack.lrcvtime) at state changes, so nothing runs per segment.
 * A passive socket gets its process from its listener (listeners, copied by the kernel), not
 * from a hook on its I/O. The only per-call hooks (sock_send_length / sock_recv_length) time
 * the I/O of sockets on TLS ports (the close_notify idle rule, conn_io.h); any other call
 * returns after two array reads, before touching the socket's storage (a cache miss that cost
 * about 100 ns per call). While the libssl probe's programs on the same two tracepoints do
 * that timing, userspace detaches these (one program per tracepoint). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "conn_io.h"
#include "task_pid.h"

#define AF_INET		 2
#define AF_INET6	 10
#define ETIMEDOUT	 110
#define ECONNREFUSED	 111
#define MAX_CGROUP_DEPTH 16
#define NSEC_PER_SEC	 1000000000ULL
#define SOCK_MAX_CONNS	 16384
#define RINGBUF_BYTES	 (1 << 22)
#define WAKEUP_BYTES	 (RINGBUF_BYTES / 8)

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace before load. */
const volatile __u32 filter_pid = 0;	   /* tgid as siptrail sees it (task_pid.h), 0 = any */
const volatile __u64 filter_cgroup_id = 0; /* cgroup v2 id (inode), 0 = any */
const volatile __u32 filter_netns = 0;	   /* netns inode, 0 = any */

/* struct file before 6.13 (file_ref_t f_ref replaced it) */
struct file___f_count {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

struct sock_losses losses = {};
/* Sockets with an entry in conns (conn_io.h), bounded by SOCK_MAX_CONNS: the explicit limit
 * stands in for max_entries, which that map type has not; a full map is counted in
 * losses.map_full, and an entry is removed at tcp:tcp_destroy_sock. */
__s64 n_conns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} events SEC(".maps");

/* One entry per listening socket on a traced port: the process that called listen(), or for a
 * listener older than the trace, the first process userspace found holding it
 * (listener_owners.c writes the entry through a copy of that process's descriptor). With
 * BPF_F_CLONE the kernel copies the entry to each connection the listener accepts, before the
 * new socket's first state change: a passive open, which runs in softirq, knows its process
 * there and then, with nothing run per message. That is the process that owns the listener;
 * a server that hands accepted sockets to workers (Kamailio's tcp_main and TCP workers) is
 * credited to the listener's owner, not to the worker. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct sock_owner);
} listeners SEC(".maps");

static void conn_forget(const struct sock *sk)
{
	if (!bpf_sk_storage_delete(&conns, (struct sock *)sk))
		__sync_fetch_and_add(&n_conns, -1);
}

static bool sock_in_cgroup(const struct sock *sk)
{
	struct cgroup *cgrp, *ancestor;
	int level;

	if (!filter_cgroup_id)
		return true;
	cgrp = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
	if (!cgrp)
		return false;
	level = BPF_CORE_READ(cgrp, level);
	for (int i = 0; i < MAX_CGROUP_DEPTH; i++) {
		if (i > level)
			break;
		if (bpf_core_read(&ancestor, sizeof(ancestor), &cgrp->ancestors[i]))
			return false;
		if (BPF_CORE_READ(ancestor, kn, id) == filter_cgroup_id)
			return true;
	}
	return false;
}

/* The socket's TCP fields. Every socket pointer here is a BTF pointer (tp_btf arguments), so fields
 * are read with plain loads: a BPF_CORE_READ is a helper call each, and a state change read about
 * twenty. NULL for a socket that is not TCP. */
static __always_inline const struct tcp_sock *tcp_of(const struct sock *sk)
{
	return bpf_skc_to_tcp_sock((struct sock *)sk);
}

/* Everything but the pid, which only process context knows. */
static bool sock_is_traced(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	if (family != AF_INET && family != AF_INET6)
		return false;
	if (sk->sk_protocol != IPPROTO_TCP)
		return false;
	if (!port_traced(sk->__sk_common.skc_num) && !net_port_traced(sk->__sk_common.skc_dport))
		return false;
	if (filter_netns && sk->__sk_common.skc_net.net->ns.inum != filter_netns)
		return false;
	return sock_in_cgroup(sk);
}

static void conn_read_addrs(struct sock_conn *conn, const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_of(sk);
	__u16 lport = tp ? bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport) : 0;

	/* inet_sport is set once connect() has picked a port; before that skc_num may be. */
	if (!lport)
		lport = sk->__sk_common.skc_num;
	if (lport)
		conn->lport = lport;
	conn->rport = port_from_net(sk->__sk_common.skc_dport);
	if (conn->family == AF_INET) {
		*(__u32 *)conn->laddr = sk->__sk_common.skc_rcv_saddr;
		*(__u32 *)conn->raddr = sk->__sk_common.skc_daddr;
	} else {
		*(struct in6_addr *)conn->laddr = sk->__sk_common.skc_v6_rcv_saddr;
		*(struct in6_addr *)conn->raddr = sk->__sk_common.skc_v6_daddr;
	}
}

static void conn_read_counters(struct sock_conn *conn, const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_of(sk);

	if (!tp)
		return;
	/* Payload only: bytes_sent counts retransmitted bytes again, and bytes_received
	 * (rcv_nxt's advance) counts the peer's FIN, which tcp_fin() marks with SOCK_DONE. */
	conn->bytes_sent = tp->bytes_sent - tp->bytes_retrans;
	conn->bytes_received = tp->bytes_received;
	if ((sk->__sk_common.skc_flags & (1UL << SOCK_DONE)) && conn->bytes_received)
		conn->bytes_received--;
	conn->retransmits = tp->total_retrans;
}

static void conn_set_process(struct sock_conn *conn)
{
	conn->pid = task_tgid();
	bpf_get_current_comm(conn->comm, sizeof(conn->comm));
}

static bool conn_emit(const struct sock_conn *conn, __u32 type)
{
	struct sock_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		__sync_fetch_and_add(type == SOCK_EV_OPEN    ? &losses.ringbuf_open
				     : type == SOCK_EV_CLOSE ? &losses.ringbuf_close
							     : &losses.ringbuf_end,
				     1);
		return false;
	}
	ev->type = type;
	ev->pad = 0;
	ev->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(&ev->conn, conn, sizeof(*conn));
	/* Waking the reader per record costs more than the record on a busy host; the reader
	 * polls every 100 ms anyway, so wake it only when the buffer is filling up. */
	bpf_ringbuf_submit(ev, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > WAKEUP_BYTES
				   ? BPF_RB_FORCE_WAKEUP
				   : BPF_RB_NO_WAKEUP);
	return true;
}

/* conn_close, as soon as the first close of an established connection is known. A passive
 * socket whose process is not known yet waits for it (passive_attribute) or for its end; a record
 * the ring buffer had no room for is sent with the conn_end (the JSON side inserts a conn_close
 * before the conn_end of an established connection that lacks one). */
static void conn_report_close(struct sock_conn *conn)
{
	if ((conn->flags & (SOCK_F_CLOSE_REPORTED | SOCK_F_END_REPORTED)) ||
	    !(conn->flags & SOCK_F_ESTABLISHED) || conn->how <= SOCK_HOW_PENDING)
		return;
	if (conn->direction == SOCK_DIR_IN && !conn->attributed)
		return;
	/* A connection older than the trace gets its conn_open with this record. */
	if (conn_emit(conn, SOCK_EV_CLOSE))
		conn->flags |= SOCK_F_CLOSE_REPORTED | SOCK_F_OPEN_REPORTED;
}

static __always_inline __u64 jiffy_ns(void)
{
	return kernel_hz ? NSEC_PER_SEC / kernel_hz : 0;
}

/* A TLS close_notify (RFC 8446 §6.1, RFC 5246 §7.2.1) is data to TCP, but it belongs to the
 * close, not to the traffic: an idle timer that fires makes Kamailio send it just before its
 * FIN, which would make every idle close look 0 s idle. When the last data before the close
 * was a record no bigger than an alert, sent or read just before, or still unread behind the
 * peer's FIN (and maybe answering this host's own close_notify), returns the time (jiffies)
 * of the data before it (0: not the case, or not known). */
static __u64 conn_data_before_alert_j(const struct sock_conn *conn, const struct sock *sk,
				      const struct tcp_sock *tp, __u64 now_j)
{
	__u32 unread = 0, sent_j;

	if (!sock_io_timed(sk->__sk_common.skc_num, port_from_net(sk->__sk_common.skc_dport)))
		return 0;
	/* The peer's FIN arrived (tcp_fin sets SOCK_DONE; rcv_nxt counts the FIN): the
	 * application may not have read the alert before it yet. */
	if (sk->__sk_common.skc_flags & (1UL << SOCK_DONE))
		unread = tp->rcv_nxt - tp->copied_seq - 1;
	if (unread > 0 && unread <= TLS_ALERT_RECORD_MAX) {
		/* Nothing timed yet (the port was marked TLS after the traffic): this host's own
		 * last send is the bound left on the silence before the alert. */
		if (!conn->last_io_jiffies) {
			sent_j = tp->lsndtime;
			return sent_j ? jiffies64_from32(sent_j, now_j) : 0;
		}
		/* the peer answered this host's own close_notify with its own and FIN'd first */
		if (conn->last_io_bytes <= TLS_ALERT_RECORD_MAX &&
		    now_j - conn->last_io_jiffies < close_notify_window_j())
			return conn->prev_io_jiffies;
		return conn->last_io_jiffies;
	}
	if (!unread && conn->last_io_jiffies && conn->last_io_bytes <= TLS_ALERT_RECORD_MAX &&
	    now_j - conn->last_io_jiffies < close_notify_window_j())
		return conn->prev_io_jiffies;
	return 0;
}

/* How long neither side had sent data: the kernel's own last-data times, in jiffies. */
static __u64 conn_idle_ns(const struct sock_conn *conn, const struct sock *sk, __u64 now_ns)
{
	const struct tcp_sock *tp = tcp_of(sk);
	__u64 now_j = bpf_jiffies64(), data_j;
	__u32 sent_j, recv_j, last_j;

	if (!(conn->flags & SOCK_F_ESTABLISHED) || !tp)
		return conn->open_ts_ns ? now_ns - conn->open_ts_ns : 0;
	data_j = conn_data_before_alert_j(conn, sk, tp, now_j);
	if (data_j)
		return (now_j - data_j) * jiffy_ns();
	sent_j = tp->lsndtime;
	recv_j = tp->inet_conn.icsk_ack.lrcvtime;
	last_j = (__s32)(sent_j - recv_j) > 0 ? sent_j : recv_j;
	return (__u64)(__u32)((__u32)now_j - last_j) * jiffy_ns();
}

static void conn_first_close(struct sock_conn *conn, const struct sock *sk, __u8 closed_by,
			     __u8 how)
{
	__u64 now_ns = bpf_ktime_get_ns();

	if (conn->how != SOCK_HOW_OPEN && conn->how != SOCK_HOW_PENDING)
		return;
	/* A CLOSE without a cause is followed by the reset it sends (tcp_disconnect sets the
	 * state before tcp_send_active_reset): keep its time, take the cause. */
	if (conn->how == SOCK_HOW_OPEN) {
		conn->first_close_ts_ns = now_ns;
		conn->idle_ns = conn_idle_ns(conn, sk, now_ns);
		/* bytes so far, for the conn_close */
		conn_read_counters(conn, sk);
	}
	conn->closed_by = closed_by;
	conn->how = how;
	conn_report_close(conn);
}

/* At destroy, a CLOSE that no FIN or reset explained gets its cause from the socket error. */
static void conn_resolve_end(struct sock_conn *conn)
{
	bool established = conn->flags & SOCK_F_ESTABLISHED;

	if (conn->how != SOCK_HOW_PENDING)
		return;
	if (conn->sk_err == ETIMEDOUT) {
		conn->how = SOCK_HOW_TIMEOUT;
		conn->closed_by = SOCK_CLOSED_BY_NONE;
	} else if (!established && conn->sk_err) {
		/* ECONNREFUSED, or an ICMP error such as EHOSTUNREACH: the network said no. */
		conn->how = SOCK_HOW_REFUSED;
		conn->closed_by =
		    conn->sk_err == ECONNREFUSED ? SOCK_CLOSED_BY_PEER : SOCK_CLOSED_BY_NONE;
	} else if (!established) {
		/* The application gave up on connect() (its own connect timeout). */
		conn->how = SOCK_HOW_TIMEOUT;
		conn->closed_by = SOCK_CLOSED_BY_LOCAL;
	} else {
		/* Aborted without a reset being traced (tcp_abort, reset not sent). */
		conn->how = SOCK_HOW_RST_OUT;
		conn->closed_by = SOCK_CLOSED_BY_LOCAL;
	}
}

static struct sock_conn *conn_start(const struct sock *sk, __u8 direction)
{
	struct sock_conn conn = {}, *stored;

	conn.cookie = bpf_get_socket_cookie((void *)sk);
	conn.family = sk->__sk_common.skc_family;
	conn.netns = sk->__sk_common.skc_net.net->ns.inum;
	conn.direction = direction;
	if (direction == SOCK_DIR_UNKNOWN) {
		/* its conn_open goes out with its first record (conn_close or conn_end) */
		conn.flags = SOCK_F_BEFORE_TRACE | SOCK_F_ESTABLISHED;
	} else {
		conn.open_ts_ns = bpf_ktime_get_ns();
		/* connect() runs in the connecting process; a passive open runs in softirq and
		 * gets its listener's (conn_credit). */
		if (direction == SOCK_DIR_OUT)
			conn_set_process(&conn);
	}
	conn_read_addrs(&conn, sk);
	stored =
	    __sync_fetch_and_add(&n_conns, 1) < SOCK_MAX_CONNS
		? bpf_sk_storage_get(&conns, (struct sock *)sk, &conn, BPF_SK_STORAGE_GET_F_CREATE)
		: NULL;
	if (!stored) {
		__sync_fetch_and_add(&n_conns, -1);
		__sync_fetch_and_add(&losses.map_full, 1);
	}
	return stored;
}

/* conn_end, once per socket. A passive socket whose process stayed unknown gets pid null (and with
 * a pid filter, no events at all: whose it was is unknown). */
static void conn_report_end(struct sock_conn *conn)
{
	if (conn->flags & SOCK_F_END_REPORTED)
		return;
	conn->flags |= SOCK_F_END_REPORTED;
	if (conn->direction == SOCK_DIR_IN &&
	    __sync_val_compare_and_swap(&conn->attributed, 0, 1) == 0)
		conn->flags |= SOCK_F_PROCESS_UNKNOWN;
	if ((conn->flags & SOCK_F_PROCESS_UNKNOWN) && filter_pid)
		return;
	conn_resolve_end(conn);
	conn_emit(conn, SOCK_EV_END);
}

/* Is the socket destroyed within the kernel call that moved it to TCP_CLOSE? Yes for an
 * orphan (tcp_done destroys it) and during the last close() of its file (__fput has dropped
 * the last reference; tcp_close destroys a closed socket before it returns, after the reset
 * and the error an abort adds). No while a process still holds the file: then the socket
 * lives on in TCP_CLOSE until the last holder closes it, which can be much later. Seen in the
 * lab with Kamailio: tcp_main closes an idle connection with shutdown() + close(), but its SIP
 * worker processes keep their own copies of the fd (Kamailio's TCP fd cache, filled when a
 * worker sends on a connection or opens one), so the socket is destroyed only when a worker
 * drops its cached fd, at the latest when it exits. A socket with no file (not accepted yet,
 * or a kernel socket) is not destroyed now either. */
static bool sock_destroyed_now(const struct sock *sk)
{
	struct socket *sock;
	struct file *file;

	if (sk->__sk_common.skc_flags & (1UL << SOCK_DEAD))
		return true;
	sock = sk->sk_socket;
	file = sock ? sock->file : NULL;
	if (!file)
		return false;
	/* file_ref_t (6.13+) stores references - 1: negative once the last one is gone. */
	if (bpf_core_field_exists(file->f_ref))
		return BPF_CORE_READ(file, f_ref.refcnt.counter) < 0;
	return BPF_CORE_READ((struct file___f_count *)file, f_count.counter) <= 0;
}

/* The owner of the listener that accepted SK: the kernel copied the listener's entry to SK
 * (BPF_F_CLONE). NULL when its listener had none (the entry could not be made), or had one
 * not filled in yet when the kernel copied it. */
static __always_inline struct sock_owner *listener_owner(const struct sock *sk)
{
	struct sock_owner *owner = bpf_sk_storage_get(&listeners, (struct sock *)sk, NULL, 0);

	return owner && owner->pid ? owner : NULL;
}

static void conn_credit(struct sock_conn *conn, const struct sock_owner *owner)
{
	conn->pid = owner->pid;
	__builtin_memcpy(conn->comm, owner->comm, sizeof(conn->comm));
	conn->attributed = 1;
}

/* Records who owns a listening socket on a traced port: listen() runs in its process. */
static void listener_note(const struct sock *sk)
{
	struct sock_owner *owner =
	    bpf_sk_storage_get(&listeners, (struct sock *)sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);

	if (!owner)
		return; /* its connections are credited at their close (passive_attribute) */
	owner->pid = task_tgid();
	bpf_get_current_comm(owner->comm, sizeof(owner->comm));
}

/* A passive socket whose listener had no owner recorded: credited to the process that
 * closes it (close() and shutdown() run in the owning process). No tracepoint fires in
 * accept() with the new socket, and the syscall tracepoints would slow every syscall on the
 * host. */
static void passive_attribute(const struct sock *sk)
{
	struct sock_conn *conn = conn_of(sk);

	if (!conn || conn->direction != SOCK_DIR_IN)
		return;
	if (__sync_val_compare_and_swap(&conn->attributed, 0, 1) != 0)
		return;
	if (filter_pid && task_tgid() != filter_pid) {
		conn_forget(sk);
		return;
	}
	conn_set_process(conn);
	conn->flags |= SOCK_F_OPEN_REPORTED;
	conn_emit(conn, SOCK_EV_OPEN);
	/* the peer may have closed before this process closed the socket */
	conn_report_close(conn);
}

static struct sock_conn *conn_first_seen(const struct sock *sk, int oldstate, int newstate)
{
	struct sock_owner *owner;
	struct sock_conn *conn;

	if (!sock_is_traced(sk))
		return NULL;
	if (newstate == TCP_LISTEN) {
		listener_note(sk);
		return NULL;
	}
	if (newstate == TCP_SYN_SENT) {
		if (filter_pid && task_tgid() != filter_pid)
			return NULL;
		return conn_start(sk, SOCK_DIR_OUT);
	}
	/* A passive open: its child socket enters SYN_RECV; should that change not be seen,
	 * SYN_RECV -> ESTABLISHED still names it. */
	if (newstate == TCP_SYN_RECV || (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED)) {
		owner = listener_owner(sk);
		if (filter_pid && owner && owner->pid != filter_pid)
			return NULL;
		conn = conn_start(sk, SOCK_DIR_IN);
		if (conn && owner)
			conn_credit(conn, owner);
		return conn;
	}
	/* A connection older than this trace, ending now: still worth its conn_end. */
	if (oldstate == TCP_ESTABLISHED && !filter_pid)
		return conn_start(sk, SOCK_DIR_UNKNOWN);
	return NULL;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct sock_conn *conn = conn_of(sk);

	/* A socket connecting again after its connection ended (connect(AF_UNSPEC), then
	 * connect()): the new connection is a new entry. */
	if (conn && newstate == TCP_SYN_SENT) {
		conn_report_end(conn);
		conn_forget(sk);
		conn = NULL;
	}
	if (!conn) {
		conn = conn_first_seen(sk, oldstate, newstate);
		if (!conn)
			return 0;
	}
	conn_read_addrs(conn, sk);
	switch (newstate) {
	case TCP_ESTABLISHED:
		conn->flags |= SOCK_F_ESTABLISHED;
		/* Up to 6.12 a passive socket enters SYN_RECV inside inet_csk_clone_lock(), before
		 * the kernel sets its cookie from the request socket's: the cookie taken then is
		 * overwritten, and the libssl probe would find another one. */
		if (conn->direction == SOCK_DIR_IN)
			conn->cookie = bpf_get_socket_cookie((void *)sk);
		if (conn->direction == SOCK_DIR_OUT || conn->attributed) {
			conn->flags |= SOCK_F_OPEN_REPORTED;
			conn_emit(conn, SOCK_EV_OPEN);
		}
		break;
	case TCP_FIN_WAIT1:
		conn_first_close(conn, sk, SOCK_CLOSED_BY_LOCAL, SOCK_HOW_FIN);
		passive_attribute(sk);
		break;
	case TCP_CLOSE_WAIT:
		conn_first_close(conn, sk, SOCK_CLOSED_BY_PEER, SOCK_HOW_FIN);
		break;
	case TCP_LAST_ACK:
		/* The owner's close() after the peer's FIN: process context too. */
		passive_attribute(sk);
		break;
	case TCP_CLOSE:
		if (!conn->sk_err)
			conn->sk_err = sk->sk_err;
		conn_first_close(conn, sk, SOCK_CLOSED_BY_NONE, SOCK_HOW_PENDING);
		conn->end_ts_ns = bpf_ktime_get_ns();
		/* Counters now: tcp_disconnect() (SO_LINGER 0) zeroes them right after. */
		conn_read_counters(conn, sk);
		/* The connection is over. When the socket is destroyed in this same call, wait
		 * for tcp:tcp_destroy_sock, which comes after the reset and the socket error of
		 * an abort; otherwise report now rather than when the last holder lets go. */
		if (!sock_destroyed_now(sk))
			conn_report_end(conn);
		break;
	}
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(on_send_reset, const struct sock *sk, const struct sk_buff *skb, int reason)
{
	struct sock_conn *conn;

	if (!sk)
		return 0;
	conn = conn_of(sk);
	if (!conn)
		return 0;
	conn->flags |= SOCK_F_RST_SENT;
	conn_first_close(conn, sk, SOCK_CLOSED_BY_LOCAL, SOCK_HOW_RST_OUT);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(on_receive_reset, struct sock *sk)
{
	struct sock_conn *conn = conn_of(sk);

	if (!conn)
		return 0;
	conn->flags |= SOCK_F_RST_RECEIVED;
	conn_first_close(conn, sk, SOCK_CLOSED_BY_PEER,
			 conn->flags & SOCK_F_ESTABLISHED ? SOCK_HOW_RST_IN : SOCK_HOW_REFUSED);
	return 0;
}

SEC("tp_btf/inet_sk_error_report")
int BPF_PROG(on_error_report, const struct sock *sk)
{
	struct sock_conn *conn = conn_of(sk);

	if (conn && !conn->sk_err)
		conn->sk_err = sk->sk_err;
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(on_destroy_sock, struct sock *sk)
{
	struct sock_conn *conn = conn_of(sk);

	if (!conn)
		return 0;
	conn_report_end(conn);
	conn_forget(sk);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_send_length, struct sock *sk, int ret, int flags)
{
	conn_note_send(sk, ret);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_recv_length, struct sock *sk, int ret, int flags)
{
	conn_note_recv(sk, ret, flags);
	return 0;
}
