#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "siptrail_run.h"
#include "test_children.h"

#define MAX_ARGS  32
#define SETTLE_US 300000
/* How long siptrail live may take to say it is tracing, and to end after SIGINT or its
 * --duration: a run past these fails the test instead of hanging it. */
#define START_LIMIT_MS 20000
#define END_LIMIT_MS   20000

static const char *siptrail_bin(void)
{
	const char *bin = getenv("SIPTRAIL_BIN");

	return bin && *bin ? bin : "build/siptrail";
}

static void child_exec(const char *netns, const char *const args[], int stdout_fd, int stderr_fd)
{
	const char *argv[MAX_ARGS];
	int argc = 0;

	if (netns) {
		argv[argc++] = "ip";
		argv[argc++] = "netns";
		argv[argc++] = "exec";
		argv[argc++] = netns;
	}
	argv[argc++] = siptrail_bin();
	argv[argc++] = "live";
	argv[argc++] = "--json";
	for (int i = 0; args[i] && argc < MAX_ARGS - 1; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	/* A failed assertion leaves the test without stopping this run: end with the test. */
	prctl(PR_SET_PDEATHSIG, SIGINT);
	dup2(stdout_fd, STDOUT_FILENO);
	dup2(stderr_fd, STDERR_FILENO);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static long long monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

/* The next line of RUN's stderr (or as much as fits), copied to ours; false at its end or once
 * DEADLINE_MS (on the monotonic clock) has passed. The stream is read one poll() at a time, so a
 * siptrail that neither prints nor ends cannot block the test past the deadline. */
static bool stderr_line(struct siptrail_run *run, char *line, size_t size, long long deadline_ms)
{
	struct pollfd pfd = {.fd = fileno(run->stderr_pipe), .events = POLLIN};
	size_t len = 0;

	while (len + 1 < size) {
		long long left_ms = deadline_ms - monotonic_ms();
		char byte;

		if (left_ms <= 0 || poll(&pfd, 1, (int)left_ms) != 1 || read(pfd.fd, &byte, 1) != 1)
			break;
		line[len++] = byte;
		if (byte == '\n')
			break;
	}
	line[len] = '\0';
	fputs(line, stderr);
	return len > 0 && (line[len - 1] == '\n' || len + 1 == size);
}

void siptrail_start(struct siptrail_run *run, const char *netns, const char *const args[])
{
	long long deadline_ms = monotonic_ms() + START_LIMIT_MS;
	char line[512];
	int err_pipe[2], out_fd;

	snprintf(run->out_path, sizeof(run->out_path), "/tmp/stlive-out-XXXXXX");
	out_fd = mkstemp(run->out_path);
	assert_true(out_fd >= 0);
	assert_int_equal(pipe2(err_pipe, O_CLOEXEC), 0);
	run->pid = test_fork();
	if (run->pid == 0)
		child_exec(netns, args, out_fd, err_pipe[1]); /* its dup2 copies drop O_CLOEXEC */
	close(out_fd);
	close(err_pipe[1]);
	run->stderr_pipe = fdopen(err_pipe[0], "r");
	assert_non_null(run->stderr_pipe);
	test_force_fail("live");
	while (stderr_line(run, line, sizeof(line), deadline_ms)) {
		if (strstr(line, "tracing TCP ports"))
			return;
	}
	if (monotonic_ms() >= deadline_ms)
		fail_msg("siptrail live did not say it was tracing within %d s",
			 START_LIMIT_MS / 1000);
	fail_msg("siptrail live did not start (see its stderr above)");
}

json_t *json_lines_read(const char *path)
{
	json_t *events = json_array();
	FILE *in = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	assert_non_null(in);
	while (getline(&line, &cap, in) > 0) {
		json_error_t error;
		json_t *event = json_loads(line, 0, &error);

		if (!event)
			fail_msg("%s: bad JSON line: %s (%s)", path, line, error.text);
		json_array_append_new(events, event);
	}
	free(line);
	fclose(in);
	return events;
}

json_t *siptrail_stop(struct siptrail_run *run)
{
	/* The last sockets end in softirq, which a loaded host defers to ksoftirqd: give them
	 * a moment, or their conn_end rightly falls after the end of the trace. */
	usleep(SETTLE_US);
	assert_int_equal(kill(run->pid, SIGINT), 0);
	return siptrail_wait(run);
}

json_t *siptrail_wait(struct siptrail_run *run)
{
	long long deadline_ms = monotonic_ms() + END_LIMIT_MS;
	char line[512];
	int status;
	json_t *events;

	while (stderr_line(run, line, sizeof(line), deadline_ms))
		;
	fclose(run->stderr_pipe);
	if (monotonic_ms() >= deadline_ms)
		fail_msg("siptrail live did not end within %d s", END_LIMIT_MS / 1000);
	assert_int_equal(waitpid(run->pid, &status, 0), run->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	events = json_lines_read(run->out_path);
	unlink(run->out_path);
	return events;
}
