/* The one PKI maker of the tests and the lab: certificates made with OpenSSL's API (no openssl
 * CLI), in memory or as PEM files. Shell users go through its front end, tools/pki.c. */
#ifndef SIPTRAIL_TEST_PKI_H
#define SIPTRAIL_TEST_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

struct test_cert {
	X509 *cert;
	EVP_PKEY *key;
	uint8_t *der;
	int der_len;
};

struct test_cert_spec {
	const char *cn;
	const char *dns_san; /* or NULL */
	const char *ip_san;  /* or NULL */
	bool is_ca;
	int64_t not_before, not_after; /* epoch seconds */
	const char *ext_key_usage;     /* e.g. "serverAuth,clientAuth", or NULL for none */
	const char *org;	       /* the subject's O: NULL "siptrail test", "" none */
};

/* issuer NULL: self-signed. Returns 0 or -1. EC P-256 keys, SHA-256 signatures, random serials
 * (certificates of one issuer made by separate processes must still differ). */
int test_cert_make(struct test_cert *out, const struct test_cert_spec *spec,
		   const struct test_cert *issuer);
/* A certificate and its key from PEM files, as issuer for test_cert_make. Returns 0 or -1. */
int test_cert_load(struct test_cert *out, const char *cert_path, const char *key_path);
void test_cert_free(struct test_cert *cert);
/* Writes PATH: the certificates in order, then the private key of KEY_OF unless it is NULL.
 * Returns 0 or -1 (a message on stderr). */
int test_pem_write(const char *path, const struct test_cert *const *certs, int count,
		   const struct test_cert *key_of);
/* Writes the certificates as PEM into a new temporary file; path must hold 64 bytes. */
int test_cert_write_pem(const struct test_cert *const *certs, int count, char *path);

/* Reads a whole file into a malloc'd buffer; NULL on error. */
uint8_t *test_read_file(const char *path, size_t *len);

#endif
