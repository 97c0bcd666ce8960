/* Kamailio's tls.cfg as probe-reverse reads it: the lab's own file, the profile chosen for a
 * peer, relative paths, and the errors for a missing, unreadable or malformed file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kamailio_tls_cfg.h"
#include "siptrail_cmd.h"

static char err[256];
static struct tls_client_profile profile;

/* Writes TEXT to a new temporary file; PATH gets its name. */
static void write_cfg(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/siptrail-tls-cfg-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The template the lab renders for each side (tools/lab/tls.cfg.in): the client profile's
 * trust store, certificate and key, relative to the file's folder. */
static void test_lab_template(void **state)
{
	(void)state;
	assert_int_equal(kamailio_tls_cfg_client("tools/lab/tls.cfg.in", "10.99.0.2", 5061,
						 &profile, err, sizeof(err)),
			 0);
	assert_string_equal(profile.name, "client:default");
	assert_string_equal(profile.ca_list, "tools/lab/@CLIENT_TRUST@");
	assert_string_equal(profile.certificate, "tools/lab/@CLIENT_CHAIN@");
	assert_string_equal(profile.private_key, "tools/lab/@CLIENT_KEY@");
	assert_true(profile.verify_certificate);
}

static void test_peer_profile_wins(void **state)
{
	char path[64];

	(void)state;
	write_cfg(path, "# comment\n"
			"[server:default]\ncertificate = /srv/server.pem\n\n"
			"[client:default]\nca_list = /etc/ssl/default-ca.pem\n"
			"[client:192.0.2.7:5061]\n"
			"  ca_list = \"/etc/ssl/peer ca.pem\"  # the carrier's root\n"
			"certificate=/etc/ssl/me.pem\nprivate_key = /etc/ssl/me.key\n"
			"verify_certificate = yes\n");
	assert_int_equal(
	    kamailio_tls_cfg_client(path, "192.0.2.7", 5061, &profile, err, sizeof(err)), 0);
	assert_string_equal(profile.name, "client:192.0.2.7:5061");
	assert_string_equal(profile.ca_list, "/etc/ssl/peer ca.pem");
	assert_string_equal(profile.certificate, "/etc/ssl/me.pem");
	assert_true(profile.verify_certificate);
	/* another peer gets the default profile, whose verify_certificate is Kamailio's no */
	assert_int_equal(
	    kamailio_tls_cfg_client(path, "192.0.2.8", 5061, &profile, err, sizeof(err)), 0);
	assert_string_equal(profile.name, "client:default");
	assert_string_equal(profile.ca_list, "/etc/ssl/default-ca.pem");
	assert_string_equal(profile.certificate, "");
	assert_false(profile.verify_certificate);
	unlink(path);
}

static void test_errors(void **state)
{
	char path[64];

	(void)state;
	assert_int_equal(kamailio_tls_cfg_client("/nonexistent/tls.cfg", "192.0.2.7", 5061,
						 &profile, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "No such file or directory");
	assert_int_equal(
	    kamailio_tls_cfg_client("/tmp", "192.0.2.7", 5061, &profile, err, sizeof(err)),
	    -EISDIR);
	write_cfg(path, "[client:default]\nca_list /no/equals/sign\n");
	assert_int_equal(
	    kamailio_tls_cfg_client(path, "192.0.2.7", 5061, &profile, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 2: neither [section] nor key = value");
	unlink(path);
	write_cfg(path, "[server:default]\ncertificate = /srv/server.pem\n");
	assert_int_equal(
	    kamailio_tls_cfg_client(path, "192.0.2.7", 5061, &profile, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no [client:default] or [client:192.0.2.7:5061] profile");
	unlink(path);
}

/* The command names the file and the reason once, and exits 2 before probing anything. */
static void test_command_error(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(siptrail_cmd("probe-reverse --kamailio-tls-cfg /nonexistent/tls.cfg "
				      "127.0.0.1:9",
				      out, sizeof(out)),
			 2);
	assert_string_equal(out, "siptrail probe-reverse: cannot use Kamailio tls.cfg "
				 "/nonexistent/tls.cfg: No such file or directory\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lab_template),
	    cmocka_unit_test(test_peer_profile_wins),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_command_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
