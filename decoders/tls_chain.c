/* Chain checks go through OpenSSL's own verifier (X509_verify_cert) with the chain as sent as
 * the untrusted set, at the capture's time. A callback keeps it going past the first error so
 * that every problem is seen, and sorts OpenSSL's errors into the journal's verdicts. */
#include "tls_chain.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tls_trust {
	X509_STORE *store;
};

static void name_to_text(const X509_NAME *name, char *buf, size_t len)
{
	buf[0] = '\0';
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		int n = BIO_read(bio, buf, (int)len - 1);
		buf[n > 0 ? n : 0] = '\0';
	}
	BIO_free(bio);
}

static int64_t asn1_time_to_epoch(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/* Names come from the wire: keep them printable. */
static void copy_printable(char *dst, size_t dst_len, const unsigned char *src, int src_len)
{
	size_t n = 0;
	for (int i = 0; i < src_len && n + 1 < dst_len; i++)
		dst[n++] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[n] = '\0';
}

static void collect_sans(X509 *cert, struct tls_cert_info *out)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		char *slot = out->sans[out->sans_count];
		if (gn->type != GEN_DNS && gn->type != GEN_IPADD)
			continue;
		if (out->sans_count == TLS_CERT_MAX_SANS) {
			out->sans_truncated = true;
			break;
		}
		if (gn->type == GEN_DNS) {
			copy_printable(slot, TLS_CERT_SAN_MAX, ASN1_STRING_get0_data(gn->d.dNSName),
				       ASN1_STRING_length(gn->d.dNSName));
		} else {
			int len = ASN1_STRING_length(gn->d.iPAddress);
			int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
			if (!family || !inet_ntop(family, ASN1_STRING_get0_data(gn->d.iPAddress),
						  slot, TLS_CERT_SAN_MAX))
				continue;
		}
		out->sans_count++;
	}
	GENERAL_NAMES_free(names);
}

static X509 *parse_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	if (len > INT32_MAX)
		return NULL;
	X509 *cert = d2i_X509(NULL, &p, (long)len);
	if (!cert)
		ERR_clear_error();
	return cert;
}

int tls_cert_decode(const uint8_t *der, size_t len, struct tls_cert_info *out)
{
	memset(out, 0, sizeof(*out));
	X509 *cert = parse_der(der, len);
	if (!cert)
		return -EBADMSG;
	name_to_text(X509_get_subject_name(cert), out->subject, sizeof(out->subject));
	name_to_text(X509_get_issuer_name(cert), out->issuer, sizeof(out->issuer));
	collect_sans(cert, out);
	out->not_before = asn1_time_to_epoch(X509_get0_notBefore(cert));
	out->not_after = asn1_time_to_epoch(X509_get0_notAfter(cert));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (EVP_Digest(der, len, md, &md_len, EVP_sha256(), NULL))
		for (unsigned int i = 0; i < md_len && i < 32; i++)
			snprintf(out->sha256 + 2 * i, 3, "%02x", md[i]);
	X509_free(cert);
	return 0;
}

int tls_trust_load(struct tls_trust **out, const char *ca_file, const char *ca_dir, char *err,
		   size_t err_len)
{
	*out = NULL;
	struct tls_trust *trust = calloc(1, sizeof(*trust));
	if (trust)
		trust->store = X509_STORE_new();
	if (!trust || !trust->store) {
		snprintf(err, err_len, "out of memory for the trust store");
		free(trust);
		return -ENOMEM;
	}
	int ok = ca_file || ca_dir ? X509_STORE_load_locations(trust->store, ca_file, ca_dir)
				   : X509_STORE_set_default_paths(trust->store);
	if (!ok) {
		char reason[160];
		ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
		ERR_clear_error();
		snprintf(err, err_len, "cannot load trust store (%s%s%s): %s",
			 ca_file ? ca_file : "", ca_file && ca_dir ? ", " : "",
			 ca_dir ? ca_dir : (ca_file ? "" : "system default"), reason);
		tls_trust_free(trust);
		return -EIO;
	}
	*out = trust;
	return 0;
}

void tls_trust_free(struct tls_trust *trust)
{
	if (!trust)
		return;
	X509_STORE_free(trust->store);
	free(trust);
}

static enum tls_chain_verdict verdict_of(int verify_error)
{
	switch (verify_error) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return TLS_CHAIN_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return TLS_CHAIN_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return TLS_CHAIN_INCOMPLETE;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return TLS_CHAIN_NAME_MISMATCH;
	default: /* self-signed root not trusted, bad signature, not a CA, wrong purpose... */
		return TLS_CHAIN_UNTRUSTED;
	}
}

