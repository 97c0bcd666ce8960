/* The close_notify idle rule's timing of TLS sockets' sends and receives (conn_note_send,
 * conn_note_recv), in the socket tracer's socket storage (conns). Included by the socket
 * tracer, whose own send/receive programs call them, and by the libssl probe, whose programs
 * on the same two tracepoints call them in their place when userspace shares the tracer's
 * conns and tls_ports maps with it (bpf_map__reuse_fd before load): one program per
 * tracepoint instead of two. */
#ifndef SIPTRAIL_BPF_CONN_IO_H
#define SIPTRAIL_BPF_CONN_IO_H

#include "sock_events.h"
#include "tls_ports.h"
#include "traced_ports.h"

#define MSG_PEEK 2
/* The largest TLS alert record: 5 header + 2 alert + 8 explicit nonce + 16 tag (TLS 1.2
 * AES-GCM); TLS 1.3 (RFC 8446 §5.2) adds 1 content type byte but no nonce: 24. */
#define TLS_ALERT_RECORD_MAX 31
/* A TLS record's header (RFC 8446 §5.1, RFC 5246 §6.2.1): type, version, length. */
#define TLS_RECORD_HEADER 5

/* The kernel's HZ, for jiffies (tcp_sock's last-data times, the I/O stamps below). From
 * userspace (kernel_facts.h), not a __kconfig extern: libbpf needs a kernel config file for
 * those, and many hosts have none. */
const volatile __u32 kernel_hz = 250;
/* Time sends and receives only on ports marked in tls_ports (a marker runs); else on all. */
const volatile bool io_on_tls_ports_only = false;

/* One entry per traced socket, stored with the socket itself (socket-local storage): the
 * send and receive hooks find it with a pointer walk instead of hashing, and it dies with the
 * socket, so a new socket at a freed socket's address never inherits its entry. The socket
 * tracer creates and removes the entries; the libssl probe only updates their I/O times. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_conn);
} conns SEC(".maps");

static __always_inline struct sock_conn *conn_of(const struct sock *sk)
{
	return bpf_sk_storage_get(&conns, (struct sock *)sk, NULL, 0);
}

/* Are this socket's sends and receives timed (the close_notify rule)? On TLS ports only,
 * when something marks them (tls_ports.h). */
static __always_inline bool sock_io_timed(__u16 lport, __u16 rport)
{
	return !io_on_tls_ports_only || tls_port_marked(lport) || tls_port_marked(rport);
}

/* Half a second: an alert this close to the data before it belongs to the close. */
static __always_inline __u64 close_notify_window_j(void)
{
	return kernel_hz / 2;
}

/* A 32-bit jiffies stamp of the kernel's (tcp_jiffies32) as jiffies64, NOW_J being later. */
static __always_inline __u64 jiffies64_from32(__u32 stamp, __u64 now_j)
{
	return now_j - (__u32)((__u32)now_j - stamp);
}

/* A socket's first timed call (its port was marked TLS after it opened, or it is older than
 * the trace): the kernel's time of the last data the other way, which this call has not
 * overwritten, stands in for the call before it, so a close_notify right away still finds
 * the silence before it. */
static void conn_io_seed(struct sock_conn *conn, const struct sock *sk, bool is_send, __u64 now_j)
{
	const struct tcp_sock *tp = bpf_skc_to_tcp_sock((struct sock *)sk);
	__u32 other_j = !tp ? 0 : is_send ? tp->inet_conn.icsk_ack.lrcvtime : tp->lsndtime;

	if (!other_j)
		return;
	conn->last_io_jiffies = jiffies64_from32(other_j, now_j);
	conn->last_io_bytes = TLS_ALERT_RECORD_MAX + 1;
}

/* The last two send or receive calls that moved data on a traced socket of a TLS port (a
 * burst of alert-sized records counts once): one socket-storage lookup per call, what it
 * costs to tell a close_notify from the traffic before it (conn_idle_ns in sockets.bpf.c). In
 * jiffies, like the kernel's own last-data times: on a VM bpf_ktime_get_ns() costs about
 * 100 ns, more than the rest of the program (measured with BPF_ENABLE_STATS, kvm-clock). */
static void conn_note_io(const struct sock *sk, int bytes, bool is_send)
{
	struct sock_conn *conn;
	__u64 now_j;

	if (bytes <= 0)
		return;
	if (!sock_io_timed(sk->__sk_common.skc_num, port_from_net(sk->__sk_common.skc_dport)))
		return;
	conn = conn_of(sk);
	if (!conn)
		return;
	now_j = bpf_jiffies64();
	if (!conn->last_io_jiffies)
		conn_io_seed(conn, sk, is_send, now_j);
	/* the two ends' close_notify records come together: prev stays the data before them */
	if (!(bytes <= TLS_ALERT_RECORD_MAX && conn->last_io_bytes <= TLS_ALERT_RECORD_MAX &&
	      now_j - conn->last_io_jiffies < close_notify_window_j()))
		conn->prev_io_jiffies = conn->last_io_jiffies;
	conn->last_io_jiffies = now_j;
	conn->last_io_bytes = bytes;
}

/* tp_btf/sock_send_length's arguments. */
static __always_inline void conn_note_send(const struct sock *sk, int ret)
{
	conn_note_io(sk, ret, true);
}

/* tp_btf/sock_recv_length's arguments. MSG_PEEK moves nothing. A read of a record's header
 * alone is half of OpenSSL's two reads per record (header, then body): the body's read times
 * the record, and its size tells an alert from data, so the header's is skipped before the
 * socket's storage is looked up: what the close reads comes out the same, with one lookup
 * per record instead of two. */
static __always_inline void conn_note_recv(const struct sock *sk, int ret, int flags)
{
	if (!(flags & MSG_PEEK) && ret != TLS_RECORD_HEADER)
		conn_note_io(sk, ret, false);
}

#endif
