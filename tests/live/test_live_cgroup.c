/* siptrail live --cgroup against the real kernel: a child process in a cgroup v2 directory of
 * our own and this process outside it make loopback connections; only the sockets created
 * inside the directory (or below it) may be reported, and only the TLS of processes inside. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_cmd.h"
#include "../lib/siptrail_run.h"
#include "../lib/ssl_pki.h"
#include "../lib/tcp_pair.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORTS	      "25101-25103"
#define ACCEPT_WAIT_S 10
#define RMDIR_TRIES   100
#define RMDIR_WAIT_US 10000
#define MOUNT_DIR_MAX 256 /* a longer cgroup2 mount point is not used: we mount our own */

enum test_port {
	PORT_BOTH = 25101, /* the child listens and connects: both ends inside */
	PORT_OUT,	   /* the child connects to this process's listener */
	PORT_IN,	   /* this process connects to the child's listener */
	PORT_TLS_OUTSIDE,  /* a TLS client and server started from this process */
	PORT_TLS_INSIDE,   /* a TLS client and server started from the child */
};

#define TLS_PORTS   "25104-25105"
#define TLS_WAIT_MS 10000

/* What setup made and teardown undoes, even after a failed assertion. */
struct cgroup_fixture {
	char private_mount[64]; /* a cgroup2 mount of our own when none was there, else "" */
	char outer[MOUNT_DIR_MAX + 32]; /* <mount>/stlive-cg-<pid>: the --cgroup PATH */
	char inner[MOUNT_DIR_MAX + 64]; /* <outer>/inner: where the child's sockets are created */
	pid_t owner; /* this process: a child failing an assertion must not tear down */
	pid_t child; /* 0 once reaped */
	struct siptrail_run filtered, unfiltered, by_pid; /* pid 0 once stopped */
	struct ssl_pki pki;				  /* dir "" when not made */
};

static struct cgroup_fixture fixture;

/* The first cgroup2 mount point, from the kernel's mount table. */
static int cgroup2_mount_find(char *mount_dir, size_t len)
{
	FILE *mounts = setmntent("/proc/self/mounts", "r");
	struct mntent *entry;
	int found = 0;

	if (!mounts)
		return 0;
	while (!found && (entry = getmntent(mounts)))
		if (!strcmp(entry->mnt_type, "cgroup2"))
			found = snprintf(mount_dir, len, "%s", entry->mnt_dir) < (int)len;
	endmntent(mounts);
	return found;
}

static int cgroup_setup(void **state)
{
	char mount_dir[MOUNT_DIR_MAX];

	(void)state;
	memset(&fixture, 0, sizeof(fixture));
	fixture.owner = getpid();
	if (geteuid() != 0)
		return 0; /* the test itself skips or fails loudly */
	if (!cgroup2_mount_find(mount_dir, sizeof(mount_dir))) {
		snprintf(fixture.private_mount, sizeof(fixture.private_mount),
			 "/tmp/stlive-cg-mnt-XXXXXX");
		if (!mkdtemp(fixture.private_mount) ||
		    mount("cgroup2", fixture.private_mount, "cgroup2", 0, NULL)) {
			fprintf(stderr, "cannot mount cgroup2 on %s: %s\n", fixture.private_mount,
				strerror(errno));
			return -1;
		}
		snprintf(mount_dir, sizeof(mount_dir), "%s", fixture.private_mount);
	}
	snprintf(fixture.outer, sizeof(fixture.outer), "%s/stlive-cg-%d", mount_dir, getpid());
	snprintf(fixture.inner, sizeof(fixture.inner), "%s/inner", fixture.outer);
	if (mkdir(fixture.outer, 0755) || mkdir(fixture.inner, 0755)) {
		fprintf(stderr, "cannot create %s: %s\n", fixture.inner, strerror(errno));
		return -1;
	}
	return 0;
}

static void tracer_end(struct siptrail_run *run)
{
	if (run->pid <= 0)
		return;
	kill(run->pid, SIGINT);
	waitpid(run->pid, NULL, 0);
	unlink(run->out_path);
}

/* siptrail_stop, after which teardown leaves RUN alone whatever the outcome. */
static json_t *tracer_stop(struct siptrail_run *run)
{
	struct siptrail_run running = *run;

	run->pid = 0;
	return siptrail_stop(&running);
}

