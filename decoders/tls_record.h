/* TLS record layer (RFC 8446 §5, RFC 5246 §6.2) over the two byte streams of one TCP
 * connection. The caller feeds each direction's reassembled bytes in order, in chunks of any
 * size; the decoder calls back once per record or handshake message of interest.
 *
 * Views in an event point into the caller's chunk when the record and message lie within it,
 * else into the decoder's own reassembly buffers: they are valid only during the callback.
 * Memory per direction is bounded: one partial record (at most 5 + 2^14 + 2048 bytes) and one
 * partial handshake message (at most TLS_HANDSHAKE_MAX_LEN). */
#ifndef SIPTRAIL_TLS_RECORD_H
#define SIPTRAIL_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_handshake.h"

#define TLS_RECORD_HEADER_LEN	5
#define TLS_RECORD_MAX_BODY_LEN (16384 + 2048) /* TLSCiphertext, RFC 5246 §6.2.3 */
#define TLS_HANDSHAKE_MAX_LEN	(128 * 1024)

enum tls_content_type {
	TLS_CT_CHANGE_CIPHER_SPEC = 20,
	TLS_CT_ALERT = 21,
	TLS_CT_HANDSHAKE = 22,
	TLS_CT_APPLICATION_DATA = 23,
	TLS_CT_HEARTBEAT = 24,
};

enum tls_status {
	TLS_OK = 0,
	TLS_INCOMPLETE = 1,	    /* tls_record_parse: need more bytes */
	TLS_ERR_NOT_TLS = -1,	    /* content type or version byte is not TLS */
	TLS_ERR_RECORD_LEN = -2,    /* record longer than TLS allows */
	TLS_ERR_MALFORMED = -3,	    /* a handshake message's fields do not fit */
	TLS_ERR_HANDSHAKE_LEN = -4, /* handshake message longer than TLS_HANDSHAKE_MAX_LEN */
	TLS_ERR_GAP = -5,	    /* bytes missing from the stream: decoding stopped */
	TLS_ERR_NOMEM = -6,
};

struct tls_record {
	uint8_t content_type;
	uint16_t version;
	struct tls_view body;
};

/* One record at buf. Returns TLS_OK with *record_len = header + body, TLS_INCOMPLETE, or an
 * error (bad header) as soon as the 5 header bytes show it. */
enum tls_status tls_record_parse(const uint8_t *buf, size_t len, struct tls_record *record,
				 size_t *record_len);

enum tls_dir { TLS_FROM_CLIENT = 0, TLS_FROM_SERVER = 1 };

enum tls_event_type {
	TLS_EV_CLIENT_HELLO,
	TLS_EV_SERVER_HELLO,	    /* also HelloRetryRequest: see server_hello */
	TLS_EV_CERTIFICATE,	    /* TLS <= 1.2 only: TLS 1.3 sends it encrypted */
	TLS_EV_HANDSHAKE,	    /* any other plaintext handshake message: handshake_type */
	TLS_EV_ENCRYPTED_HANDSHAKE, /* TLS <= 1.2 Finished (after this side's CCS) */
	TLS_EV_CHANGE_CIPHER_SPEC,
	TLS_EV_ALERT,		 /* alert_level, alert_description: plaintext (or decrypted,
				    tls_decrypt.h) */
	TLS_EV_ENCRYPTED_ALERT,	 /* TLS <= 1.2 after CCS: content hidden */
	TLS_EV_APPLICATION_DATA, /* content type 23 (TLS 1.3: also encrypted handshake) */
};

struct tls_record_event {
	enum tls_event_type type;
	enum tls_dir from;
	uint64_t stream_offset; /* byte offset of the record in this direction's stream */
	uint64_t ts_ns;		/* as given to the tls_conn_feed() that completed the record */
	uint8_t handshake_type; /* TLS_EV_CLIENT/SERVER_HELLO, CERTIFICATE, HANDSHAKE */
	size_t record_len;	/* body length of the record */
	/* TLS_EV_APPLICATION_DATA, ENCRYPTED_HANDSHAKE, ENCRYPTED_ALERT: the whole record,
	 * header included, for decryption (tls_decrypt.h) */
	struct tls_view record;
	union { /* the member of the event's type; not set for the others */
		struct tls_client_hello client_hello;
		struct tls_server_hello server_hello;
		struct tls_certificate_list certificate;
		struct {
			uint8_t alert_level; /* 1 warning, 2 fatal */
			uint8_t alert_description;
		};
	};
};

typedef void (*tls_record_event_fn)(void *user, const struct tls_record_event *event);

struct tls_direction {
	uint64_t offset; /* bytes of this stream consumed */
	bool ccs_seen;	 /* this side sent ChangeCipherSpec */
	uint64_t app_data_records, app_data_bytes;
	uint8_t *record_buf; /* partial record, only while one is split across feeds */
	size_t record_have;
	uint8_t *hs_buf; /* partial handshake message spanning records */
	size_t hs_have;
	enum tls_status status; /* once negative, this direction is no longer decoded */
	char error[160];	/* what and where, when status < 0 */
};

struct tls_conn {
	struct tls_direction dir[2]; /* indexed by enum tls_dir */
	uint16_t version;	     /* selected by ServerHello; 0 until seen */
	bool hello_retry_seen;
};

void tls_conn_init(struct tls_conn *conn);
/* Frees the reassembly buffers; the struct can be initialised again. */
void tls_conn_release(struct tls_conn *conn);
/* Returns TLS_OK, or this direction's error (also in conn->dir[from].error). */
enum tls_status tls_conn_feed(struct tls_conn *conn, enum tls_dir from, const uint8_t *data,
			      size_t len, uint64_t ts_ns, tls_record_event_fn on_event, void *user);
/* The stream lost missing_bytes (a TCP gap): decoding of that direction stops with TLS_ERR_GAP,
 * because record boundaries after the gap are unknown. */
void tls_conn_gap(struct tls_conn *conn, enum tls_dir from, uint64_t missing_bytes);
/* TLS 1.3 encrypts the Certificate message (RFC 8446 §2): the chain is not on the wire. */
bool tls_conn_certificates_encrypted(const struct tls_conn *conn);

const char *tls_dir_name(enum tls_dir dir); /* "client->server", "server->client" */

#endif
