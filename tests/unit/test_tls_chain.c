/* X.509 decoding and chain verdicts on a PKI made at test time: root -> intermediate -> leaf,
 * plus an unrelated root, an expired and a not-yet-valid leaf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/test_pki.h"
#include "tls_chain.h"

#define DAY 86400
#define NOW 1700000000 /* the "capture time" of these tests */

struct pki {
	struct test_cert root, intermediate, leaf, expired_leaf, future_leaf;
	struct test_cert other_root, other_leaf;
	char ca_file[64];
	struct tls_trust *trust;
};

static int setup(void **state)
{
	static struct pki pki;
	const struct test_cert_spec root = {"Test Root CA",  NULL,	     NULL, true,
					    NOW - 900 * DAY, NOW + 900 * DAY};
	const struct test_cert_spec inter = {"Test Intermediate CA", NULL,	     NULL, true,
					     NOW - 400 * DAY,	     NOW + 400 * DAY};
	const struct test_cert_spec leaf = {"sbc.example.test", "sbc.example.test",
					    "10.99.0.1",	false,
					    NOW - 10 * DAY,	NOW + 80 * DAY};
	const struct test_cert_spec expired = {"sbc.example.test", "sbc.example.test", NULL, false,
					       NOW - 100 * DAY,	   NOW - DAY};
	const struct test_cert_spec future = {"sbc.example.test", "sbc.example.test", NULL, false,
					      NOW + DAY,	  NOW + 100 * DAY};
	const struct test_cert_spec other = {"Other Root CA", NULL,	      NULL, true,
					     NOW - 900 * DAY, NOW + 900 * DAY};
	if (test_cert_make(&pki.root, &root, NULL) ||
	    test_cert_make(&pki.intermediate, &inter, &pki.root) ||
	    test_cert_make(&pki.leaf, &leaf, &pki.intermediate) ||
	    test_cert_make(&pki.expired_leaf, &expired, &pki.intermediate) ||
	    test_cert_make(&pki.future_leaf, &future, &pki.intermediate) ||
	    test_cert_make(&pki.other_root, &other, NULL) ||
	    test_cert_make(&pki.other_leaf, &leaf, &pki.other_root))
		return -1;
	const struct test_cert *trusted[] = {&pki.root};
	char err[256];
	if (test_cert_write_pem(trusted, 1, pki.ca_file) ||
	    tls_trust_load(&pki.trust, pki.ca_file, NULL, err, sizeof(err)))
		return -1;
	*state = &pki;
	return 0;
}

static int teardown(void **state)
{
	struct pki *pki = *state;
	unlink(pki->ca_file);
	tls_trust_free(pki->trust);
	struct test_cert *all[] = {&pki->root,	       &pki->intermediate, &pki->leaf,
				   &pki->expired_leaf, &pki->future_leaf,  &pki->other_root,
				   &pki->other_leaf};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		test_cert_free(all[i]);
	return 0;
}

static struct tls_view view(const struct test_cert *c)
{
	return (struct tls_view){c->der, (size_t)c->der_len};
}

static struct tls_chain_result check(struct pki *pki, const struct test_cert *c0,
				     const struct test_cert *c1, const struct test_cert *c2,
				     const char *host, const char *ip)
{
	struct tls_view certs[3];
	size_t n = 0;
	for (const struct test_cert *c = c0; n < 3 && c; c = n == 1 ? c1 : n == 2 ? c2 : NULL)
		certs[n++] = view(c);
	struct tls_chain_request req = {certs, n, host, ip, NOW, TLS_CHAIN_FROM_SERVER};
	struct tls_chain_result result;
	assert_int_equal(tls_chain_check(pki->trust, &req, &result), 0);
	return result;
}

