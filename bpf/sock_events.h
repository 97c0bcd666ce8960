/* TCP socket lifetime records: the one header shared by bpf/sockets.bpf.c and userspace/.
 * The kernel keeps one struct sock_conn per traced socket and copies it into a struct
 * sock_event when the connection opens, when it is first closed and when it ends. */
#ifndef SIPTRAIL_SOCK_EVENTS_H
#define SIPTRAIL_SOCK_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SOCK_COMM_LEN 16

enum sock_event_type {
	SOCK_EV_OPEN = 1, /* the connection is known: conn_open */
	SOCK_EV_END = 2,  /* the connection is over (see sockets.bpf.c conn_report_end): conn_end */
	SOCK_EV_CLOSE = 3, /* an established connection was first closed: conn_close */
	/* Made by userspace, not the kernel: the socket is gone, but no tracepoint reported its
	 * end (see docs/live.md); the last record's state, as a conn_end marked end_unseen. */
	SOCK_EV_END_UNSEEN = 4,
};

enum sock_direction {
	SOCK_DIR_UNKNOWN = 0, /* opened before tracing started */
	SOCK_DIR_OUT = 1,     /* active open: this host connected (TLS client) */
	SOCK_DIR_IN = 2,      /* passive open: this host accepted (TLS server) */
};

enum sock_closed_by {
	SOCK_CLOSED_BY_NONE = 0,
	SOCK_CLOSED_BY_LOCAL = 1,
	SOCK_CLOSED_BY_PEER = 2,
};

enum sock_how {
	SOCK_HOW_OPEN = 0,    /* not closed yet */
	SOCK_HOW_PENDING = 1, /* went to CLOSE without a known cause yet; resolved at destroy */
	SOCK_HOW_FIN = 2,
	SOCK_HOW_RST_IN = 3,
	SOCK_HOW_RST_OUT = 4,
	SOCK_HOW_REFUSED = 5,
	SOCK_HOW_TIMEOUT = 6,
};

enum sock_conn_flags {
	SOCK_F_ESTABLISHED = 1 << 0,	 /* reached ESTABLISHED at some point */
	SOCK_F_OPEN_REPORTED = 1 << 1,	 /* a SOCK_EV_OPEN left the kernel */
	SOCK_F_BEFORE_TRACE = 1 << 2,	 /* first seen mid-life: open time and direction unknown */
	SOCK_F_RST_SENT = 1 << 3,	 /* tcp:tcp_send_reset on this socket */
	SOCK_F_RST_RECEIVED = 1 << 4,	 /* tcp:tcp_receive_reset on this socket */
	SOCK_F_PROCESS_UNKNOWN = 1 << 5, /* passive socket whose process never became known */
	SOCK_F_CLOSE_REPORTED = 1 << 6,	 /* a SOCK_EV_CLOSE left the kernel */
	SOCK_F_END_REPORTED = 1 << 7,	 /* a SOCK_EV_END left (or was dropped); wait for destroy */
};

/* One traced socket. Times are CLOCK_MONOTONIC ns (bpf_ktime_get_ns); 0 = unknown or none. */
struct sock_conn {
	__u64 cookie; /* bpf_get_socket_cookie(): the journal's "conn" */
	__u64 open_ts_ns;
	__u64 first_close_ts_ns;
	__u64 end_ts_ns;       /* the transition to TCP_CLOSE */
	__u64 idle_ns;	       /* no data either way for this long when the first side closed */
	__u64 bytes_sent;      /* payload bytes sent, retransmissions counted once */
	__u64 bytes_received;  /* payload bytes received */
	__u64 attributed;      /* passive: a process has been credited (64-bit for cmpxchg) */
	__u64 last_io_jiffies; /* the last send or receive call that moved data */
	__u64 prev_io_jiffies; /* the one before it */
	__u32 last_io_bytes;   /* bytes moved by the last one */
	__u32 pad;
	__u32 retransmits; /* tcp_sock.total_retrans */
	__u32 pid;	   /* tgid in siptrail's PID namespace (task_pid.h); 0 when unknown */
	__u32 netns;	   /* inode number of the socket's network namespace */
	__s32 sk_err;	   /* first socket error (positive errno), 0 if none */
	__u16 family;	   /* AF_INET or AF_INET6 */
	__u16 lport;	   /* host order */
	__u16 rport;
	__u8 direction; /* enum sock_direction */
	__u8 closed_by; /* enum sock_closed_by */
	__u8 how;	/* enum sock_how */
	__u8 flags;	/* enum sock_conn_flags */
	__u8 laddr[16]; /* network order; IPv4 in the first 4 bytes */
	__u8 raddr[16];
	char comm[SOCK_COMM_LEN];
};

struct sock_event {
	__u32 type; /* enum sock_event_type */
	__u32 pad;
	__u64 ts_ns; /* when the kernel sent this record */
	struct sock_conn conn;
};

/* The process a listening socket on a traced port belongs to: the value of the listeners
 * socket storage, written by the kernel at listen() and by userspace for older listeners. */
struct sock_owner {
	__u32 pid; /* tgid in siptrail's PID namespace (task_pid.h) */
	char comm[SOCK_COMM_LEN];
};

/* Counters of what the kernel could not report, read from the .bss of the object. */
struct sock_losses {
	__u64 ringbuf_open; /* SOCK_EV_OPEN records dropped: ring buffer full */
	__u64 ringbuf_end;  /* SOCK_EV_END records dropped: ring buffer full */
	__u64 map_full;	    /* sockets not traced at all: connection map full */
	/* SOCK_EV_CLOSE records that found the ring buffer full: not lost, the conn_close is
	 * sent with the conn_end instead, late. */
	__u64 ringbuf_close;
	/* Filled in by userspace, not the kernel: tracepoint calls the kernel skipped because
	 * the same program was already running on that CPU (bpf_prog_info.recursion_misses). */
	__u64 skipped;
	/* Filled in by userspace: ends it sent itself (SOCK_EV_END_UNSEEN). */
	__u64 ends_unseen;
};

#endif
