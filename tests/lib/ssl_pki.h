/* A test PKI made with the openssl CLI: root -> intermediate -> leaf, and an unrelated root. */
#ifndef SIPTRAIL_TESTS_SSL_PKI_H
#define SIPTRAIL_TESTS_SSL_PKI_H

#include <limits.h>

struct ssl_pki {
	char dir[PATH_MAX];
	char root[PATH_MAX];	   /* root CA certificate (trust anchor) */
	char other_root[PATH_MAX]; /* an unrelated root CA: trusting it means not trusting ours */
	char server_key[PATH_MAX];
	char server_chain[PATH_MAX]; /* leaf (CN=server.stssl.test) followed by the intermediate */
	char server_leaf[PATH_MAX];  /* the same leaf alone (serverAuth and clientAuth) */
};

/* Creates the PKI in a new temporary directory. Returns 0 or -1 (a message on stderr). */
int ssl_pki_make(struct ssl_pki *pki);

/* Removes the directory. */
void ssl_pki_remove(const struct ssl_pki *pki);

#endif
