/* TLS session secrets keyed by the ClientHello's client random, as in the NSS key log format
 * (SSLKEYLOGFILE): what the wire path needs to decrypt a connection's records in siptrail's
 * own process. Filled from a key log file (replay --keylog, live --keylog) or, live, from the
 * libssl probes at handshake time; read by the wire decryption when it sees a ClientHello.
 *
 * Bounded: at most TLS_KEYLOG_CAPACITY client randoms. A secret is needed only until the
 * connection's first records are decrypted (the decryption keeps its own keys), so when the
 * table is full the entries untouched for TLS_KEYLOG_MAX_AGE_NS are expired; what still does
 * not fit is refused and counted. Single-threaded, as the live pipeline is. */
#ifndef SIPTRAIL_TLS_KEYLOG_H
#define SIPTRAIL_TLS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_decrypt.h"

#define TLS_RANDOM_LEN	      32
#define TLS_SECRET_MAX	      48 /* SHA-384 output; the TLS 1.2 master secret is 48 too */
#define TLS_KEYLOG_CAPACITY   16384
#define TLS_KEYLOG_MAX_AGE_NS (60ull * 1000000000ull)

enum tls_secret_label {
	TLS_SECRET_CLIENT_RANDOM, /* TLS 1.2 master secret ("CLIENT_RANDOM") */
	TLS_SECRET_CLIENT_HANDSHAKE_TRAFFIC,
	TLS_SECRET_SERVER_HANDSHAKE_TRAFFIC,
	TLS_SECRET_CLIENT_TRAFFIC_0,
	TLS_SECRET_SERVER_TRAFFIC_0,
	TLS_SECRET_LABELS,
};

struct tls_keylog_stats {
	uint64_t secrets_added; /* secrets stored (a repeated one counts again) */
	uint64_t expired;	/* client randoms dropped after TLS_KEYLOG_MAX_AGE_NS */
	uint64_t refused;	/* secrets not kept: the table was full of recent entries */
};

struct tls_keylog;

struct tls_keylog *tls_keylog_new(void);
void tls_keylog_free(struct tls_keylog *log);

/* Stores SECRET (LEN bytes, at most TLS_SECRET_MAX) under CLIENT_RANDOM and LABEL; TS_NS is
 * when it was learnt: CLOCK_MONOTONIC in live (bpf_ktime_get_ns() is that clock), 0 for a
 * file read whole. Returns 0; -1 when full (the oldest
 * entries are expired by ts_ns; what could not be kept is counted); -EINVAL for a bad label or
 * length. The live libssl source calls it once per secret its handshake probes read
 * (live_pipeline hands it the table); the key log file loader calls it per line. */
int tls_keylog_add(struct tls_keylog *log, const uint8_t client_random[TLS_RANDOM_LEN],
		   enum tls_secret_label label, const uint8_t *secret, size_t len, uint64_t ts_ns);

/* Copies the secret stored under CLIENT_RANDOM and LABEL into OUT; returns its length, 0 when
 * there is none. */
size_t tls_keylog_get(const struct tls_keylog *log, const uint8_t client_random[TLS_RANDOM_LEN],
		      enum tls_secret_label label, uint8_t out[TLS_SECRET_MAX]);

/* Increases by one on every stored secret: a reader holding records for want of secrets
 * retries only when it moved. */
uint64_t tls_keylog_generation(const struct tls_keylog *log);

/* Drops the entries last touched more than TLS_KEYLOG_MAX_AGE_NS before NOW_NS. */
void tls_keylog_expire(struct tls_keylog *log, uint64_t now_ns);

/* Reads an NSS key log file (SSLKEYLOGFILE format: "LABEL <client random hex> <secret hex>"
 * lines, '#' comments). Labels siptrail does not use (EXPORTER_SECRET, early traffic, RSA)
 * are skipped. Returns 0, or a negative errno with "FILE:LINE: what" (or the open error) in
 * why. */
int tls_keylog_load(struct tls_keylog *log, const char *path, char *why, size_t why_len);

/* The wire decryption's lookup (tls_secrets_fn; LOG is the struct tls_keylog): every secret
 * known for CLIENT_RANDOM. */
bool tls_keylog_session_secrets(void *log, const uint8_t client_random[TLS_RANDOM_LEN],
				struct tls_session_secrets *secrets);

/* A key log file read as it grows: a TLS library appends its lines at each handshake. */
struct tls_keylog_file {
	const char *path;
	long offset;	  /* bytes read: whole lines */
	unsigned line_no; /* lines read */
};

/* Reads the whole lines appended to FILE since the last call (all of them the first time; a
 * file that shrank is read again from its start), stamping their secrets TS_NS. Returns 0, or
 * a negative errno with "FILE:LINE: what" (or the open error) in why. */
int tls_keylog_follow(struct tls_keylog *log, struct tls_keylog_file *file, uint64_t ts_ns,
		      char *why, size_t why_len);

const struct tls_keylog_stats *tls_keylog_stats(const struct tls_keylog *log);

/* The key log label's name ("CLIENT_RANDOM", "CLIENT_TRAFFIC_SECRET_0", ...). */
const char *tls_secret_label_name(enum tls_secret_label label);

#endif
