/* TLS-library events (uprobes on libssl): the one header shared by bpf/ssl.bpf.c and
 * userspace/. Every event starts with struct ssl_event_head; its type says which struct it is. */
#ifndef SIPTRAIL_SSL_EVENTS_H
#define SIPTRAIL_SSL_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Plaintext captured per SSL_read/SSL_write call: one TLS record's worth (RFC 8446 §5.1:
 * a record carries at most 2^14 bytes), enough for any ordinary SIP message. */
#define SSL_DATA_MAX 16384
#define SSL_COMM_LEN 16

enum ssl_event_type {
	SSL_EVENT_HANDSHAKE_BEGIN = 1,
	SSL_EVENT_HANDSHAKE_END = 2,
	SSL_EVENT_DATA = 3,
	SSL_EVENT_VERIFY = 4, /* SSL_get_verify_result() != X509_V_OK after the handshake */
	/* For the probe itself, not an event: a process in scope uses libssl, attach the socket
	 * send/receive programs (a bare struct ssl_event_head, sent once). */
	SSL_EVENT_IO_HOOKS_WANTED = 5,
	SSL_EVENT_SECRETS = 6, /* a handshake's secrets, read from the SSL object at its end */
};

enum ssl_role {
	SSL_ROLE_UNKNOWN = 0,
	SSL_ROLE_CLIENT = 1,
	SSL_ROLE_SERVER = 2,
};

/* How the SSL object was tied to its socket. */
enum ssl_bind_source {
	SSL_BIND_NONE = 0,
	SSL_BIND_IN_CALL = 1,	  /* socket I/O inside the SSL call: SSL_set_fd, socket BIO */
	SSL_BIND_RECV_BEFORE = 2, /* memory BIO: recv on this thread, then the SSL call */
	SSL_BIND_SEND_AFTER = 3,  /* memory BIO: the SSL call, then send on this thread */
};

/* Which call ended a handshake. */
enum ssl_hs_end_by {
	SSL_HS_END_RETURN = 1,	  /* the SSL call's return value (and errors raised inside it) */
	SSL_HS_END_GET_ERROR = 2, /* SSL_get_error() said SSL_ERROR_SSL/SYSCALL/ZERO_RETURN */
	SSL_HS_END_FREE = 3,	  /* SSL_free() while the handshake was still running */
};

enum ssl_data_dir {
	SSL_DIR_IN = 1,	 /* SSL_read/SSL_read_ex: received by this host */
	SSL_DIR_OUT = 2, /* SSL_write/SSL_write_ex: sent by this host */
};

struct ssl_conn {
	__u64 cookie; /* socket cookie; 0 = not mapped yet */
	__u8 laddr[16];
	__u8 raddr[16];	  /* IPv4 in the first 4 bytes */
	__u16 family;	  /* AF_INET or AF_INET6 */
	__u16 lport;	  /* host order */
	__u16 rport;	  /* host order */
	__u8 traced;	  /* one of the ports matches the filter */
	__u8 bind_source; /* enum ssl_bind_source */
};

struct ssl_event_head {
	__u32 type; /* enum ssl_event_type */
	__u32 pid;
	__u32 tid;
	__u32 netns;
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 ssl;   /* the SSL* value in the traced process */
	struct ssl_conn conn;
	char comm[SSL_COMM_LEN];
};

/* An OpenSSL error as raised by ERR_vset_error(lib, reason, ...); lib 0 = none. */
struct ssl_err {
	__s32 lib;
	__s32 reason;
};

struct ssl_handshake_event {
	struct ssl_event_head head;
	__u64 start_ns;	      /* first handshake call on this SSL object */
	__s64 verify_result;  /* X509 verify result, -1 when the peer chain was not verified */
	struct ssl_err err;   /* last error of the SSL library (ERR_LIB_SSL) in the failing call */
	struct ssl_err other; /* first system error (ERR_LIB_SYS, errno) in that call */
	__s32 ret;	      /* return value of the call that ended the handshake */
	__s32 ssl_error;      /* SSL_get_error() value, -1 when not called */
	__u8 role;	      /* enum ssl_role */
	__u8 ok;
	__u8 end_by;	      /* enum ssl_hs_end_by; 0 on a begin event */
	__u8 after_handshake; /* a failure after the handshake call had returned success */
};

struct ssl_data_event {
	struct ssl_event_head head;
	__u32 total_len; /* bytes the call read or wrote */
	__u32 len;	 /* bytes captured in data[], at most SSL_DATA_MAX */
	__u8 dir;	 /* enum ssl_data_dir */
	__u8 truncated;	 /* total_len > len */
	__u8 pad[6];
	__u8 data[SSL_DATA_MAX];
};

struct ssl_verify_event {
	struct ssl_event_head head;
	__s64 verify_result;
};

#define SSL_RANDOM_LEN	   32
#define SSL_MASTER_KEY_LEN 48 /* TLS 1.2 master secret (RFC 5246 §8.1) */
#define SSL_SECRET_MAX	   64 /* EVP_MAX_MD_SIZE: a TLS 1.3 secret is its hash's length */

/* What a secrets event carries (bits of ssl_secrets_event.read). */
enum ssl_secrets_read {
	SSL_SECRETS_RANDOM = 1,
	SSL_SECRETS_MASTER_KEY = 2,
	SSL_SECRETS_APP = 4, /* client and server application traffic secrets */
	SSL_SECRETS_HS = 8,  /* client and server handshake traffic secrets */
};

/* Read where userspace found OpenSSL keeps them (userspace/sources/ssl_secret_offsets.h). The
 * TLS 1.3 secrets are read at their full buffer size: OpenSSL copies only the hash's length
 * into a zeroed object, so userspace tells 32 from 48 bytes by the zero tail. */
struct ssl_secrets_event {
	struct ssl_event_head head;
	__u8 client_random[SSL_RANDOM_LEN];
	__u8 master_key[SSL_MASTER_KEY_LEN];
	__u8 client_app[SSL_SECRET_MAX];
	__u8 server_app[SSL_SECRET_MAX];
	__u8 client_hs[SSL_SECRET_MAX];
	__u8 server_hs[SSL_SECRET_MAX];
	__u8 read; /* enum ssl_secrets_read bits */
	__u8 role; /* enum ssl_role */
	__u8 pad[6];
};

/* Counters in the "stats" map, index = enum ssl_stat. */
enum ssl_stat {
	SSL_STAT_RINGBUF_FULL = 0, /* events lost because the ring buffer was full */
	SSL_STAT_UNMAPPED = 1,	   /* events dropped: SSL object not mapped to a socket */
	SSL_STAT_MAX = 2,
};

#endif