/* rmdir of a cgroup directory whose processes are gone. Since kernel commit d245698d727a
 * ("cgroup: Defer task cgroup unlink until after the task is done switching out") a reaped
 * process can still count for a moment after waitpid(), and rmdir fails with EBUSY: try again
 * for up to a second. */
static void cgroup_remove(const char *dir)
{
	for (int tries = 1; *dir && rmdir(dir) && errno != ENOENT; tries++) {
		if (errno != EBUSY || tries == RMDIR_TRIES) {
			fprintf(stderr, "cannot remove %s: %s\n", dir, strerror(errno));
			return;
		}
		usleep(RMDIR_WAIT_US);
	}
}

static int cgroup_teardown(void **state)
{
	(void)state;
	if (getpid() != fixture.owner)
		return 0;
	tracer_end(&fixture.filtered);
	tracer_end(&fixture.unfiltered);
	tracer_end(&fixture.by_pid);
	if (fixture.child > 0) {
		kill(fixture.child, SIGKILL);
		waitpid(fixture.child, NULL, 0);
	}
	if (*fixture.pki.dir)
		ssl_pki_remove(&fixture.pki);
	cgroup_remove(fixture.inner);
	cgroup_remove(fixture.outer);
	if (*fixture.private_mount) {
		umount2(fixture.private_mount, MNT_DETACH);
		rmdir(fixture.private_mount);
	}
	test_children_end(); /* the TLS peers of a test that failed midway */
	return 0;
}

/* Moves the calling process into the cgroup directory DIR; 0 or -errno. */
static int cgroup_enter(const char *dir)
{
	char procs[PATH_MAX + 16];
	FILE *file;
	int err = 0;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	file = fopen(procs, "w");
	if (!file)
		return -errno;
	if (fprintf(file, "0\n") < 0)
		err = -errno;
	if (fclose(file) && !err)
		err = -errno;
	return err;
}

/* accept() that gives up (failing the test) instead of hanging if the peer never comes. */
static int accept_or_fail(int listener)
{
	struct timeval wait = {.tv_sec = ACCEPT_WAIT_S};

	assert_int_equal(setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)), 0);
	return tcp_accept(listener);
}

/* Reads until the peer's FIN, then closes: the socket ends without a reset. */
static void close_after_peer(int fd)
{
	char byte;

	assert_int_equal(read(fd, &byte, 1), 0);
	close(fd);
}

/* The child: everything after it enters the inner cgroup, so every socket it creates records
 * that cgroup. Waits for GO_FD before its traffic, says READY_FD once its listener is up. */
static void child_inside(int go_fd, int ready_fd, int outside_listener)
{
	int listener, client, server;
	char go;

	close(outside_listener);
	if (cgroup_enter(fixture.inner) || write(ready_fd, "m", 1) != 1)
		_exit(10);
	if (read(go_fd, &go, 1) != 1)
		_exit(11);
	tcp_pair_once("127.0.0.1", PORT_BOTH);
	listener = tcp_listen("127.0.0.1", PORT_IN);
	if (write(ready_fd, "l", 1) != 1)
		_exit(12);
	client = tcp_connect("127.0.0.1", PORT_OUT);
	if (client < 0)
		_exit(13);
	close(client);
	server = tcp_accept(listener);
	close_after_peer(server);
	close(listener);
	_exit(0);
}

/* Reads the child's next progress byte, failing if it died first. */
static void child_wait_for(int ready_fd, char want)
{
	char got;

	if (read(ready_fd, &got, 1) != 1 || got != want)
		fail_msg("the child in %s did not get to step '%c'", fixture.inner, want);
}

static size_t conn_events(const json_t *events, const char *direction, uint16_t port)
{
	return event_count(events, "conn_open", direction, port) +
	       event_count(events, "conn_end", direction, port);
}

/* Every event on a connection (socket or wire) is on one of the sockets whose conn_open
 * names PID. */
static void assert_only_conns_of(const json_t *events, pid_t pid)
{
	long long conns[8];
	size_t n_conns = 0, i, j;
	json_t *event;

	json_array_foreach(events, i, event)
	{
		const char *name = event_str(event, "event");

		if (!name || strcmp(name, "conn_open"))
			continue;
		assert_int_equal(event_int(event, "pid"), pid);
		assert_true(n_conns < sizeof(conns) / sizeof(conns[0]));
		conns[n_conns++] = event_int(event, "conn");
	}
	json_array_foreach(events, i, event)
	{
		if (!json_is_integer(json_object_get(event, "conn")))
			continue;
		for (j = 0; j < n_conns && conns[j] != event_int(event, "conn"); j++)
			;
		if (j == n_conns)
			fail_msg("%s event on conn %lld, not a socket of the cgroup",
				 event_str(event, "event"), event_int(event, "conn"));
	}
}

