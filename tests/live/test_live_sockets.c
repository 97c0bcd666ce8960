/* siptrail live against the real kernel: loopback connections and one network namespace of
 * our own, each case checked from the JSON lines the real binary prints. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/tcp_pair.h"
#include "../lib/test_children.h"

#define NSEC_PER_SEC 1000000000LL
#define IDLE_S	     2
#define NETNS	     "stlive-to"
#define NETNS_PATH   "/run/netns/" NETNS
/* Inside NETNS only: a veth pair where nobody owns this address; a static neighbour entry
 * stops ARP from failing first (EHOSTUNREACH), so SYNs just go unanswered. */
#define UNREACHABLE "10.231.0.2"

enum test_port {
	PORT_IDLE = 25061,
	PORT_RESET,
	PORT_REFUSED,
	PORT_TIMEOUT,
	PORT_TRACED,
	PORT_UNTRACED,
	PORT_PID,
	PORT_V6,
	PORT_HELD,
	PORT_ANSWERED,
	PORT_RECONNECT,
	PORT_OLD_LISTENER,
	PORT_NEW_LISTENER,
};

/* The size of a TLS 1.3 close_notify record (RFC 8446 §5.2: 5 + 2 + 1 + 16 tag). */
#define CLOSE_NOTIFY_BYTES 24
/* The close_notify tests write alert-sized records on plain sockets. With neither the libssl
 * probe nor the wire path to mark a port as TLS, every traced port gets the close_notify rule,
 * as on a host whose TLS nothing else reveals (test_live_tls_idle covers the markers). */
#define NO_TLS_MARKERS "--no-tls", "--no-wire"

static char port_text[16];

static const char *port_arg(uint16_t port)
{
	snprintf(port_text, sizeof(port_text), "%u", port);
	return port_text;
}

static void assert_str(const json_t *event, const char *key, const char *want)
{
	const char *got = event_str(event, key);

	if (!want) {
		if (got)
			fail_msg("%s: want null, got '%s'", key, got);
		return;
	}
	if (!got || strcmp(got, want))
		fail_msg("%s: want '%s', got '%s'", key, want, got ? got : "null");
}

static long long wall_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec * NSEC_PER_SEC + now.tv_nsec;
}

/* The index of EVENT in EVENTS. */
static size_t event_index(const json_t *events, const json_t *event)
{
	size_t i;
	json_t *each;

	json_array_foreach(events, i, each) if (each == event) return i;
	fail_msg("event not in the array");
	return 0;
}

/* The conn_open of END's connection exists, comes before it, and agrees on the endpoints. */
static void assert_opened_before(const json_t *events, const json_t *end)
{
	size_t i;
	json_t *event;

	json_array_foreach(events, i, event)
	{
		if (event == end)
			break;
		if (event_str(event, "event") && !strcmp(event_str(event, "event"), "conn_open") &&
		    event_int(event, "conn") == event_int(end, "conn")) {
			assert_int_equal(event_int(event, "lport"), event_int(end, "lport"));
			assert_int_equal(event_int(event, "rport"), event_int(end, "rport"));
			return;
		}
	}
	fail_msg("no conn_open before conn_end of conn %lld", event_int(end, "conn"));
}

