/* siptrail live keeps only the capabilities it still uses once its programs are attached
 * (userspace/cli/live_privileges.h: none from Linux 6.5), and with --user runs as that user:
 * /proc says so, its files are the user's and mode 0600, and tracing goes on, a TLS connection
 * made after the drop included (its libssl I/O programs are attached then, with what was
 * kept). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/ssl_pki.h"
#include "../lib/tcp_pair.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORT_PLAIN 25175
#define PORT_TLS   25176
#define USER	   "nobody"
#define CALL_ID	   "after-drop-1"
#define OPTIONS                                                                                    \
	"OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS "                                 \
	"127.0.0.1:5061;branch=z9hG4bK-1\r\n"                                                      \
	"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: " CALL_ID          \
	"\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
#define WAIT_MS 10000

#define CAP_BIT(cap) (1ULL << (cap))
#define KEPT_OLD     (CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON))

/* A "Name:\tvalue" line of /proc/PID/status. */
static void proc_status(pid_t pid, const char *name, char *value, size_t size)
{
	char path[64], line[256];
	size_t name_len = strlen(name);
	FILE *status;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status = fopen(path, "r");
	assert_non_null(status);
	value[0] = '\0';
	while (fgets(line, sizeof(line), status))
		if (!strncmp(line, name, name_len) && line[name_len] == ':') {
			snprintf(value, size, "%s", line + name_len + 2);
			value[strcspn(value, "\n")] = '\0';
			break;
		}
	fclose(status);
}

static unsigned long long proc_caps(pid_t pid, const char *set)
{
	char value[64];

	proc_status(pid, set, value, sizeof(value));
	return strtoull(value, NULL, 16);
}

/* What live_privileges.h says is kept on this kernel. */
static unsigned long long caps_kept(bool other_user)
{
	struct utsname uts;
	unsigned major = 0, minor = 0;

	assert_int_equal(uname(&uts), 0);
	assert_int_equal(sscanf(uts.release, "%u.%u", &major, &minor), 2);
	if (major > 6 || (major == 6 && minor >= 5))
		return 0;
	return KEPT_OLD | (other_user ? CAP_BIT(CAP_DAC_READ_SEARCH) : 0);
}

static void assert_caps(pid_t pid, unsigned long long kept)
{
	assert_int_equal(proc_caps(pid, "CapEff"), kept);
	assert_int_equal(proc_caps(pid, "CapPrm"), kept);
	assert_int_equal(proc_caps(pid, "CapBnd"), kept);
	assert_int_equal(proc_caps(pid, "CapInh"), 0);
	assert_int_equal(proc_caps(pid, "CapAmb"), 0);
}

static void assert_file(const char *path, mode_t mode, uid_t owner)
{
	struct stat st;

	if (stat(path, &st))
		fail_msg("%s missing", path);
	if ((st.st_mode & 0777) != mode || st.st_uid != owner)
		fail_msg("%s: mode %03o owner %u, not %03o %u", path, st.st_mode & 0777, st.st_uid,
			 mode, owner);
}

/* A TLS exchange made after the drop: the server's read of the OPTIONS is a sip event. */
static void tls_exchange(void)
{
	struct tls_peer_opts server = {.server = true,
				       .port = PORT_TLS,
				       .expect_len = sizeof(OPTIONS) - 1,
				       .send = "k",
				       .send_len = 1};
	struct tls_peer_opts client = {
	    .port = PORT_TLS, .send = OPTIONS, .send_len = sizeof(OPTIONS) - 1, .expect_len = 1};
	struct tls_peer_result server_result, client_result;
	struct ssl_pki pki;

	assert_int_equal(ssl_pki_make(&pki), 0);
	server.cert_chain = pki.server_chain;
	server.key = pki.server_key;
	client.ca_file = pki.root;
	assert_int_equal(
	    tls_peer_pair_run(&server, &client, WAIT_MS, &server_result, &client_result), 0);
	ssl_pki_remove(&pki);
	assert_int_equal(client_result.exit_status, 0);
	assert_int_equal(server_result.exit_status, 0);
}

