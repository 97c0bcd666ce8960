/* One TCP stream of the wire path: what it carries is decided from its first bytes (a TLS
 * record header, or text that can start SIP), then its in-order bytes go to the TLS decoder
 * (wire_tls) or to the SIP stream framer, which yields one "sip" event per message. With
 * secrets to look up (wire_tls_env.decrypt), a TLS stream's records are decrypted and their
 * plaintext framed the same way. */
#ifndef SIPTRAIL_WIRE_STREAM_H
#define SIPTRAIL_WIRE_STREAM_H

#include <stdint.h>

#include "sip_framer.h"
#include "tcp_reassembly.h"
#include "wire_tls.h"

enum wire_stream_kind {
	WIRE_STREAM_UNDECIDED,
	WIRE_STREAM_TLS,
	WIRE_STREAM_SIP,
	WIRE_STREAM_OTHER, /* neither: its bytes are ignored */
};

struct wire_stream {
	uint64_t id;		    /* tcp_conn id */
	struct wire_event template; /* family, ends, local_mask: copied into every event */
	enum wire_stream_kind kind;
	struct wire_tls tls;
	struct sip_stream sip[2]; /* per sending side */
	/* ended while its TLS records waited for secrets: kept until they came or timed out */
	struct wire_stream *next_ending;
	uint64_t end_ts_ns;
};

/* Returns NULL when out of memory. env must outlive the stream. */
struct wire_stream *wire_stream_new(const struct tcp_conn *conn, struct wire_tls_env *env);

/* In-order payload sent by side `from` (enum tcp_side). */
void wire_stream_data(struct wire_stream *stream, unsigned from, const uint8_t *data, size_t len,
		      uint64_t ts_ns);
void wire_stream_gap(struct wire_stream *stream, unsigned from, uint64_t missing_bytes);

/* The connection ended: reports what is pending, then frees the stream. */
void wire_stream_end(struct wire_stream *stream, uint64_t ts_ns);
/* Frees without reporting anything. */
void wire_stream_free(struct wire_stream *stream);

/* The decryption's tls_plaintext_fn (USER: the stream): decrypted application data, framed
 * into SIP as on a plaintext connection (RFC 3261 §18.3). */
void wire_stream_plaintext(void *user, enum tls_dir from, const uint8_t *data, size_t len,
			   uint64_t ts_ns);

/* Its on_alert (USER: the stream): a decrypted alert, reported as a plaintext one. */
void wire_stream_alert(void *user, const struct tls_record_event *alert);

/* Emits a "sip" event for one message sent by side `sender`, with PARSED (the parse of RAW that
 * framed it, NULL when none) handed on as its fields. */
void wire_sip_emit(struct wire_tls_env *env, const struct wire_event *template, unsigned sender,
		   enum transport transport, const char *raw, size_t raw_len,
		   const struct sip_message *parsed, uint64_t ts_ns);

#endif