static void test_idle_close_by_server(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_IDLE), NULL};
	struct siptrail_run run;
	json_t *events, *server_end, *client_end;
	int listener, client, server;
	char byte;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_open("127.0.0.1", PORT_IDLE, &listener, &client, &server);
	sleep(IDLE_S);
	close(server); /* the server's idle timer fires */
	assert_int_equal(read(client, &byte, 1), 0);
	close(client);
	close(listener);
	events = siptrail_stop(&run);

	server_end = event_require(events, "conn_end", "in", PORT_IDLE);
	assert_str(server_end, "tls_role", "server");
	assert_str(server_end, "closed_by", "local");
	assert_str(server_end, "how", "fin");
	event_assert_idle_about(server_end, IDLE_S);
	assert_int_equal(event_int(server_end, "pid"), getpid());
	assert_int_equal(event_int(server_end, "bytes_received"), strlen(TCP_PAIR_REQUEST));
	assert_int_equal(event_int(server_end, "bytes_sent"), strlen(TCP_PAIR_RESPONSE));
	assert_opened_before(events, server_end);

	client_end = event_require(events, "conn_end", "out", PORT_IDLE);
	assert_str(client_end, "tls_role", "client");
	assert_str(client_end, "closed_by", "peer");
	assert_str(client_end, "how", "fin");
	assert_str(client_end, "sk_error", NULL);
	event_assert_idle_about(client_end, IDLE_S);
	assert_int_equal(event_int(client_end, "pid"), getpid());
	assert_int_equal(event_int(client_end, "bytes_sent"), strlen(TCP_PAIR_REQUEST));
	assert_int_equal(event_int(client_end, "bytes_received"), strlen(TCP_PAIR_RESPONSE));
	assert_true(event_int(client_end, "duration_ns") >= IDLE_S * NSEC_PER_SEC);
	assert_opened_before(events, client_end);
	assert_str(event_require(events, "conn_close", "in", PORT_IDLE), "closed_by", "local");
	assert_str(event_require(events, "conn_close", "out", PORT_IDLE), "closed_by", "peer");
	json_decref(events);
}

/* Kamailio's way (docs/live.md): the idle closer sends a TLS close_notify, shuts the
 * connection down and closes its fd, while a worker process (here a child) keeps a copy of the
 * fd. The socket lives on after TCP is done with it; conn_close must come at the close and
 * conn_end when TCP reaches CLOSE, not when the last copy of the fd goes. */
static void test_idle_close_while_fd_held(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_HELD), NO_TLS_MARKERS, NULL};
	static const char alert[CLOSE_NOTIFY_BYTES] = {0x17, 0x03, 0x03, 0x00, 0x13};
	char buf[64], go;
	struct siptrail_run run;
	json_t *events, *server_close, *client_close, *server_end;
	int listener, client, server, hold_pipe[2], status;
	long long close_ns;
	pid_t holder;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_open("127.0.0.1", PORT_HELD, &listener, &client, &server);
	sleep(IDLE_S);
	assert_int_equal(pipe(hold_pipe), 0);
	holder = test_fork();
	if (holder == 0) { /* holds SERVER until the pipe closes */
		close(client);
		close(listener);
		close(hold_pipe[1]);
		_exit(read(hold_pipe[0], &go, 1) == 0 ? 0 : 1);
	}
	close(hold_pipe[0]);
	close_ns = wall_ns();
	assert_int_equal(write(server, alert, sizeof(alert)), sizeof(alert));
	assert_int_equal(shutdown(server, SHUT_WR), 0);
	close(server);
	assert_int_equal(read(client, buf, sizeof(buf)), sizeof(alert));
	assert_int_equal(read(client, buf, sizeof(buf)), 0);
	close(client);
	close(listener);
	usleep(200 * 1000);
	events = siptrail_stop(&run); /* the holder still has the server's socket */
	close(hold_pipe[1]);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_int_equal(status, 0);

	server_close = event_require(events, "conn_close", "in", PORT_HELD);
	assert_str(server_close, "closed_by", "local");
	assert_str(server_close, "how", "fin");
	assert_str(server_close, "tls_role", "server");
	event_assert_idle_about(server_close, IDLE_S);
	assert_int_equal(event_int(server_close, "pid"), getpid());
	assert_int_equal(event_int(server_close, "first_close_ts_ns"),
			 event_int(server_close, "ts_ns"));
	assert_true(llabs(event_int(server_close, "ts_ns") - close_ns) < NSEC_PER_SEC / 10);
	assert_int_equal(event_int(server_close, "bytes_sent"),
			 strlen(TCP_PAIR_RESPONSE) + CLOSE_NOTIFY_BYTES);
	assert_int_equal(event_int(server_close, "bytes_received"), strlen(TCP_PAIR_REQUEST));
	assert_opened_before(events, server_close);

	client_close = event_require(events, "conn_close", "out", PORT_HELD);
	assert_str(client_close, "closed_by", "peer");
	assert_str(client_close, "how", "fin");
	event_assert_idle_about(client_close, IDLE_S);
	assert_true(llabs(event_int(client_close, "ts_ns") - close_ns) < NSEC_PER_SEC / 10);

	server_end = event_require(events, "conn_end", "in", PORT_HELD);
	assert_str(server_end, "closed_by", "local");
	assert_str(server_end, "how", "fin");
	event_assert_idle_about(server_end, IDLE_S);
	assert_true(event_index(events, server_close) < event_index(events, server_end));
	assert_true(event_int(server_end, "ts_ns") - close_ns < NSEC_PER_SEC / 10);
	assert_int_equal(event_count(events, "conn_close", NULL, PORT_HELD), 2);
	assert_int_equal(event_count(events, "conn_end", NULL, PORT_HELD), 2);
	json_decref(events);
}