static bool sip_seen(const json_t *events, const char *call_id)
{
	size_t i;
	json_t *event;

	json_array_foreach(events, i, event)
	{
		const char *raw = event_str(event, "raw");

		if (!strcmp(event_str(event, "event"), "sip") && raw && strstr(raw, call_id))
			return true;
	}
	return false;
}

static void test_runs_as_user(void **state)
{
	char dir[] = "/tmp/siptrail-privileges-XXXXXX", ports[32], journal[96], capture[96],
	     metrics[96], uid_line[64], expected_uid[64], cmd[96];
	const char *args[] = {"--ports",    ports,   "--user",	      USER, "--write", journal,
			      "--pcap-out", capture, "--metrics-dir", dir,  NULL};
	struct passwd *user = getpwnam(USER);
	struct siptrail_run run;
	json_t *events;

	(void)state;
	live_env_require();
	assert_non_null(user);
	live_netns_enter(); /* no other libssl user in scope: the I/O programs wait for ours */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chown(dir, user->pw_uid, user->pw_gid), 0);
	snprintf(ports, sizeof(ports), "%d,%d", PORT_PLAIN, PORT_TLS);
	snprintf(journal, sizeof(journal), "%s/live.jsonl", dir);
	snprintf(capture, sizeof(capture), "%s/live.pcapng", dir);
	snprintf(metrics, sizeof(metrics), "%s/siptrail.prom", dir);
	siptrail_start(&run, NULL, args);
	proc_status(run.pid, "Uid", uid_line, sizeof(uid_line));
	snprintf(expected_uid, sizeof(expected_uid), "%u\t%u\t%u\t%u", user->pw_uid, user->pw_uid,
		 user->pw_uid, user->pw_uid);
	assert_string_equal(uid_line, expected_uid);
	assert_caps(run.pid, caps_kept(true));
	tcp_pair_once("127.0.0.1", PORT_PLAIN);
	tls_exchange();
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "conn_open", "out", PORT_PLAIN), 1);
	assert_int_equal(event_count(events, "tls_handshake", NULL, PORT_TLS), 2);
	assert_true(sip_seen(events, CALL_ID));
	assert_file(journal, 0600, user->pw_uid);
	assert_file(capture, 0600, user->pw_uid);
	assert_file(metrics, 0644, user->pw_uid);
	json_decref(events);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_root_keeps_what_it_uses(void **state)
{
	char ports[16];
	const char *args[] = {"--ports", ports, NULL};
	struct siptrail_run run;
	json_t *events;

	(void)state;
	live_env_require();
	live_netns_enter();
	snprintf(ports, sizeof(ports), "%d", PORT_PLAIN);
	siptrail_start(&run, NULL, args);
	assert_caps(run.pid, caps_kept(false));
	tcp_pair_once("127.0.0.1", PORT_PLAIN);
	events = siptrail_stop(&run);
	assert_int_equal(event_count(events, "conn_end", "out", PORT_PLAIN), 1);
	json_decref(events);
}

/* --keylog: the key log is the TLS server's user's, mode 0600, and opened again every round,
 * so reading it past any file mode stays. */
static void test_key_log_stays_readable(void **state)
{
	char key_log[] = "/tmp/siptrail-keylog-XXXXXX", ports[16];
	const char *args[] = {"--ports", ports, "--keylog", key_log, NULL};
	struct passwd *user = getpwnam(USER);
	struct siptrail_run run;
	json_t *events;
	int fd;

	(void)state;
	live_env_require();
	assert_non_null(user);
	live_netns_enter();
	fd = mkstemp(key_log);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, user->pw_uid, user->pw_gid), 0);
	close(fd);
	snprintf(ports, sizeof(ports), "%d", PORT_PLAIN);
	siptrail_start(&run, NULL, args);
	assert_caps(run.pid, caps_kept(false) | CAP_BIT(CAP_DAC_READ_SEARCH));
	events = siptrail_stop(&run);
	json_decref(events);
	unlink(key_log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_runs_as_user),
	    unit_test_with_children(test_root_keeps_what_it_uses),
	    unit_test_with_children(test_key_log_stays_readable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
