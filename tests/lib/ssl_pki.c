#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssl_pki.h"

/* EC keys keep the PKI fast on a small machine. */
static const char *const pki_script =
    "(set -e; cd '%s'\n"
    "cat > ca.ext <<'X'\n"
    "basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    "X\n"
    "cat > leaf.ext <<'X'\n"
    "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:server.stssl.test\n"
    "X\n"
    "key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $1; }\n"
    "key root.key; key other.key; key inter.key; key server.key\n"
    "openssl req -x509 -new -key root.key -subj /CN=stssl-root -days 2 "
    "-addext basicConstraints=critical,CA:true -out root.pem\n"
    "openssl req -x509 -new -key other.key -subj /CN=stssl-other-root -days 2 "
    "-addext basicConstraints=critical,CA:true -out other-root.pem\n"
    "openssl req -new -key inter.key -subj /CN=stssl-intermediate -out inter.csr\n"
    "openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 2 "
    "-extfile ca.ext -out inter.pem\n"
    "openssl req -new -key server.key -subj /CN=server.stssl.test -out server.csr\n"
    "openssl x509 -req -in server.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 2 "
    "-extfile leaf.ext -out server.pem\n"
    "cat server.pem inter.pem > server-chain.pem\n"
    ") >/dev/null 2>%s/pki.err || { cat %s/pki.err >&2; exit 1; }\n";

static int path_join(char *out, const char *dir, const char *name)
{
	return snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX ? -1 : 0;
}

int ssl_pki_make(struct ssl_pki *pki)
{
	char command[3 * PATH_MAX + 2048];
	int status;

	memset(pki, 0, sizeof(*pki));
	strcpy(pki->dir, "/tmp/siptrail-pki-XXXXXX");
	if (!mkdtemp(pki->dir)) {
		perror("ssl_pki_make: mkdtemp");
		return -1;
	}
	snprintf(command, sizeof(command), pki_script, pki->dir, pki->dir, pki->dir);
	status = system(command);
	if (status != 0) {
		fprintf(stderr, "ssl_pki_make: openssl commands failed in %s (status %d)\n",
			pki->dir, status);
		return -1;
	}
	if (path_join(pki->root, pki->dir, "root.pem") ||
	    path_join(pki->other_root, pki->dir, "other-root.pem") ||
	    path_join(pki->server_key, pki->dir, "server.key") ||
	    path_join(pki->server_chain, pki->dir, "server-chain.pem") ||
	    path_join(pki->server_leaf, pki->dir, "server.pem"))
		return -1;
	return 0;
}

void ssl_pki_remove(const struct ssl_pki *pki)
{
	char command[PATH_MAX + 16];

	if (!pki->dir[0])
		return;
	snprintf(command, sizeof(command), "rm -rf '%s'", pki->dir);
	if (system(command) != 0)
		fprintf(stderr, "ssl_pki_remove: cannot remove %s\n", pki->dir);
}
