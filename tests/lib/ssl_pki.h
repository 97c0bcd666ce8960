/* A test PKI as files for real TLS peers (OpenSSL peers, openssl s_server, siptrail's trust
 * store): root -> intermediate -> server leaf, the same leaf renewed, and an unrelated root.
 * Made with OpenSSL's API (test_pki.h). */
#ifndef SIPTRAIL_TESTS_SSL_PKI_H
#define SIPTRAIL_TESTS_SSL_PKI_H

#include <limits.h>

/* The leaf's CN and DNS name; its IP name is 127.0.0.1. */
#define SSL_PKI_SERVER_NAME "server.stssl.test"

struct ssl_pki {
	char dir[PATH_MAX];
	char root[PATH_MAX];	   /* root CA certificate (trust anchor) */
	char other_root[PATH_MAX]; /* an unrelated root CA: trusting it means not trusting ours */
	char inter[PATH_MAX];	   /* the intermediate CA certificate alone */
	char server_key[PATH_MAX];
	char server_chain[PATH_MAX]; /* leaf followed by the intermediate */
	char server_leaf[PATH_MAX];  /* the same leaf alone (serverAuth and clientAuth) */
	/* A second leaf of the same name and intermediate, as after a certificate renewal. */
	char renewed_key[PATH_MAX];
	char renewed_leaf[PATH_MAX];
};

/* Creates the PKI in a new temporary directory. Returns 0 or -1 (a message on stderr). */
int ssl_pki_make(struct ssl_pki *pki);

/* Removes the files and the directory. */
void ssl_pki_remove(const struct ssl_pki *pki);

#endif