static void test_cert_fields(void **state)
{
	struct pki *pki = *state;
	struct tls_cert_info info;
	assert_int_equal(tls_cert_decode(pki->leaf.der, pki->leaf.der_len, &info), 0);
	assert_string_equal(info.subject, "CN=sbc.example.test,O=siptrail test");
	assert_string_equal(info.issuer, "CN=Test Intermediate CA,O=siptrail test");
	assert_int_equal(info.sans_count, 2);
	assert_string_equal(info.sans[0], "sbc.example.test");
	assert_string_equal(info.sans[1], "10.99.0.1");
	assert_int_equal(info.not_before, NOW - 10 * DAY);
	assert_int_equal(info.not_after, NOW + 80 * DAY);
	unsigned char md[32];
	unsigned int md_len;
	char hex[65];
	EVP_Digest(pki->leaf.der, pki->leaf.der_len, md, &md_len, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	assert_string_equal(info.sha256, hex);
}

static void test_cert_garbage(void **state)
{
	(void)state;
	struct tls_cert_info info;
	const uint8_t junk[] = {0x30, 0x82, 0x05, 0x00, 0x01, 0x02};
	assert_int_equal(tls_cert_decode(junk, sizeof(junk), &info), -EBADMSG);
}

static void test_chain_ok(void **state)
{
	struct pki *pki = *state;
	struct tls_chain_result r =
	    check(pki, &pki->leaf, &pki->intermediate, NULL, "sbc.example.test", NULL);
	assert_int_equal(r.verdict, TLS_CHAIN_OK);
	assert_int_equal(r.problems, 0);
	/* The root sent along is fine too. */
	r = check(pki, &pki->leaf, &pki->intermediate, &pki->root, NULL, "10.99.0.1");
	assert_int_equal(r.verdict, TLS_CHAIN_OK);
}

static void test_chain_leaf_only_is_incomplete(void **state)
{
	struct pki *pki = *state;
	struct tls_chain_result r = check(pki, &pki->leaf, NULL, NULL, "sbc.example.test", NULL);
	assert_string_equal(tls_chain_verdict_name(r.verdict), "incomplete");
	assert_string_equal(r.missing_issuer, "CN=Test Intermediate CA,O=siptrail test");
	assert_string_equal(r.verify_error_str, "unable to get local issuer certificate");
}

static void test_chain_unrelated_root_is_untrusted(void **state)
{
	struct pki *pki = *state;
	struct tls_chain_result r =
	    check(pki, &pki->other_leaf, &pki->other_root, NULL, "sbc.example.test", NULL);
	assert_string_equal(tls_chain_verdict_name(r.verdict), "untrusted");
	assert_string_equal(r.verify_error_str, "self-signed certificate in certificate chain");
	assert_string_equal(r.missing_issuer, "");
}

static void test_chain_expired_and_not_yet_valid(void **state)
{
	struct pki *pki = *state;
	struct tls_chain_result r =
	    check(pki, &pki->expired_leaf, &pki->intermediate, NULL, "sbc.example.test", NULL);
	assert_string_equal(tls_chain_verdict_name(r.verdict), "expired");
	assert_string_equal(r.verify_error_str, "certificate has expired");
	assert_int_equal(r.verify_error_depth, 0);
	r = check(pki, &pki->future_leaf, &pki->intermediate, NULL, "sbc.example.test", NULL);
	assert_string_equal(tls_chain_verdict_name(r.verdict), "not_yet_valid");
	/* Evaluated at the given time, not now: the same expired leaf was good back then. */
	struct tls_view certs[2] = {view(&pki->expired_leaf), view(&pki->intermediate)};
	struct tls_chain_request req = {
	    certs, 2, "sbc.example.test", NULL, NOW - 50 * DAY, TLS_CHAIN_FROM_SERVER};
	assert_int_equal(tls_chain_check(pki->trust, &req, &r), 0);
	assert_int_equal(r.verdict, TLS_CHAIN_OK);
}

static void test_chain_name_mismatch(void **state)
{
	struct pki *pki = *state;
	struct tls_chain_result r =
	    check(pki, &pki->leaf, &pki->intermediate, NULL, "carrier.example.test", NULL);
	assert_string_equal(tls_chain_verdict_name(r.verdict), "name_mismatch");
	assert_string_equal(r.verify_error_str, "hostname mismatch");
	r = check(pki, &pki->leaf, &pki->intermediate, NULL, NULL, "10.99.0.2");
	assert_int_equal(r.verdict, TLS_CHAIN_NAME_MISMATCH);
	/* Several problems: the verdict is the first in enum order, all are flagged. */
	r = check(pki, &pki->expired_leaf, NULL, NULL, "carrier.example.test", NULL);
	assert_int_equal(r.verdict, TLS_CHAIN_EXPIRED);
	assert_true(r.problems & (1u << TLS_CHAIN_INCOMPLETE));
	assert_true(r.problems & (1u << TLS_CHAIN_NAME_MISMATCH));
	assert_string_equal(r.missing_issuer, "CN=Test Intermediate CA,O=siptrail test");
}

static void test_chain_bad_input(void **state)
{
	struct pki *pki = *state;
	const uint8_t junk[] = {1, 2, 3};
	struct tls_view certs[2] = {view(&pki->leaf), {junk, sizeof(junk)}};
	struct tls_chain_request req = {certs, 2, NULL, NULL, NOW, TLS_CHAIN_FROM_SERVER};
	struct tls_chain_result r;
	assert_int_equal(tls_chain_check(pki->trust, &req, &r), -EBADMSG);
	assert_string_equal(r.verify_error_str, "certificate 2 of 2 is not DER X.509");
	req.count = 0;
	assert_int_equal(tls_chain_check(pki->trust, &req, &r), -EINVAL);
	struct tls_trust *trust;
	char err[256];
	assert_int_equal(tls_trust_load(&trust, "/nonexistent/ca.pem", NULL, err, sizeof(err)),
			 -EIO);
	assert_non_null(strstr(err, "/nonexistent/ca.pem"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cert_fields),
	    cmocka_unit_test(test_cert_garbage),
	    cmocka_unit_test(test_chain_ok),
	    cmocka_unit_test(test_chain_leaf_only_is_incomplete),
	    cmocka_unit_test(test_chain_unrelated_root_is_untrusted),
	    cmocka_unit_test(test_chain_expired_and_not_yet_valid),
	    cmocka_unit_test(test_chain_name_mismatch),
	    cmocka_unit_test(test_chain_bad_input),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
