/* Where OpenSSL keeps a connection's TLS secrets inside its SSL object, found at start by a
 * handshake siptrail makes with itself (no per-version tables): the kernel side reads them
 * there when a traced process finishes a handshake (bpf/ssl.bpf.c, SSL_EVENT_SECRETS). */
#ifndef SIPTRAIL_SSL_SECRET_OFFSETS_H
#define SIPTRAIL_SSL_SECRET_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#define SSL_SECRET_OFFSET_NONE UINT32_MAX

/* Byte offsets from the SSL* (in OpenSSL 3.2+ the SSL_CONNECTION, whose first member is the
 * SSL itself, so the same pointer) and from the SSL_SESSION*. */
struct ssl_secret_offsets {
	uint32_t client_random;	    /* 32 bytes, SSL_get_client_random() */
	uint32_t session;	    /* SSL_SESSION *, SSL_get_session() */
	uint32_t master_key;	    /* in the session: TLS 1.2 master secret, 48 bytes */
	uint32_t client_app_secret; /* TLS 1.3 CLIENT_TRAFFIC_SECRET_0, EVP_MAX_MD_SIZE bytes */
	uint32_t server_app_secret; /* TLS 1.3 SERVER_TRAFFIC_SECRET_0 */
	uint32_t client_hs_secret;  /* CLIENT_HANDSHAKE_TRAFFIC_SECRET, or NONE (3.0 keeps none) */
	uint32_t server_hs_secret;  /* SERVER_HANDSHAKE_TRAFFIC_SECRET, or NONE */
	/* File offsets in libssl of the handshake state machines the SSL object's handshake
	 * function points to (ossl_statem_connect/ossl_statem_accept, not exported): every
	 * handshake step runs there, whether called by SSL_do_handshake or implicitly by the
	 * first SSL_read/SSL_write. 0 when not found. */
	uint64_t statem_connect;
	uint64_t statem_accept;
};

/* Finds the offsets for ssl_lib, which must be the libssl file this process runs with (same
 * device and inode). Returns 0, or a negative errno with why saying what was not found
 * (-ENOENT: another file, whose layout this process cannot learn). */
int ssl_secret_offsets_derive(const char *ssl_lib, struct ssl_secret_offsets *offsets, char *why,
			      size_t why_len);

#endif
