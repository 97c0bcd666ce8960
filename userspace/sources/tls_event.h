/* Normalized TLS-library events, as delivered by ssl_probe to its caller. */
#ifndef SIPTRAIL_TLS_EVENT_H
#define SIPTRAIL_TLS_EVENT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "ssl_events.h"
#include "tls_keylog.h"

enum tls_event_kind {
	TLS_EVENT_HANDSHAKE_BEGIN,
	TLS_EVENT_HANDSHAKE_END,
	TLS_EVENT_DATA,
	TLS_EVENT_VERIFY, /* verify failure reported by SSL_get_verify_result after the handshake */
	TLS_EVENT_SECRETS, /* a finished handshake's secrets, for decrypting the wire's records */
};

/* TLS 1.2: the master secret; TLS 1.3: the traffic secrets (handshake ones when OpenSSL keeps
 * them). Each as the NSS key log labels it, for tls_keylog_add(). */
#define TLS_SECRETS_MAX 4

struct tls_secret {
	enum tls_secret_label label;
	uint8_t bytes[TLS_SECRET_MAX];
	size_t len;
};

struct tls_secrets {
	uint8_t client_random[TLS_RANDOM_LEN];
	struct tls_secret secrets[TLS_SECRETS_MAX];
	size_t count; /* 0: nothing could be read (counted by the caller as lost) */
};

struct tls_handshake {
	const char *role;     /* "client", "server" or NULL */
	uint64_t start_ts_ns; /* wall clock */
	uint64_t duration_ns; /* 0 on a begin event */
	bool ok;
	unsigned long error_code; /* OpenSSL packed error code, 0 when none was raised */
	char error[128];	  /* reason ("certificate verify failed"); "" when ok */
	char error_detail[256];	  /* ERR_error_string_n() text, or how the failure was seen */
	long verify_result;	  /* X509_V_* code, -1 when the chain was not verified */
	const char *verify_error; /* X509_verify_cert_error_string(), NULL when ok or none */
	const char *ended_by;	  /* "return", "SSL_get_error", "SSL_free" */
	bool after_handshake;	  /* failed after the handshake call had returned success */
};

struct tls_data {
	bool out;	      /* SSL_write (sent by this host); false: SSL_read */
	const uint8_t *bytes; /* valid only during the callback */
	size_t len;
	size_t total_len;
	bool truncated;
};

struct tls_event {
	enum tls_event_kind kind;
	uint64_t ts_ns; /* wall clock, ns since the Unix epoch */
	uint64_t conn;	/* socket cookie */
	uint64_t ssl;	/* SSL* in the traced process */
	uint32_t netns;
	uint32_t pid;
	uint32_t tid;
	char comm[SSL_COMM_LEN + 1];
	/* AF_INET also for IPv4-mapped addresses, as the wire carries them */
	struct ip_addr laddr, raddr;
	uint16_t lport;
	uint16_t rport;
	const char *mapped_by;		/* "in_call", "recv_before", "send_after" */
	struct tls_handshake handshake; /* HANDSHAKE_* and VERIFY */
	struct tls_data data;		/* DATA */
	struct tls_secrets secrets;	/* SECRETS */
};

/* Turns one ring-buffer record into ev; realtime_offset_ns converts CLOCK_MONOTONIC to wall
 * clock. Returns 0, or -EINVAL for a record too short for its type. */
int tls_event_from_raw(const void *raw, size_t raw_len, int64_t realtime_offset_ns,
		       struct tls_event *ev);

/* The event of a TLS-library event (docs/journal.md: "tls_handshake", "sip"; the SIP text is
 * copied, so out outlives tls). Returns 0, -ENOENT for kinds the journal does not carry
 * (handshake begin, late verify result), or -ENOMEM. */
int tls_event_to_event(const struct tls_event *tls, struct event *out);

#endif