/* The race seen in the lab: the idle closer's close_notify is answered by the peer's own
 * close_notify and FIN before the closer's FIN leaves, so TCP says the peer closed first.
 * The idle time must still be the silence before the two close_notify records, not the few
 * milliseconds between them. */
static void test_idle_close_answered_by_peer(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_ANSWERED), NO_TLS_MARKERS, NULL};
	static const char alert[CLOSE_NOTIFY_BYTES] = {0x17, 0x03, 0x03, 0x00, 0x13};
	char buf[64];
	struct siptrail_run run;
	json_t *events, *closer;
	int listener, client, server;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_open("127.0.0.1", PORT_ANSWERED, &listener, &client, &server);
	sleep(IDLE_S);
	assert_int_equal(write(server, alert, sizeof(alert)), sizeof(alert));
	assert_int_equal(read(client, buf, sizeof(buf)), sizeof(alert));
	assert_int_equal(write(client, alert, sizeof(alert)), sizeof(alert));
	assert_int_equal(shutdown(client, SHUT_WR), 0);
	usleep(20 * 1000);
	close(server);
	close(client);
	close(listener);
	usleep(200 * 1000);
	events = siptrail_stop(&run);

	closer = event_require(events, "conn_close", "in", PORT_ANSWERED);
	assert_str(closer, "closed_by", "peer");
	assert_str(closer, "how", "fin");
	event_assert_idle_about(closer, IDLE_S);
	json_decref(events);
}

static void test_reset_out_and_in(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_RESET), NULL};
	struct siptrail_run run;
	json_t *events, *end;
	int listener, client, server;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_open("127.0.0.1", PORT_RESET, &listener, &client, &server);
	tcp_close_reset(client);
	close(server);
	close(listener);
	events = siptrail_stop(&run);

	end = event_require(events, "conn_close", "out", PORT_RESET);
	assert_str(end, "how", "rst_out");
	assert_str(end, "closed_by", "local");
	end = event_require(events, "conn_end", "out", PORT_RESET);
	assert_str(end, "how", "rst_out");
	assert_str(end, "closed_by", "local");
	assert_true(json_is_true(json_object_get(end, "rst_sent")));
	end = event_require(events, "conn_end", "in", PORT_RESET);
	assert_str(end, "how", "rst_in");
	assert_str(end, "closed_by", "peer");
	assert_true(json_is_true(json_object_get(end, "rst_received")));
	json_decref(events);
}

