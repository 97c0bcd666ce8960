#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "siptrail_run.h"

#define MAX_ARGS  32
#define SETTLE_US 300000

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

void siptrail_start(struct siptrail_run *run, const char *netns, const char *const args[])
{
	char line[512];
	int err_pipe[2], out_fd;

	snprintf(run->out_path, sizeof(run->out_path), "/tmp/stlive-out-XXXXXX");
	out_fd = mkstemp(run->out_path);
	assert_true(out_fd >= 0);
	assert_int_equal(pipe(err_pipe), 0);
	run->pid = fork();
	assert_true(run->pid >= 0);
	if (run->pid == 0) {
		close(err_pipe[0]);
		child_exec(netns, args, out_fd, err_pipe[1]);
	}
	close(out_fd);
	close(err_pipe[1]);
	run->stderr_pipe = fdopen(err_pipe[0], "r");
	assert_non_null(run->stderr_pipe);
	alarm(20); /* a siptrail that never gets ready fails the test instead of hanging */
	while (fgets(line, sizeof(line), run->stderr_pipe)) {
		fputs(line, stderr);
		if (strstr(line, "tracing TCP ports")) {
			alarm(0);
			return;
		}
	}
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
	char line[512];
	int status;
	json_t *events;

	while (fgets(line, sizeof(line), run->stderr_pipe))
		fputs(line, stderr);
	fclose(run->stderr_pipe);
	assert_int_equal(waitpid(run->pid, &status, 0), run->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	events = json_lines_read(run->out_path);
	unlink(run->out_path);
	return events;
}
