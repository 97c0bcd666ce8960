#include "test_pki.h"

#include <openssl/bn.h>
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

/* A random positive 64-bit serial: a counter would repeat across processes (tools/pki makes
 * each certificate of a PKI in a process of its own). */
static int serial_set(X509 *cert)
{
	BIGNUM *serial = BN_new();
	int ok = serial && BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ODD) &&
		 BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert));

	BN_free(serial);
	return ok ? 0 : -1;
}

int test_cert_make(struct test_cert *out, const struct test_cert_spec *spec,
		   const struct test_cert *issuer)
{
	memset(out, 0, sizeof(*out));
	out->key = EVP_EC_gen("P-256");
	out->cert = X509_new();
	if (!out->key || !out->cert || serial_set(out->cert))
		return -1;
	X509 *cert = out->cert;
	X509_set_version(cert, 2);
	ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)spec->not_before);
	ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)spec->not_after);
	X509_NAME *name = X509_get_subject_name(cert);
	const char *org = spec->org ? spec->org : "siptrail test";
	if (*org)
		X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)org, -1,
					   -1, 0);
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

int test_cert_load(struct test_cert *out, const char *cert_path, const char *key_path)
{
	FILE *cert_file = fopen(cert_path, "r");
	FILE *key_file = fopen(key_path, "r");

	memset(out, 0, sizeof(*out));
	if (cert_file)
		out->cert = PEM_read_X509(cert_file, NULL, NULL, NULL);
	if (key_file)
		out->key = PEM_read_PrivateKey(key_file, NULL, NULL, NULL);
	if (cert_file)
		fclose(cert_file);
	if (key_file)
		fclose(key_file);
	if (out->cert)
		out->der_len = i2d_X509(out->cert, &out->der);
	if (!out->key || out->der_len <= 0) {
		fprintf(stderr, "test_cert_load: cannot read %s and %s\n", cert_path, key_path);
		test_cert_free(out);
		return -1;
	}
	return 0;
}

int test_pem_write(const char *path, const struct test_cert *const *certs, int count,
		   const struct test_cert *key_of)
{
	FILE *f = fopen(path, "w");
	int ok = f != NULL;

	for (int i = 0; ok && i < count; i++)
		ok = PEM_write_X509(f, certs[i]->cert);
	if (ok && key_of)
		ok = PEM_write_PrivateKey(f, key_of->key, NULL, NULL, 0, NULL, NULL);
	if (f && fclose(f))
		ok = 0;
	if (!ok)
		fprintf(stderr, "test_pem_write: cannot write %s\n", path);
	return ok ? 0 : -1;
}

int test_cert_write_pem(const struct test_cert *const *certs, int count, char *path)
{
	snprintf(path, 64, "/tmp/siptrail-test-ca-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return test_pem_write(path, certs, count, NULL);
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
