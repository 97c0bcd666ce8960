// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for the lab's "pinned leaf" trust: makes OpenSSL accept a trust
 * store that holds only the peer's leaf certificate (X509_V_FLAG_PARTIAL_CHAIN), as
 * SBCs that let an admin import a peer's leaf as trusted do. Kamailio 5.6 has no
 * setting for it, and without the flag OpenSSL never treats a non-self-signed leaf
 * as a trust anchor. Loaded only into the Kamailio of a side whose trust is pinned.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

typedef void (*set_verify_fn)(SSL_CTX *ctx, int mode, SSL_verify_cb callback);

/* Kamailio calls SSL_CTX_set_verify for every TLS profile it sets up. */
void SSL_CTX_set_verify(SSL_CTX *ctx, int mode, SSL_verify_cb callback)
{
	set_verify_fn real_set_verify = (set_verify_fn)dlsym(RTLD_NEXT, "SSL_CTX_set_verify");

	if (real_set_verify)
		real_set_verify(ctx, mode, callback);
	X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx), X509_V_FLAG_PARTIAL_CHAIN);
}
