#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ssl_pki.h"
#include "test_pki.h"

#define DAY_S (24 * 3600)

static int path_join(char *out, const char *dir, const char *name)
{
	return snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX ? -1 : 0;
}

/* The files in DIR/, named by the struct's fields. */
static int paths_set(struct ssl_pki *pki)
{
	return path_join(pki->root, pki->dir, "root.pem") ||
	       path_join(pki->other_root, pki->dir, "other-root.pem") ||
	       path_join(pki->inter, pki->dir, "inter.pem") ||
	       path_join(pki->server_key, pki->dir, "server.key") ||
	       path_join(pki->server_chain, pki->dir, "server-chain.pem") ||
	       path_join(pki->server_leaf, pki->dir, "server.pem") ||
	       path_join(pki->renewed_key, pki->dir, "renewed.key") ||
	       path_join(pki->renewed_leaf, pki->dir, "renewed.pem");
}

int ssl_pki_make(struct ssl_pki *pki)
{
	int64_t now = time(NULL);
	struct test_cert_spec ca = {
	    .is_ca = true, .not_before = now - DAY_S, .not_after = now + 2 * DAY_S};
	struct test_cert_spec leaf = {.cn = SSL_PKI_SERVER_NAME,
				      .dns_san = SSL_PKI_SERVER_NAME,
				      .ip_san = "127.0.0.1",
				      .ext_key_usage = "serverAuth,clientAuth",
				      .not_before = now - DAY_S,
				      .not_after = now + DAY_S};
	struct test_cert root, other, inter, server, renewed;
	int rc;

	memset(pki, 0, sizeof(*pki));
	strcpy(pki->dir, "/tmp/siptrail-pki-XXXXXX");
	if (!mkdtemp(pki->dir)) {
		perror("ssl_pki_make: mkdtemp");
		return -1;
	}
	if (paths_set(pki))
		return -1;
	ca.cn = "siptrail test root";
	rc = test_cert_make(&root, &ca, NULL);
	ca.cn = "siptrail other root";
	rc |= test_cert_make(&other, &ca, NULL);
	ca.cn = "siptrail test intermediate";
	rc |= test_cert_make(&inter, &ca, &root);
	rc |= test_cert_make(&server, &leaf, &inter);
	rc |= test_cert_make(&renewed, &leaf, &inter);
	if (rc)
		fprintf(stderr, "ssl_pki_make: cannot make the certificates\n");
	else
		rc = test_pem_write(pki->root, (const struct test_cert *[]){&root}, 1, NULL) ||
		     test_pem_write(pki->other_root, (const struct test_cert *[]){&other}, 1,
				    NULL) ||
		     test_pem_write(pki->inter, (const struct test_cert *[]){&inter}, 1, NULL) ||
		     test_pem_write(pki->server_leaf, (const struct test_cert *[]){&server}, 1,
				    NULL) ||
		     test_pem_write(pki->server_chain,
				    (const struct test_cert *[]){&server, &inter}, 2, NULL) ||
		     test_pem_write(pki->server_key, NULL, 0, &server) ||
		     test_pem_write(pki->renewed_leaf, (const struct test_cert *[]){&renewed}, 1,
				    NULL) ||
		     test_pem_write(pki->renewed_key, NULL, 0, &renewed);
	test_cert_free(&root);
	test_cert_free(&other);
	test_cert_free(&inter);
	test_cert_free(&server);
	test_cert_free(&renewed);
	return rc ? -1 : 0;
}

void ssl_pki_remove(const struct ssl_pki *pki)
{
	const char *files[] = {pki->root,	 pki->other_root,   pki->inter,
			       pki->server_key,	 pki->server_chain, pki->server_leaf,
			       pki->renewed_key, pki->renewed_leaf};

	if (!pki->dir[0])
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i][0])
			unlink(files[i]);
	if (rmdir(pki->dir))
		fprintf(stderr, "ssl_pki_remove: cannot remove %s\n", pki->dir);
}