static void test_refused(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_REFUSED), NULL};
	struct siptrail_run run;
	json_t *events, *end;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	assert_int_equal(tcp_connect("127.0.0.1", PORT_REFUSED), -ECONNREFUSED);
	events = siptrail_stop(&run);

	end = event_require(events, "conn_end", "out", PORT_REFUSED);
	assert_str(end, "how", "refused");
	assert_str(end, "closed_by", "peer");
	assert_str(end, "sk_error", "ECONNREFUSED");
	assert_opened_before(events, end);
	assert_int_equal(event_count(events, "conn_end", NULL, PORT_REFUSED), 1);
	/* never established: no close, only its end */
	assert_int_equal(event_count(events, "conn_close", NULL, PORT_REFUSED), 0);
	json_decref(events);
}

static int netns_setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0; /* the test itself skips or fails loudly */
	system("ip netns del " NETNS " 2>/dev/null");
	/* tcp_syn_retries is per namespace: 1 retry gives up after about 3 s. */
	return system("ip netns add " NETNS " && "
		      "ip -n " NETNS " link set lo up && "
		      "ip -n " NETNS " link add veth0 type veth peer name veth1 && "
		      "ip -n " NETNS " addr add 10.231.0.1/24 dev veth0 && "
		      "ip -n " NETNS " link set veth0 up && ip -n " NETNS " link set veth1 up && "
		      "ip -n " NETNS " neigh add " UNREACHABLE
		      " lladdr 02:00:00:00:00:02 dev veth0 "
		      "nud permanent && "
		      "ip netns exec " NETNS " sysctl -q -w net.ipv4.tcp_syn_retries=1") == 0
		   ? 0
		   : -1;
}

static int netns_teardown(void **state)
{
	(void)state;
	test_children_end(); /* siptrail and the child in the namespace first */
	if (geteuid() == 0)
		system("ip netns del " NETNS " 2>/dev/null");
	return 0;
}

/* In the namespace: one connect the kernel gives up on (ETIMEDOUT), one the application
 * gives up on (SO_SNDTIMEO, as a SIP stack's own connect timeout). Exit status 0 = both
 * behaved as expected. */
static int timeouts_in_netns(void)
{
	int ns = open(NETNS_PATH, O_RDONLY | O_CLOEXEC);

	if (ns < 0 || setns(ns, CLONE_NEWNET))
		return 10;
	if (tcp_connect(UNREACHABLE, PORT_TIMEOUT) != -ETIMEDOUT)
		return 11;
	if (tcp_connect_timeout(UNREACHABLE, PORT_TIMEOUT, 300) != -EINPROGRESS)
		return 12;
	return 0;
}

static void test_timeout_in_netns(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_TIMEOUT), NULL};
	struct siptrail_run run;
	json_t *events, *event, *kernel_end = NULL, *app_end = NULL;
	struct stat ns_stat;
	int status;
	size_t i;
	pid_t child;

	(void)state;
	live_env_require();
	assert_int_equal(stat(NETNS_PATH, &ns_stat), 0);
	siptrail_start(&run, NETNS, args);
	child = test_fork();
	if (child == 0)
		_exit(timeouts_in_netns());
	assert_int_equal(waitpid(child, &status, 0), child);
	events = siptrail_stop(&run);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("connects in %s did not time out as planned (status %d)", NETNS,
			 WEXITSTATUS(status));

	json_array_foreach(events, i, event)
	{
		if (!event_matches(event, "conn_end", "out", PORT_TIMEOUT))
			continue;
		assert_str(event, "raddr", UNREACHABLE);
		assert_int_equal(event_int(event, "netns"), ns_stat.st_ino);
		if (event_str(event, "sk_error"))
			kernel_end = event;
		else
			app_end = event;
	}
	assert_non_null(kernel_end);
	assert_str(kernel_end, "how", "timeout");
	assert_str(kernel_end, "sk_error", "ETIMEDOUT");
	assert_str(kernel_end, "closed_by", NULL);
	assert_true(event_int(kernel_end, "duration_ns") >= 2 * NSEC_PER_SEC);
	assert_non_null(app_end);
	assert_str(app_end, "how", "timeout");
	assert_str(app_end, "closed_by", "local");
	json_decref(events);
}

