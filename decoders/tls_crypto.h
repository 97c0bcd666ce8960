/* TLS record protection with known session secrets: the key schedules (TLS 1.3 HKDF-Expand-
 * Label, RFC 8446 §7.1/§7.3; TLS 1.2 PRF key block, RFC 5246 §6.3) and the decryption of one
 * record, all through OpenSSL's EVP API. Pure: no I/O, no global state; a traffic_keys holds
 * one direction's keys and a reusable cipher context.
 *
 * Suites: TLS 1.3 TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256; TLS 1.2 (EC)DHE/RSA with AES-GCM (RFC 5288), ChaCha20-Poly1305
 * (RFC 7905) and AES-CBC with HMAC-SHA1/SHA256 (RFC 5246 §6.2.3.2, also encrypt-then-MAC,
 * RFC 7366). Anything else is "unsupported". */
#ifndef SIPTRAIL_TLS_CRYPTO_H
#define SIPTRAIL_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_CRYPTO_SECRET_MAX 48
#define TLS_CRYPTO_RANDOM_LEN 32

enum tls_record_cipher {
	TLS_RECORD_AEAD,	  /* TLS 1.3, and TLS 1.2 ChaCha20: nonce = iv ^ seq */
	TLS_RECORD_AEAD_EXPLICIT, /* TLS 1.2 AES-GCM: nonce = 4-byte salt + 8 bytes on the wire */
	TLS_RECORD_CBC,		  /* TLS 1.2 AES-CBC + HMAC */
};

struct tls_suite;

/* The suite's description, NULL when siptrail cannot decrypt it under VERSION. */
const struct tls_suite *tls_suite_find(uint16_t cipher_suite, uint16_t version);

enum tls_decrypt_status {
	TLS_DECRYPT_OK = 0,
	TLS_DECRYPT_AUTH_FAILED = -1, /* tag or MAC wrong: other keys, or a damaged record */
	TLS_DECRYPT_MALFORMED = -2,   /* too short for the cipher, bad padding, no content type */
	TLS_DECRYPT_CRYPTO = -3,      /* OpenSSL refused (out of memory, algorithm missing) */
};

struct tls_traffic_keys {
	const struct tls_suite *suite;
	uint8_t key[32], iv[12], mac_key[32];
	uint8_t secret[TLS_CRYPTO_SECRET_MAX]; /* TLS 1.3 traffic secret, for KeyUpdate */
	size_t secret_len;
	bool encrypt_then_mac;
	void *cipher_ctx; /* EVP_CIPHER_CTX with the key set; NULL until keys are set */
	void *mac_ctx;	  /* CBC suites: EVP_MAC_CTX (HMAC) with the MAC key set */
	bool gcm_params;  /* AES-GCM: nonce and tag set by parameters (tls_crypto.c) */
};

/* TLS 1.3: key and iv from a traffic secret (RFC 8446 §7.3). Returns 0 or
 * TLS_DECRYPT_CRYPTO. */
int tls13_traffic_keys(struct tls_traffic_keys *keys, const struct tls_suite *suite,
		       const uint8_t *secret, size_t secret_len);

/* TLS 1.3 KeyUpdate (RFC 8446 §7.2): the next generation of this direction's keys. */
int tls13_key_update(struct tls_traffic_keys *keys);

/* TLS 1.2: both directions' keys from the master secret and the hello randoms (RFC 5246 §6.3,
 * key block = PRF(master, "key expansion", server_random + client_random)). Returns 0 or
 * TLS_DECRYPT_CRYPTO. */
int tls12_traffic_keys(struct tls_traffic_keys *client, struct tls_traffic_keys *server,
		       const struct tls_suite *suite, const uint8_t *master, size_t master_len,
		       const uint8_t client_random[TLS_CRYPTO_RANDOM_LEN],
		       const uint8_t server_random[TLS_CRYPTO_RANDOM_LEN], bool encrypt_then_mac);

/* Frees the cipher context; the keys can be set again. */
void tls_traffic_keys_release(struct tls_traffic_keys *keys);

/* Decrypts RECORD (5-byte header + body) as record number SEQ of its direction. OUT must hold
 * the body's length. On TLS_DECRYPT_OK, *out_len and *content_type are the plaintext and its
 * real type (TLS 1.3: the inner type, RFC 8446 §5.2). */
enum tls_decrypt_status tls_record_decrypt(struct tls_traffic_keys *keys, uint64_t seq,
					   const uint8_t *record, size_t record_len, uint8_t *out,
					   size_t *out_len, uint8_t *content_type);

const char *tls_decrypt_status_name(enum tls_decrypt_status status);

#endif