/* A socket records the cgroup of the task that created it (sk_cgrp_data, set in socket()),
 * and an accepted socket the listener's (copied when the kernel clones the listener). So on
 * PORT_BOTH both ends are inside, and PORT_OUT and PORT_IN each have exactly one end inside:
 * the child's client and the child's accepted socket. A second siptrail without --cgroup, run
 * alongside, shows that the sockets left out were there to be seen. The traffic is plain TCP:
 * the libssl probe (--no-tls here, it takes 2 s to attach) has no cgroup filter of its own. */
static void test_cgroup_filter(void **state)
{
	const char *filtered_args[] = {"--ports",  PORTS,	  "--no-tls",
				       "--cgroup", fixture.outer, NULL};
	const char *unfiltered_args[] = {"--ports", PORTS, "--no-tls", NULL};
	int go_pipe[2], ready_pipe[2], listener, client, server, status;
	json_t *events, *all;
	pid_t child;

	(void)state;
	live_env_require();
	listener = tcp_listen("127.0.0.1", PORT_OUT);
	assert_int_equal(pipe2(go_pipe, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ready_pipe, O_CLOEXEC), 0);
	fixture.child = test_fork();
	if (fixture.child == 0) {
		close(go_pipe[1]);
		close(ready_pipe[0]);
		child_inside(go_pipe[0], ready_pipe[1], listener);
	}
	close(go_pipe[0]);
	close(ready_pipe[1]);
	child_wait_for(ready_pipe[0], 'm');
	siptrail_start(&fixture.filtered, NULL, filtered_args);
	siptrail_start(&fixture.unfiltered, NULL, unfiltered_args);

	tcp_pair_once("127.0.0.1", PORT_BOTH); /* this process: both ends outside */

	assert_int_equal(write(go_pipe[1], "g", 1), 1);
	server = accept_or_fail(listener);
	close_after_peer(server);
	close(listener);
	child_wait_for(ready_pipe[0], 'l');
	client = tcp_connect("127.0.0.1", PORT_IN);
	assert_true(client >= 0);
	close(client);
	assert_int_equal(waitpid(fixture.child, &status, 0), fixture.child);
	child = fixture.child;
	fixture.child = 0;
	assert_int_equal(status, 0);
	close(go_pipe[1]);
	close(ready_pipe[0]);
	events = tracer_stop(&fixture.filtered);
	all = tracer_stop(&fixture.unfiltered);

	assert_int_equal(event_count(all, "conn_end", NULL, PORT_BOTH), 4);
	assert_int_equal(event_count(all, "conn_end", NULL, PORT_OUT), 2);
	assert_int_equal(event_count(all, "conn_end", NULL, PORT_IN), 2);

	assert_int_equal(event_count(events, "conn_open", "out", PORT_BOTH), 1);
	assert_int_equal(event_count(events, "conn_end", "out", PORT_BOTH), 1);
	assert_int_equal(event_count(events, "conn_open", "in", PORT_BOTH), 1);
	assert_int_equal(event_count(events, "conn_end", "in", PORT_BOTH), 1);
	assert_int_equal(event_count(events, "conn_open", "out", PORT_OUT), 1);
	assert_int_equal(event_count(events, "conn_end", "out", PORT_OUT), 1);
	assert_int_equal(conn_events(events, "in", PORT_OUT), 0);
	assert_int_equal(event_count(events, "conn_open", "in", PORT_IN), 1);
	assert_int_equal(event_count(events, "conn_end", "in", PORT_IN), 1);
	assert_int_equal(conn_events(events, "out", PORT_IN), 0);
	assert_only_conns_of(events, child);
	json_decref(all);
	json_decref(events);
}

/* A TLS client and server on 127.0.0.1:PORT, both children of the calling process (and so in
 * its cgroup); 0 when the handshake and the exchange succeeded. */
