/* Decryption of one TLS connection's records with secrets learnt elsewhere (a key log file,
 * or the libssl probes at handshake time). Fed the record decoder's events (tls_record.h) in
 * stream order, it takes the client random, version and suite from the hellos, asks the
 * caller for the secrets of that client random, and hands back each direction's application
 * data in order.
 *
 * TLS 1.2: both directions' keys from the master secret; sequence numbers count from each
 * side's ChangeCipherSpec. TLS 1.3: each direction's application traffic secret; the records
 * before the first application record are the encrypted handshake: with the handshake secrets
 * they are decrypted as such, without them they are recognised by failing to authenticate
 * under the application keys at sequence 0 (at most TLS_DECRYPT_TRIAL_MAX per direction).
 * KeyUpdate derives the next keys ("traffic upd", RFC 8446 §7.2). A TLS 1.2 renegotiation is
 * not followed: each side's records after its new ChangeCipherSpec are counted unsupported.
 *
 * Records that arrive before their secrets (the libssl probe's event can come after the first
 * records) are held, bounded by TLS_DECRYPT_HOLD_RECORDS, TLS_DECRYPT_HOLD_BYTES and
 * TLS_DECRYPT_HOLD_NS per connection and by hold_bytes_max over all of them; every record not
 * decrypted is counted once, by reason. */
#ifndef SIPTRAIL_TLS_DECRYPT_H
#define SIPTRAIL_TLS_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_crypto.h"
#include "tls_record.h"

#define TLS_DECRYPT_HOLD_RECORDS 32
#define TLS_DECRYPT_HOLD_BYTES	 (128 * 1024)
#define TLS_DECRYPT_HOLD_NS	 (2ull * 1000000000ull)
#define TLS_DECRYPT_TRIAL_MAX	 16

/* What the caller knows for one client random; a length of 0: not known (yet). */
struct tls_session_secrets {
	uint8_t master[TLS_CRYPTO_SECRET_MAX]; /* TLS 1.2 (key log CLIENT_RANDOM) */
	uint8_t handshake[2][TLS_CRYPTO_SECRET_MAX], application[2][TLS_CRYPTO_SECRET_MAX];
	size_t master_len, handshake_len[2], application_len[2]; /* by enum tls_dir */
};

/* Fills SECRETS for CLIENT_RANDOM; false when nothing is known. */
typedef bool (*tls_secrets_fn)(void *ctx, const uint8_t client_random[TLS_HELLO_RANDOM_LEN],
			       struct tls_session_secrets *secrets);

/* Application data sent by side FROM, in order; valid only during the call. */
typedef void (*tls_plaintext_fn)(void *user, enum tls_dir from, const uint8_t *data, size_t len,
				 uint64_t ts_ns);

/* Records, counted once each. */
struct tls_decrypt_counts {
	uint64_t decrypted;
	uint64_t no_handshake; /* hellos not seen: the connection is older than the trace */
	uint64_t no_secrets;   /* no secrets for the client random in time */
	uint64_t unsupported;  /* a version or cipher suite siptrail does not decrypt, or the
				  records after a TLS 1.2 renegotiation */
	uint64_t auth_failed;  /* did not authenticate: other secrets, or a damaged record */
	uint64_t held_bytes;   /* not a count: the bytes held now, over all connections */
};

/* Shared by every connection; must outlive them. */
struct tls_decrypt_config {
	tls_secrets_fn lookup;
	void *lookup_ctx;
	tls_plaintext_fn on_plaintext;
	struct tls_decrypt_counts *counts; /* summed over the connections */
	uint64_t hold_bytes_max;	   /* over all connections; 0: per connection only */
	/* Alerts inside encrypted records (TLS 1.3 always, TLS 1.2 after ChangeCipherSpec), one
	 * TLS_EV_ALERT event each as the record decoder gives a plaintext alert; NULL: none. */
	tls_record_event_fn on_alert;
};

struct tls_decrypt;

/* USER is passed to on_plaintext and on_alert. Returns NULL when out of memory. */
struct tls_decrypt *tls_decrypt_new(const struct tls_decrypt_config *config, void *user);

/* One event of the record decoder, in stream order. */
void tls_decrypt_event(struct tls_decrypt *dec, const struct tls_record_event *event);

/* Secrets may have arrived: decrypts what is held, or gives it up (counted) once held longer
 * than TLS_DECRYPT_HOLD_NS before NOW_NS. */
void tls_decrypt_retry(struct tls_decrypt *dec, uint64_t now_ns);

/* Records wait for their secrets: the caller keeps the connection (and retries) a while after
 * it ended, as the secrets may be on their way. */
bool tls_decrypt_holding(const struct tls_decrypt *dec);

/* The connection ended: what is still held or unclassified is counted (the secrets are not
 * looked up again); then frees. NULL is fine. */
void tls_decrypt_end(struct tls_decrypt *dec);

/* "12 decrypted, not decrypted: 0 handshake not seen, 3 no secrets, 0 unsupported suite, 0
 * authentication failed", for the summaries of replay and live. */
void tls_decrypt_counts_text(const struct tls_decrypt_counts *counts, char *buf, size_t len);

#endif