static void test_untraced_port_is_silent(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_TRACED), NULL};
	struct siptrail_run run;
	json_t *events;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	for (uint16_t port = PORT_TRACED; port <= PORT_UNTRACED; port++) {
		int listener = tcp_listen("127.0.0.1", port);
		int client = tcp_connect("127.0.0.1", port);
		int server = tcp_accept(listener);

		tcp_exchange(client, server);
		close(client);
		close(server);
		close(listener);
	}
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "conn_open", NULL, PORT_TRACED), 2);
	assert_int_equal(event_count(events, "conn_end", NULL, PORT_TRACED), 2);
	assert_int_equal(event_count(events, "conn_open", NULL, PORT_UNTRACED), 0);
	assert_int_equal(event_count(events, "conn_end", NULL, PORT_UNTRACED), 0);
	json_decref(events);
}

/* connect(AF_UNSPEC) dissolves a connection; connecting the same socket again is a second
 * connection, reported as such and not lost behind the first one's entry. */
static void test_reconnect_same_socket(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_RECONNECT), NULL};
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(PORT_RECONNECT)};
	struct siptrail_run run;
	int listener, client, server;
	json_t *events;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_open("127.0.0.1", PORT_RECONNECT, &listener, &client, &server);
	assert_int_equal(connect(client, &unspec, sizeof(unspec)), 0);
	close(server);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	assert_int_equal(connect(client, (struct sockaddr *)&to, sizeof(to)), 0);
	server = tcp_accept(listener);
	tcp_exchange(client, server);
	close(client);
	close(server);
	close(listener);
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "conn_open", "out", PORT_RECONNECT), 2);
	assert_int_equal(event_count(events, "conn_end", "out", PORT_RECONNECT), 2);
	assert_int_equal(event_count(events, "conn_end", "in", PORT_RECONNECT), 2);
	json_decref(events);
}

static void test_pid_filter(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_PID), "--pid", NULL, NULL};
	char pid_text[16], go;
	struct siptrail_run run;
	json_t *events, *event;
	int go_pipe[2], status;
	pid_t child;
	size_t i;

	(void)state;
	live_env_require();
	assert_int_equal(pipe(go_pipe), 0);
	child = test_fork();
	if (child == 0) {
		close(go_pipe[1]);
		if (read(go_pipe[0], &go, 1) != 1)
			_exit(1);
		tcp_pair_once("127.0.0.1", PORT_PID);
		_exit(0);
	}
	close(go_pipe[0]);
	snprintf(pid_text, sizeof(pid_text), "%d", child);
	args[3] = pid_text;
	siptrail_start(&run, NULL, args);
	tcp_pair_once("127.0.0.1", PORT_PID); /* this process: filtered out */
	assert_int_equal(write(go_pipe[1], "g", 1), 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(status, 0);
	close(go_pipe[1]);
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "conn_end", "out", PORT_PID), 1);
	assert_int_equal(event_count(events, "conn_end", "in", PORT_PID), 1);
	json_array_foreach(events, i,
			   event) if (event_matches(event, "conn_open", NULL, PORT_PID) ||
				      event_matches(event, "conn_end", NULL, PORT_PID))
	    assert_int_equal(event_int(event, "pid"), child);
	json_decref(events);
}

/* Whether RUN has printed the event yet (it flushes every poll round, 100 ms), waiting up to
 * two seconds. */
