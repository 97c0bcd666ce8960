/* siptrail check on this kernel: it says live tracing can run, shows BTF and every tracepoint,
 * lists word for word each thing `siptrail live` then says it runs without (here and with the
 * tracepoints of 6.1 hidden), and refuses with a reason when not root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "../lib/live_env.h"
#include "../lib/siptrail_cmd.h"

#define OUT_MAX (64 << 10)
/* What 6.1 lacks (docs/check.md); SIPTRAIL_HIDE_TRACEPOINTS makes this kernel look like it. */
#define KERNEL_6_1_MISSING "sock_send_length,sock_recv_length"

static char check_out[OUT_MAX], live_out[OUT_MAX];

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("missing \"%s\" in:\n%s", needle, text);
}

/* Every "siptrail live: without ..." line of live's output is in check's output too, and the
 * libssl that live probes is the one check names. Returns how many "without" lines there were. */
static int assert_live_notices_listed(void)
{
	int count = 0;

	for (const char *line = live_out; line && *line; line = strchr(line, '\n')) {
		char text[1024];
		size_t len;

		line += *line == '\n';
		len = strcspn(line, "\n");
		if (len == 0 || len >= sizeof(text))
			continue;
		memcpy(text, line, len);
		text[len] = '\0';
		if (!strncmp(text, "siptrail live: without ", strlen("siptrail live: without "))) {
			assert_contains(check_out, text);
			count++;
		} else if (!strncmp(text, "siptrail live: TLS through ",
				    strlen("siptrail live: TLS through "))) {
			assert_contains(check_out, "ok    libssl uprobes  ");
			assert_contains(check_out, text + strlen("siptrail live: TLS through "));
		}
	}
	return count;
}

static void run_check_and_live(void)
{
	int status = siptrail_cmd("check", check_out, sizeof(check_out));

	assert_int_equal(status, 0);
	assert_int_equal(siptrail_cmd("live --duration 1", live_out, sizeof(live_out)), 0);
	assert_contains(check_out, "\nlive tracing: can run\n");
}

static void test_check_can_run(void **state)
{
	static const char *const lines[] = {
	    "siptrail check: Linux ",
	    "\nok    root            uid 0\n",
	    "\nok    BTF             /sys/kernel/btf/vmlinux\n",
	    "\nok    tracepoint      inet_sock_set_state\n",
	    "\nok    tracepoint      tcp_destroy_sock\n",
	    "    tracepoint      tcp_send_reset",
	    "    tracepoint      tcp_receive_reset",
	    "    tracepoint      inet_sk_error_report",
	    "    tracepoint      sock_send_length",
	    "    tracepoint      sock_recv_length",
	    "    HZ              ",
	    "\nok    ring buffer     ",
	    "\nok    socket storage  ",
	    "\nok    socket tracer   loaded and attached",
	    "    libssl uprobes  ",
	    "    packet socket   ",
	    "    lockdown        ",
	    "    capabilities    ",
	};

	(void)state;
	live_env_require();
	unsetenv("SIPTRAIL_HIDE_TRACEPOINTS");
	run_check_and_live();
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_contains(check_out, lines[i]);
	fprintf(stderr, "check: %d notices of live listed\n", assert_live_notices_listed());
}

/* As on Debian's 6.1: live says what it runs without, and check said it first. */
static void test_check_lists_what_live_goes_without(void **state)
{
	(void)state;
	live_env_require();
	setenv("SIPTRAIL_HIDE_TRACEPOINTS", KERNEL_6_1_MISSING, 1);
	run_check_and_live();
	unsetenv("SIPTRAIL_HIDE_TRACEPOINTS");
	assert_contains(check_out, "\nno    tracepoint      sock_send_length -> ");
	assert_contains(check_out, "\nno    tracepoint      sock_recv_length -> ");
	assert_true(assert_live_notices_listed() >= 1);
}

/* Not root: exit 2 and the reason, from the same binary run as nobody. */
static void test_check_not_root(void **state)
{
	const char *bin = getenv("SIPTRAIL_BIN");
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char command[1024];
	size_t len;
	FILE *out;

	(void)state;
	live_env_require();
	if (system("command -v setpriv >/dev/null") != 0) {
		fprintf(stderr, "\n*** SKIPPING: no setpriv (util-linux) to run as nobody ***\n\n");
		skip();
	}
	if (bin)
		snprintf(command, sizeof(command),
			 "setpriv --reuid=65534 --regid=65534 --clear-groups '%s' check 2>&1", bin);
	else
		snprintf(command, sizeof(command),
			 "setpriv --reuid=65534 --regid=65534 --clear-groups '%s/siptrail' check "
			 "2>&1",
			 build);
	out = popen(command, "r");
	assert_non_null(out);
	len = fread(check_out, 1, sizeof(check_out) - 1, out);
	check_out[len] = '\0';
	assert_int_equal(WEXITSTATUS(pclose(out)), 2);
	assert_contains(check_out, "\nno    root            running as uid 65534");
	assert_contains(check_out, "\nlive tracing: cannot run: not root");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_can_run),
	    cmocka_unit_test(test_check_lists_what_live_goes_without),
	    cmocka_unit_test(test_check_not_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
