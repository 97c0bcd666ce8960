/* TLS on one TCP stream seen on the wire: the record decoder (decoders/tls_record.h) turned
 * into journal events: tls_hello (ClientHello + ServerHello), tls_alert (plaintext alerts),
 * tls_chain (TLS <= 1.2 Certificate, checked against the trust store) and tls_leaf_changed. */
#ifndef SIPTRAIL_WIRE_TLS_H
#define SIPTRAIL_WIRE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leaf_tracker.h"
#include "tls_chain.h"
#include "tls_decrypt.h"
#include "tls_record.h"
#include "wire_event.h"

/* Takes the event (and its body). Returns 0 or a negative errno. */
typedef int (*wire_event_fn)(void *ctx, struct wire_event *event);

/* Shared by every stream. */
struct wire_tls_env {
	struct tls_trust *trust;
	struct leaf_tracker *leaves;
	wire_event_fn emit;
	void *ctx;
	struct tls_decrypt_config decrypt; /* lookup NULL: TLS records are not decrypted */
	int err;			   /* first error of emit or allocation, 0 if none */
	struct tls_cert_info certs[TLS_MAX_CERTS]; /* scratch: about 20 KiB each */
};

struct wire_tls {
	struct tls_conn conn;
	const struct wire_event *stream; /* family, ends, local_mask of the stream */
	struct wire_tls_env *env;
	struct tls_decrypt *decrypt; /* set and ended by the stream; NULL: not decrypting */
	char sni[256];
	uint16_t offered[TLS_MAX_OFFERED_VERSIONS];
	size_t offered_count;
	bool client_hello_seen, hello_retry, hello_reported;
};

/* stream is the template for this stream's events; it and env must outlive tls. */
void wire_tls_init(struct wire_tls *tls, const struct wire_event *stream, struct wire_tls_env *env);
void wire_tls_release(struct wire_tls *tls);

/* In-order bytes sent by side `from` (enum tcp_side; the TCP client is the TLS client). */
void wire_tls_feed(struct wire_tls *tls, unsigned from, const uint8_t *data, size_t len,
		   uint64_t ts_ns);
void wire_tls_gap(struct wire_tls *tls, unsigned from, uint64_t missing_bytes);

/* An alert the decryption found inside an encrypted record (TLS_EV_ALERT): reported as a
 * plaintext one is. */
void wire_tls_alert(struct wire_tls *tls, const struct tls_record_event *alert);

/* The handshake is over as far as the wire can tell: both sides sent application data, so
 * everything after is encrypted. The caller may stop feeding unless it decrypts. */
bool wire_tls_done(const struct wire_tls *tls);

/* The stream ended: a ClientHello never answered is still reported. */
void wire_tls_end(struct wire_tls *tls, uint64_t ts_ns);

#endif
