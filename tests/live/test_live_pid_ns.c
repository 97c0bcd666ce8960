/* siptrail live in a PID namespace of its own with its own /proc, as in a container that does
 * not share the host's PIDs: the pids it reports and filters by are the ones its /proc (and the
 * user's `ps`) shows, those of the namespace, and a process outside the namespace, which has
 * no number there, is reported without one instead of under a number that names another
 * process or none. This process stays outside the namespace; everything it forks (siptrail, the
 * peers) is inside. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/ssl_pki.h"
#include "../lib/tcp_pair.h"
#include "../lib/test_children.h"
#include "../lib/tls_peer.h"

enum test_port {
	PORT_INSIDE = 27061,
	PORT_OUTSIDE,
	PORT_FILTER,
	PORT_TLS,
};

static pid_t ns_init; /* the namespace's pid 1, as this process numbers it; 0: none yet */

/* From here on this process's children are born in a new PID namespace and see a /proc of it
 * (in a new mount namespace, so the host's /proc is left alone). Its pid 1 mounts that /proc
 * and then only keeps the namespace alive until the tests end. Once per run. */
static void pid_ns_enter(void)
{
	int ready[2];
	char byte;

	if (ns_init)
		return;
	live_netns_enter(); /* its own ports, before /proc stops showing this process */
	assert_int_equal(unshare(CLONE_NEWPID | CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	assert_int_equal(pipe(ready), 0);
	ns_init = fork();
	assert_true(ns_init >= 0);
	if (ns_init == 0) {
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ||
		    write(ready[1], "p", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
}

static int ns_teardown(void **state)
{
	(void)state;
	if (ns_init > 0) {
		kill(ns_init, SIGKILL); /* and with it whatever is left inside */
		waitpid(ns_init, NULL, 0);
	}
	return 0;
}

/* "A" or "A,B" for --ports. */
static const char *port_list(char *buf, size_t size, uint16_t a, uint16_t b)
{
	snprintf(buf, size, a == b ? "%u" : "%u,%u", a, b);
	return buf;
}

/* A child in the namespace that tells its own pid (its number there), waits for a byte on GO,
 * makes one connection on PORT with both ends its own, and exits. Returns that pid. */
static pid_t inside_connector(uint16_t port, int go[2], pid_t *child)
{
	int told[2];
	pid_t inside;
	char byte;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(told), 0);
	*child = test_fork();
	if (*child == 0) {
		inside = getpid();
		close(go[1]);
		if (write(told[1], &inside, sizeof(inside)) != sizeof(inside) ||
		    read(go[0], &byte, 1) != 1)
			_exit(1);
		tcp_pair_once("127.0.0.1", port);
		_exit(0);
	}
	close(go[0]);
	close(told[1]);
	assert_int_equal(read(told[0], &inside, sizeof(inside)), sizeof(inside));
	close(told[0]);
	return inside;
}

static void connector_run(int go[2], pid_t child)
{
	int status;

	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(status, 0);
}

static bool pid_is_null(const json_t *event)
{
	return json_is_null(json_object_get(event, "pid"));
}

static void test_pids_are_the_namespace_s(void **state)
{
	const char *args[] = {"--ports", NULL, NULL};
	struct siptrail_run run;
	json_t *events, *event;
	pid_t child, inside;
	char ports[32];
	int go[2];
	size_t i;

	(void)state;
	live_env_require();
	pid_ns_enter();
	args[1] = port_list(ports, sizeof(ports), PORT_INSIDE, PORT_OUTSIDE);
	inside = inside_connector(PORT_INSIDE, go, &child);
	assert_int_not_equal(inside, child); /* two numberings, or the test proves nothing */
	siptrail_start(&run, NULL, args);
	connector_run(go, child);
	tcp_pair_once("127.0.0.1", PORT_OUTSIDE); /* this process: outside the namespace */
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "conn_end", "out", PORT_INSIDE), 1);
	assert_int_equal(event_count(events, "conn_end", "in", PORT_INSIDE), 1);
	assert_int_equal(event_count(events, "conn_end", "out", PORT_OUTSIDE), 1);
	json_array_foreach(events, i, event)
	{
		if (event_matches(event, "conn_open", NULL, PORT_INSIDE) ||
		    event_matches(event, "conn_end", NULL, PORT_INSIDE))
			assert_int_equal(event_int(event, "pid"), inside);
		if (event_matches(event, "conn_open", NULL, PORT_OUTSIDE) ||
		    event_matches(event, "conn_end", NULL, PORT_OUTSIDE))
			assert_true(pid_is_null(event));
	}
	json_decref(events);
}

/* --pid takes the namespace's number: only that child's connection, neither another child's
 * nor this process's (whose host number could be anything in there). */
static void test_pid_filter_takes_the_namespace_s(void **state)
{
	const char *args[] = {"--ports", NULL, "--pid", NULL, NULL};
	pid_t child, other_child, inside, other;
	int go[2], other_go[2];
	struct siptrail_run run;
	json_t *events, *event;
	char ports[32], pid_text[16];
	size_t i;

	(void)state;
	live_env_require();
	pid_ns_enter();
	args[1] = port_list(ports, sizeof(ports), PORT_FILTER, PORT_FILTER);
	inside = inside_connector(PORT_FILTER, go, &child);
	other = inside_connector(PORT_FILTER, other_go, &other_child);
	snprintf(pid_text, sizeof(pid_text), "%d", inside);
	args[3] = pid_text;
	siptrail_start(&run, NULL, args);
	connector_run(other_go, other_child);
	tcp_pair_once("127.0.0.1", PORT_FILTER);
	connector_run(go, child);
	events = siptrail_stop(&run);

	assert_int_not_equal(other, inside);
	assert_int_equal(event_count(events, "conn_end", "out", PORT_FILTER), 1);
	assert_int_equal(event_count(events, "conn_end", "in", PORT_FILTER), 1);
	json_array_foreach(events, i, event)
	{
		if (event_matches(event, "conn_end", NULL, PORT_FILTER))
			assert_int_equal(event_int(event, "pid"), inside);
	}
	json_decref(events);
}

/* The libssl probe's events too: each handshake under its peer's number in the namespace. */
static void test_tls_handshake_pids(void **state)
{
	const char *args[] = {"--ports", NULL, NULL};
	struct tls_peer_opts server, client;
	struct tls_peer_result server_result, client_result;
	struct siptrail_run run;
	struct ssl_pki pki;
	json_t *events, *event;
	char ports[32];
	size_t i, seen = 0;

	(void)state;
	live_env_require();
	pid_ns_enter();
	args[1] = port_list(ports, sizeof(ports), PORT_TLS, PORT_TLS);
	tls_peer_exchange(PORT_TLS, TCP_PAIR_REQUEST, TCP_PAIR_RESPONSE, &server, &client);
	assert_int_equal(ssl_pki_make(&pki), 0);
	server.cert_chain = pki.server_chain;
	server.key = pki.server_key;
	client.ca_file = pki.root;
	siptrail_start(&run, NULL, args);
	assert_int_equal(tls_peer_pair_run(&server, &client, 10000, &server_result, &client_result),
			 0);
	ssl_pki_remove(&pki);
	assert_int_equal(client_result.exit_status, 0);
	assert_int_equal(server_result.exit_status, 0);
	events = siptrail_stop(&run);

	json_array_foreach(events, i, event)
	{
		if (strcmp(event_str(event, "event"), "tls_handshake"))
			continue;
		seen++;
		assert_int_equal(event_int(event, "pid"), strcmp(event_str(event, "role"), "client")
							      ? server_result.pid
							      : client_result.pid);
	}
	assert_int_equal(seen, 2);
	json_decref(events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_pids_are_the_namespace_s),
	    unit_test_with_children(test_pid_filter_takes_the_namespace_s),
	    unit_test_with_children(test_tls_handshake_pids),
	};
	return cmocka_run_group_tests(tests, NULL, ns_teardown);
}