/* Records the first error of each verdict; the chain is verified to the end regardless. */
static void note_problem(struct tls_chain_result *out, int verify_error, int depth,
			 const X509 *cert)
{
	enum tls_chain_verdict v = verdict_of(verify_error);
	if (out->problems & (1u << v))
		return;
	out->problems |= 1u << v;
	if (v == TLS_CHAIN_INCOMPLETE && cert)
		name_to_text(X509_get_issuer_name(cert), out->missing_issuer,
			     sizeof(out->missing_issuer));
	/* The reported error is the one behind the verdict: the lowest problem so far. */
	if (out->problems & ((1u << v) - 1))
		return;
	out->verify_error = verify_error;
	out->verify_error_depth = depth;
	snprintf(out->verify_error_str, sizeof(out->verify_error_str), "%s",
		 X509_verify_cert_error_string(verify_error));
}

static int collect_errors(int ok, X509_STORE_CTX *ctx)
{
	if (!ok) {
		struct tls_chain_result *out = X509_STORE_CTX_get_app_data(ctx);
		note_problem(out, X509_STORE_CTX_get_error(ctx),
			     X509_STORE_CTX_get_error_depth(ctx),
			     X509_STORE_CTX_get_current_cert(ctx));
	}
	return 1;
}

static void check_name(X509 *leaf, const struct tls_chain_request *req,
		       struct tls_chain_result *out)
{
	if (req->host && req->host[0]) {
		if (X509_check_host(leaf, req->host, strlen(req->host), 0, NULL) != 1)
			note_problem(out, X509_V_ERR_HOSTNAME_MISMATCH, 0, leaf);
	} else if (req->ip && req->ip[0]) {
		if (X509_check_ip_asc(leaf, req->ip, 0) != 1)
			note_problem(out, X509_V_ERR_IP_ADDRESS_MISMATCH, 0, leaf);
	}
}

static int verify(struct tls_trust *trust, X509 *leaf, STACK_OF(X509) * rest,
		  const struct tls_chain_request *req, struct tls_chain_result *out)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (!ctx || !X509_STORE_CTX_init(ctx, trust->store, leaf, rest)) {
		X509_STORE_CTX_free(ctx);
		return -ENOMEM;
	}
	X509_STORE_CTX_set_app_data(ctx, out);
	X509_STORE_CTX_set_verify_cb(ctx, collect_errors);
	X509_STORE_CTX_set_purpose(ctx, req->sender == TLS_CHAIN_FROM_CLIENT
					    ? X509_PURPOSE_SSL_CLIENT
					    : X509_PURPOSE_SSL_SERVER);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)req->at_epoch_s);
	int rc = X509_verify_cert(ctx);
	if (rc <= 0 && out->problems == 0) /* failed without calling back: internal error */
		note_problem(out, X509_STORE_CTX_get_error(ctx), 0, NULL);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return 0;
}

int tls_chain_check(struct tls_trust *trust, const struct tls_chain_request *req,
		    struct tls_chain_result *out)
{
	memset(out, 0, sizeof(*out));
	if (req->count == 0)
		return -EINVAL;
	X509 *leaf = NULL;
	STACK_OF(X509) *rest = sk_X509_new_null();
	int rc = rest ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < req->count; i++) {
		X509 *cert = parse_der(req->certs[i].ptr, req->certs[i].len);
		if (!cert) {
			snprintf(out->verify_error_str, sizeof(out->verify_error_str),
				 "certificate %zu of %zu is not DER X.509", i + 1, req->count);
			rc = -EBADMSG;
		} else if (i == 0) {
			leaf = cert;
		} else if (!sk_X509_push(rest, cert)) {
			X509_free(cert);
			rc = -ENOMEM;
		}
	}
	if (rc == 0)
		rc = verify(trust, leaf, rest, req, out);
	if (rc == 0)
		check_name(leaf, req, out);
	if (rc == 0 && out->problems) {
		for (unsigned v = 0; v < 32; v++) {
			if (out->problems & (1u << v)) {
				out->verdict = (enum tls_chain_verdict)v;
				break;
			}
		}
	}
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	return rc;
}

const char *tls_chain_verdict_name(enum tls_chain_verdict verdict)
{
	switch (verdict) {
	case TLS_CHAIN_OK:
		return "ok";
	case TLS_CHAIN_EXPIRED:
		return "expired";
	case TLS_CHAIN_NOT_YET_VALID:
		return "not_yet_valid";
	case TLS_CHAIN_INCOMPLETE:
		return "incomplete";
	case TLS_CHAIN_UNTRUSTED:
		return "untrusted";
	case TLS_CHAIN_NAME_MISMATCH:
		return "name_mismatch";
	}
	return "unknown";
}
