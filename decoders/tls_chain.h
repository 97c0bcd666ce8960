/* X.509 certificates as sent in a TLS Certificate message, and the check of that chain against
 * a trust store, both done by OpenSSL. Verdicts match the journal's "tls_chain" event. */
#ifndef SIPTRAIL_TLS_CHAIN_H
#define SIPTRAIL_TLS_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_handshake.h"

#define TLS_CERT_NAME_MAX 512
#define TLS_CERT_MAX_SANS 16
#define TLS_CERT_SAN_MAX  256

struct tls_cert_info {
	char subject[TLS_CERT_NAME_MAX]; /* one-line RFC 2253 string */
	char issuer[TLS_CERT_NAME_MAX];
	char sans[TLS_CERT_MAX_SANS][TLS_CERT_SAN_MAX]; /* DNS names and IP addresses, as text */
	size_t sans_count;
	bool sans_truncated;
	int64_t not_before, not_after; /* seconds since the Unix epoch */
	char sha256[65];	       /* lowercase hex of the DER encoding */
};

/* Returns 0, or -EBADMSG when der is not an X.509 certificate. */
int tls_cert_decode(const uint8_t *der, size_t len, struct tls_cert_info *out);

enum tls_chain_verdict {
	TLS_CHAIN_OK = 0,
	TLS_CHAIN_EXPIRED,	 /* a certificate of the chain had expired at the given time */
	TLS_CHAIN_NOT_YET_VALID, /* ... or was not yet valid */
	TLS_CHAIN_INCOMPLETE,	 /* an issuer is neither sent nor trusted: see missing_issuer */
	TLS_CHAIN_UNTRUSTED,	 /* complete up to a root that is not trusted, or OpenSSL
				  * rejected it for another reason: see verify_error_str */
	TLS_CHAIN_NAME_MISMATCH, /* the leaf is not for the SNI host name / address */
};

struct tls_trust; /* an OpenSSL X509_STORE */

/* ca_file and/or ca_dir (c_rehash layout); both NULL: OpenSSL's default paths (the system
 * bundle). Returns 0, or -EIO with err filled. */
int tls_trust_load(struct tls_trust **out, const char *ca_file, const char *ca_dir, char *err,
		   size_t err_len);
void tls_trust_free(struct tls_trust *trust);

enum tls_chain_sender { TLS_CHAIN_FROM_SERVER = 0, TLS_CHAIN_FROM_CLIENT = 1 };

struct tls_chain_request {
	const struct tls_view *certs; /* DER, leaf first, as sent */
	size_t count;
	const char *host;	      /* SNI to match against the leaf, or NULL */
	const char *ip;		      /* address the client connected to, used when host is NULL */
	int64_t at_epoch_s;	      /* evaluate validity at this time (the capture's), not now */
	enum tls_chain_sender sender; /* selects the TLS server or client purpose */
};

struct tls_chain_result {
	enum tls_chain_verdict verdict;		/* the first problem in enum order */
	unsigned problems;			/* 1u << verdict for every problem found */
	char missing_issuer[TLS_CERT_NAME_MAX]; /* RFC 2253, when incomplete */
	int verify_error;			/* X509_V_ERR_* behind the verdict, 0 if ok */
	int verify_error_depth;			/* 0 = leaf */
	char verify_error_str[160];		/* X509_verify_cert_error_string() */
};

/* Returns 0 with *out filled, -EINVAL for an empty chain, -EBADMSG when a certificate is not
 * DER X.509 (out->verify_error_str says which), -ENOMEM. */
int tls_chain_check(struct tls_trust *trust, const struct tls_chain_request *req,
		    struct tls_chain_result *out);

const char *tls_chain_verdict_name(enum tls_chain_verdict verdict); /* "incomplete" */

#endif