static bool event_printed_soon(const struct siptrail_run *run, const char *name,
			       const char *direction, uint16_t port)
{
	for (int i = 0; i < 20; i++) {
		json_t *events = json_lines_read(run->out_path);
		bool found = event_find(events, name, direction, port) != NULL;

		json_decref(events);
		if (found)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* A child process listens (before siptrail starts, or after), accepts one connection from
 * this process and keeps it without any I/O until told to close. The passive socket is
 * credited to the child, the listener's owner, as it opens: the softirq that completes the
 * handshake runs in this process, and no I/O or close has happened to credit it by. */
static void passive_credit_check(uint16_t port, bool listen_before_trace)
{
	const char *args[] = {"--ports", port_arg(port), NULL};
	int ready[2], go[2], client, status;
	struct siptrail_run run;
	json_t *events, *open;
	bool open_printed;
	char byte;
	pid_t child;

	live_env_require();
	if (!listen_before_trace)
		siptrail_start(&run, NULL, args);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	child = test_fork();
	if (child == 0) {
		int listener, server;

		close(ready[0]);
		close(go[1]);
		listener = tcp_listen("127.0.0.1", port);
		if (write(ready[1], "l", 1) != 1)
			_exit(1);
		server = tcp_accept(listener);
		if (read(go[0], &byte, 1) != 1)
			_exit(1);
		close(server);
		close(listener);
		_exit(0);
	}
	/* Only the child writes READY: if it dies first, the read below sees the end of the pipe
	 * instead of waiting for good (the hang of issue 19). */
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	if (listen_before_trace)
		siptrail_start(&run, NULL, args);
	client = tcp_connect("127.0.0.1", port);
	assert_true(client >= 0);
	open_printed = event_printed_soon(&run, "conn_open", "in", port);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(status, 0);
	close(client);
	events = siptrail_stop(&run);
	assert_true(open_printed);

	open = event_require(events, "conn_open", "in", port);
	assert_int_equal(event_int(open, "pid"), child);
	assert_int_equal(event_int(event_require(events, "conn_end", "in", port), "pid"), child);
	json_decref(events);
	close(ready[0]);
	close(go[1]);
}

static void test_passive_credit_old_listener(void **state)
{
	(void)state;
	passive_credit_check(PORT_OLD_LISTENER, true);
}

static void test_passive_credit_new_listener(void **state)
{
	(void)state;
	passive_credit_check(PORT_NEW_LISTENER, false);
}

static void test_ipv6_loopback(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_V6), NULL};
	struct siptrail_run run;
	json_t *events, *end;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	tcp_pair_once("::1", PORT_V6);
	events = siptrail_stop(&run);

	end = event_require(events, "conn_end", "out", PORT_V6);
	assert_str(end, "laddr", "::1");
	assert_str(end, "raddr", "::1");
	assert_str(end, "how", "fin");
	assert_str(end, "closed_by", "local");
	end = event_require(events, "conn_end", "in", PORT_V6);
	assert_str(end, "laddr", "::1");
	assert_str(end, "closed_by", "peer");
	assert_int_equal(event_int(end, "bytes_received"), strlen(TCP_PAIR_REQUEST));
	json_decref(events);
}

static void test_duration_ends_run(void **state)
{
	const char *args[] = {"--ports", port_arg(PORT_TRACED), "--duration", "0.5", NULL};
	struct siptrail_run run;
	json_t *events, *lost;

	(void)state;
	live_env_require();
	siptrail_start(&run, NULL, args);
	events = siptrail_wait(&run);
	lost = event_last(events, "lost");
	assert_non_null(lost);
	assert_int_equal(event_int(lost, "ringbuf"), 0);
	assert_int_equal(event_int(lost, "map_full"), 0);
	json_decref(events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_idle_close_by_server),
	    unit_test_with_children(test_idle_close_while_fd_held),
	    unit_test_with_children(test_idle_close_answered_by_peer),
	    unit_test_with_children(test_reset_out_and_in),
	    unit_test_with_children(test_refused),
	    cmocka_unit_test_setup_teardown(test_timeout_in_netns, netns_setup, netns_teardown),
	    unit_test_with_children(test_untraced_port_is_silent),
	    unit_test_with_children(test_reconnect_same_socket),
	    unit_test_with_children(test_pid_filter),
	    unit_test_with_children(test_passive_credit_old_listener),
	    unit_test_with_children(test_passive_credit_new_listener),
	    unit_test_with_children(test_ipv6_loopback),
	    unit_test_with_children(test_duration_ends_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
