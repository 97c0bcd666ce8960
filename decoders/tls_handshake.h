/* TLS handshake message bodies (RFC 8446 §4, RFC 5246 §7.4): pure parsers over one complete
 * message body. Results are views into the caller's buffer. */
#ifndef SIPTRAIL_TLS_HANDSHAKE_H
#define SIPTRAIL_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_VERSION_1_2		 0x0303
#define TLS_VERSION_1_3		 0x0304
#define TLS_MAX_OFFERED_VERSIONS 16
#define TLS_MAX_CERTS		 16
#define TLS_HELLO_RANDOM_LEN	 32

enum tls_handshake_type {
	TLS_HS_CLIENT_HELLO = 1,
	TLS_HS_SERVER_HELLO = 2,
	TLS_HS_NEW_SESSION_TICKET = 4,
	TLS_HS_CERTIFICATE = 11,
	TLS_HS_SERVER_KEY_EXCHANGE = 12,
	TLS_HS_CERTIFICATE_REQUEST = 13,
	TLS_HS_SERVER_HELLO_DONE = 14,
	TLS_HS_CERTIFICATE_VERIFY = 15,
	TLS_HS_CLIENT_KEY_EXCHANGE = 16,
	TLS_HS_FINISHED = 20,
};

struct tls_view {
	const uint8_t *ptr;
	size_t len;
};

struct tls_client_hello {
	uint16_t legacy_version;
	uint8_t random[TLS_HELLO_RANDOM_LEN]; /* the key log's key (NSS SSLKEYLOGFILE format) */
	struct tls_view sni; /* first host_name of server_name (RFC 6066 §3); len 0 if none */
	/* supported_versions (RFC 8446 §4.2.1) without GREASE values; when the extension is
	 * absent, the one entry is legacy_version. */
	uint16_t versions[TLS_MAX_OFFERED_VERSIONS];
	size_t versions_count;
	bool has_supported_versions;
	size_t cipher_suites_count;
};

struct tls_server_hello {
	uint16_t legacy_version;
	uint16_t version; /* supported_versions when present (TLS 1.3), else legacy_version */
	uint16_t cipher_suite;
	uint8_t random[TLS_HELLO_RANDOM_LEN];
	bool hello_retry_request; /* RFC 8446 §4.1.3: the special random value */
	bool encrypt_then_mac;	  /* RFC 7366: TLS <= 1.2 CBC suites MAC the ciphertext */
};

/* TLS 1.2 and earlier Certificate (RFC 5246 §7.4.2): DER certificates, sender's first. */
struct tls_certificate_list {
	struct tls_view certs[TLS_MAX_CERTS];
	size_t count;
	bool truncated; /* more than TLS_MAX_CERTS certificates were sent */
};

/* Each returns 0, or -EBADMSG when a field runs past the end of the body. */
int tls_client_hello_parse(const uint8_t *body, size_t len, struct tls_client_hello *out);
int tls_server_hello_parse(const uint8_t *body, size_t len, struct tls_server_hello *out);
int tls_certificate_parse(const uint8_t *body, size_t len, struct tls_certificate_list *out);

/* Names: IANA registry names, NULL when unknown (callers print the number). */
const char *tls_version_name(uint16_t version);		  /* "TLS 1.3" */
const char *tls_cipher_suite_name(uint16_t cipher_suite); /* "TLS_AES_256_GCM_SHA384" */
const char *tls_alert_name(uint8_t description);	  /* "unknown_ca" */
const char *tls_alert_level_name(uint8_t level);	  /* "warning", "fatal" */
const char *tls_handshake_type_name(uint8_t type);	  /* "client_hello" */

/* The other way, for text read back: false when the table has no such name. */
bool tls_version_value(const char *name, uint16_t *version);
bool tls_cipher_suite_value(const char *name, uint16_t *cipher_suite);

#endif
