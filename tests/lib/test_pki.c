#include "test_pki.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

int test_cert_make(struct test_cert *out, const struct test_cert_spec *spec,
		   const struct test_cert *issuer)
{
	static long serial = 1;
	memset(out, 0, sizeof(*out));
	out->key = EVP_EC_gen("P-256");
	out->cert = X509_new();
	if (!out->key || !out->cert)
		return -1;
	X509 *cert = out->cert;
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
	ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)spec->not_before);
	ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)spec->not_after);
	X509_NAME *name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"siptrail test",
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)spec->cn, -1,
				   -1, 0);
	X509 *issuer_cert = issuer ? issuer->cert : cert;
	X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
	X509_set_pubkey(cert, out->key);
	int rc = add_ext(cert, issuer_cert, NID_basic_constraints,
			 spec->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	rc |= add_ext(cert, issuer_cert, NID_key_usage,
		      spec->is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	rc |= add_ext(cert, issuer_cert, NID_subject_key_identifier, "hash");
	if (issuer)
		rc |= add_ext(cert, issuer_cert, NID_authority_key_identifier, "keyid");
	if (spec->ext_key_usage)
		rc |= add_ext(cert, issuer_cert, NID_ext_key_usage, spec->ext_key_usage);
	if (spec->dns_san || spec->ip_san) {
		char san[256];
		snprintf(san, sizeof(san), "%s%s%s%s%s", spec->dns_san ? "DNS:" : "",
			 spec->dns_san ? spec->dns_san : "",
			 spec->dns_san && spec->ip_san ? "," : "", spec->ip_san ? "IP:" : "",
			 spec->ip_san ? spec->ip_san : "");
		rc |= add_ext(cert, issuer_cert, NID_subject_alt_name, san);
	}
	if (rc || !X509_sign(cert, issuer ? issuer->key : out->key, EVP_sha256()))
		return -1;
	out->der = NULL;
	out->der_len = i2d_X509(cert, &out->der);
	return out->der_len > 0 ? 0 : -1;
}

void test_cert_free(struct test_cert *cert)
{
	X509_free(cert->cert);
	EVP_PKEY_free(cert->key);
	OPENSSL_free(cert->der);
	memset(cert, 0, sizeof(*cert));
}

int test_cert_write_pem(const struct test_cert *const *certs, int count, char *path)
{
	snprintf(path, 64, "/tmp/siptrail-test-ca-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < count; i++)
		if (!PEM_write_X509(f, certs[i]->cert))
			rc = -1;
	return fclose(f) || rc ? -1 : 0;
}

uint8_t *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = grown;
		}
		size_t n = fread(buf + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return buf;
}