static int tls_pair_run(uint16_t port)
{
	static const char hello[] = "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n\r\n";
	static const char ok[] = "SIP/2.0 200 OK\r\n\r\n";
	struct tls_peer_opts server = {.server = true,
				       .port = port,
				       .cert_chain = fixture.pki.server_chain,
				       .key = fixture.pki.server_key,
				       .expect_len = sizeof(hello) - 1,
				       .send = ok, /* the client waits for it: see tls_peer.h */
				       .send_len = sizeof(ok) - 1};
	struct tls_peer_opts client = {.port = port,
				       .ca_file = fixture.pki.root,
				       .send = hello,
				       .send_len = sizeof(hello) - 1,
				       .expect_len = sizeof(ok) - 1};
	struct tls_peer_result server_result, client_result;

	if (tls_peer_pair_run(&server, &client, TLS_WAIT_MS, &server_result, &client_result))
		return -1;
	return client_result.exit_status || server_result.exit_status ? -1 : 0;
}

/* The libssl probe is shared by every process mapping libssl: --cgroup and --pid must keep the
 * TLS of other processes out, as they do their sockets. */
static void test_cgroup_filter_tls(void **state)
{
	const char *filtered_args[] = {"--ports",  TLS_PORTS,	  "--no-wire",
				       "--cgroup", fixture.outer, NULL};
	const char *unfiltered_args[] = {"--ports", TLS_PORTS, "--no-wire", NULL};
	char own_pid[16];
	const char *pid_args[] = {"--ports", TLS_PORTS, "--no-wire", "--pid", own_pid, NULL};
	json_t *events, *all, *of_pid;
	int status;

	(void)state;
	live_env_require();
	assert_int_equal(ssl_pki_make(&fixture.pki), 0);
	siptrail_start(&fixture.filtered, NULL, filtered_args);
	siptrail_start(&fixture.unfiltered, NULL, unfiltered_args);
	/* --pid of this process, which makes no TLS itself: its children's must not show */
	snprintf(own_pid, sizeof(own_pid), "%d", getpid());
	siptrail_start(&fixture.by_pid, NULL, pid_args);

	assert_int_equal(tls_pair_run(PORT_TLS_OUTSIDE), 0);
	fixture.child = test_fork();
	if (fixture.child == 0)
		_exit(cgroup_enter(fixture.inner) || tls_pair_run(PORT_TLS_INSIDE) ? 1 : 0);
	assert_int_equal(waitpid(fixture.child, &status, 0), fixture.child);
	fixture.child = 0;
	assert_int_equal(status, 0);
	events = tracer_stop(&fixture.filtered);
	all = tracer_stop(&fixture.unfiltered);
	of_pid = tracer_stop(&fixture.by_pid);

	/* both ends of each pair report their handshake when nothing filters */
	assert_int_equal(event_count(all, "tls_handshake", NULL, PORT_TLS_OUTSIDE), 2);
	assert_int_equal(event_count(all, "tls_handshake", NULL, PORT_TLS_INSIDE), 2);
	assert_int_equal(event_count(events, "tls_handshake", NULL, PORT_TLS_OUTSIDE), 0);
	assert_int_equal(event_count(events, "tls_handshake", NULL, PORT_TLS_INSIDE), 2);
	assert_int_equal(event_count(of_pid, "tls_handshake", NULL, PORT_TLS_OUTSIDE), 0);
	assert_int_equal(event_count(of_pid, "tls_handshake", NULL, PORT_TLS_INSIDE), 0);
	json_decref(of_pid);
	json_decref(all);
	json_decref(events);
}

/* A path that is missing, not on a cgroup2 file system, or not a directory is refused before
 * anything is loaded, with the path in the message. */
static void test_cgroup_bad_paths(void **state)
{
	char not_dir[PATH_MAX + 16], args[PATH_MAX + 64], out[1024], want[PATH_MAX + 64];
	const struct {
		const char *path, *reason;
	} cases[] = {
	    {"/nonexistent", "No such file or directory"},
	    {"/tmp", "not a cgroup v2 directory"},
	    {not_dir, "not a cgroup v2 directory"},
	};

	(void)state;
	live_env_require();
	snprintf(not_dir, sizeof(not_dir), "%s/cgroup.procs", fixture.outer);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(args, sizeof(args), "live --json --no-wire --no-tls --cgroup '%s'",
			 cases[i].path);
		snprintf(want, sizeof(want), "siptrail live: cgroup %s: %s", cases[i].path,
			 cases[i].reason);
		assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 2);
		if (!strstr(out, want))
			fail_msg("want '%s' in: %s", want, out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cgroup_filter),
	    cmocka_unit_test(test_cgroup_filter_tls),
	    cmocka_unit_test(test_cgroup_bad_paths),
	};
	return cmocka_run_group_tests(tests, cgroup_setup, cgroup_teardown);
}
