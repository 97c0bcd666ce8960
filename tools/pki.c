/* tools/pki: the command-line front end of the tests' PKI maker (tests/lib/test_pki.c), for
 * the shell: tools/lab/pki.sh, tests/live/lab/trunk_capture.sh and tests/kernels/guest.sh
 * describe their PKI as a list of these calls instead of running `openssl req/x509`. One call
 * makes one certificate and its key. Built by the Makefile as $(BUILD)/tools/pki. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_pki.h"

#define DAY_S (24 * 3600)

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: pki DIR NAME [options]\n"
	    "Makes DIR/NAME.pem and DIR/NAME.key: an EC P-256 certificate signed with SHA-256\n"
	    "by DIR/ISSUER.pem and DIR/ISSUER.key (--issuer), or self-signed. Without --ca it is\n"
	    "a leaf for serverAuth and clientAuth. Valid from a day ago for 30 days.\n"
	    "  --cn CN              subject CN                       (NAME)\n"
	    "  --org O              subject O before the CN          (none)\n"
	    "  --ca                 a CA certificate\n"
	    "  --issuer ISSUER      signed by DIR/ISSUER.{pem,key}   (self-signed)\n"
	    "  --dns NAME           a DNS subjectAltName\n"
	    "  --ip ADDRESS         an IP subjectAltName\n"
	    "  --not-before DATE    valid from DATE (YYYY-MM-DD, UTC)\n"
	    "  --not-after DATE     valid until DATE (YYYY-MM-DD, UTC)\n");
}

/* DATE as YYYY-MM-DD (midnight UTC) into epoch seconds. Returns 0 or -EINVAL. */
static int date_parse(const char *date, int64_t *epoch_s)
{
	struct tm tm = {0};
	const char *end = strptime(date, "%Y-%m-%d", &tm);

	if (!end || *end)
		return -EINVAL;
	*epoch_s = timegm(&tm);
	return 0;
}

/* DIR/NAME.EXT into PATH (PATH_MAX bytes). Returns 0 or -ENAMETOOLONG. */
static int path_of(char *path, const char *dir, const char *name, const char *ext)
{
	return snprintf(path, PATH_MAX, "%s/%s.%s", dir, name, ext) >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {{"cn", required_argument, NULL, 'c'},
						{"org", required_argument, NULL, 'o'},
						{"ca", no_argument, NULL, 'a'},
						{"issuer", required_argument, NULL, 'i'},
						{"dns", required_argument, NULL, 'd'},
						{"ip", required_argument, NULL, 'p'},
						{"not-before", required_argument, NULL, 'b'},
						{"not-after", required_argument, NULL, 'e'},
						{"help", no_argument, NULL, 'h'},
						{0}};
	int64_t now = time(NULL);
	struct test_cert_spec spec = {.org = "",
				      .not_before = now - DAY_S,
				      .not_after = now + 30 * DAY_S,
				      .ext_key_usage = "serverAuth,clientAuth"};
	char cert_path[PATH_MAX], key_path[PATH_MAX], issuer_pem[PATH_MAX], issuer_key[PATH_MAX];
	struct test_cert cert, issuer = {0};
	const char *issuer_name = NULL, *dir, *name;
	int option, rc = 1;

	while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (option) {
		case 'c':
			spec.cn = optarg;
			break;
		case 'o':
			spec.org = optarg;
			break;
		case 'a':
			spec.is_ca = true;
			break;
		case 'i':
			issuer_name = optarg;
			break;
		case 'd':
			spec.dns_san = optarg;
			break;
		case 'p':
			spec.ip_san = optarg;
			break;
		case 'b':
		case 'e':
			if (date_parse(optarg,
				       option == 'b' ? &spec.not_before : &spec.not_after)) {
				fprintf(stderr, "pki: '%s' is not a date (YYYY-MM-DD)\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	dir = argv[optind];
	name = argv[optind + 1];
	if (!spec.cn)
		spec.cn = name;
	if (spec.is_ca)
		spec.ext_key_usage = NULL;
	if (path_of(cert_path, dir, name, "pem") || path_of(key_path, dir, name, "key") ||
	    (issuer_name && (path_of(issuer_pem, dir, issuer_name, "pem") ||
			     path_of(issuer_key, dir, issuer_name, "key")))) {
		fprintf(stderr, "pki: %s/%s: path too long\n", dir, name);
		return 1;
	}
	if (issuer_name && test_cert_load(&issuer, issuer_pem, issuer_key))
		return 1;
	if (test_cert_make(&cert, &spec, issuer_name ? &issuer : NULL))
		fprintf(stderr, "pki: cannot make %s\n", cert_path);
	else if (!test_pem_write(cert_path, (const struct test_cert *[]){&cert}, 1, NULL) &&
		 !test_pem_write(key_path, NULL, 0, &cert))
		rc = 0;
	test_cert_free(&cert);
	test_cert_free(&issuer);
	return rc;
}
