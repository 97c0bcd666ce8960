#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_children.h"

#define MAX_CHILDREN	32
#define END_GRACE_MS	2000
#define END_POLL_MS	20
#define NSEC_PER_MSEC	1000000LL
#define FORCE_FAIL_ENV	"SIPTRAIL_TEST_FORCE_FAIL"
#define FORCE_HANG_TAIL "-hang"

/* Registered children of this process; 0 is a free slot. A forked child starts empty. */
static pid_t children[MAX_CHILDREN];
/* The process cmocka runs the tests in; 0 until its first test_fork(). */
static pid_t program_pid;
static const int ending_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGALRM};
/* Which of them on_ending_signal handles (those nothing else handled before). */
static bool installed[sizeof(ending_signals) / sizeof(ending_signals[0])];

enum child_state { CHILD_REAPED, CHILD_EXITED, CHILD_RUNNING };

/* Looks without reaping, so the test's own waitpid() still gets the status. A child the test
 * reaped is no longer ours (ECHILD) and its pid may already belong to another process: only a
 * child we have not reaped is safe to signal. */
static enum child_state child_state(pid_t pid)
{
	siginfo_t info = {0};

	if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
		return CHILD_REAPED;
	return info.si_pid == pid ? CHILD_EXITED : CHILD_RUNNING;
}

/* Async-signal-safe: waitid(), kill() and waitpid() only. */
static int children_kill_now(void)
{
	int ended = 0;

	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] <= 0)
			continue;
		if (child_state(children[i]) != CHILD_REAPED) {
			ended += kill(children[i], SIGKILL) == 0;
			waitpid(children[i], NULL, 0);
		}
		children[i] = 0;
	}
	return ended;
}

static long long monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000LL + now.tv_nsec / NSEC_PER_MSEC;
}

/* SIGTERM to every running child, up to END_GRACE_MS for them to end (siptrail live detaches
 * and flushes on SIGTERM), then SIGKILL. Returns how many were running. */
static int children_end(void)
{
	long long deadline_ms = monotonic_ms() + END_GRACE_MS;
	int running = 0, left;

	for (int i = 0; i < MAX_CHILDREN; i++) {
		enum child_state state = children[i] > 0 ? child_state(children[i]) : CHILD_REAPED;

		if (state == CHILD_RUNNING) {
			kill(children[i], SIGTERM);
			running++;
			continue;
		}
		if (state == CHILD_EXITED)
			waitpid(children[i], NULL, 0);
		children[i] = 0;
	}
	if (!running)
		return 0;
	do {
		left = 0;
		for (int i = 0; i < MAX_CHILDREN; i++) {
			if (children[i] > 0 && waitpid(children[i], NULL, WNOHANG) != 0)
				children[i] = 0;
			left += children[i] > 0;
		}
		if (left)
			usleep(END_POLL_MS * 1000);
	} while (left && monotonic_ms() < deadline_ms);
	children_kill_now();
	return running;
}

static void write_stderr(const char *text)
{
	ssize_t ignored = write(STDERR_FILENO, text, strlen(text));

	(void)ignored;
}

/* The program is ending by a signal (a runner's time limit, Ctrl-C): its children end first,
 * then the signal does what it would have. */
static void on_ending_signal(int sig)
{
	int saved_errno = errno;

	write_stderr("\ntest_children: ending signal, killing the test's children\n");
	children_kill_now();
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved_errno;
}

static void on_exit_end_children(void)
{
	int ended = children_end();

	if (ended)
		fprintf(stderr, "test_children: %d child process(es) still ran at exit, ended\n",
			ended);
}

/* Once per test program: the signal handlers (only where nothing else handles the signal)
 * and the exit hook. */
static void program_hooks_install(void)
{
	struct sigaction action = {.sa_handler = on_ending_signal};

	if (program_pid)
		return;
	program_pid = getpid();
	for (size_t i = 0; i < sizeof(ending_signals) / sizeof(ending_signals[0]); i++) {
		struct sigaction old;

		if (sigaction(ending_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			installed[i] = sigaction(ending_signals[i], &action, NULL) == 0;
	}
	atexit(on_exit_end_children);
}

static void child_register(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] <= 0 || child_state(children[i]) == CHILD_REAPED) {
			children[i] = pid;
			return;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fail_msg("test_fork: more than %d children running", MAX_CHILDREN);
}

pid_t test_fork(void)
{
	pid_t parent = getpid(), pid;

	program_hooks_install();
	fflush(NULL); /* or the child's exit writes the parent's buffered output again */
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		/* The child's own children, if any, die with it (their PDEATHSIG). */
		for (size_t i = 0; i < sizeof(ending_signals) / sizeof(ending_signals[0]); i++)
			if (installed[i])
				signal(ending_signals[i], SIG_DFL);
		memset(children, 0, sizeof(children));
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* the test died before prctl(): reparented. A parent outside the child's PID
		 * namespace has no number in it (0). */
		if (getppid() != parent && getppid() != 0)
			_exit(1);
		return 0;
	}
	child_register(pid);
	return pid;
}

void test_children_end(void)
{
	int ended = children_end();

	if (program_pid && getpid() != program_pid) {
		/* cmocka longjmp'd into a child's copy of the runner: the child is done, and the
		 * parent's assertions say what went wrong. */
		fprintf(stderr,
			"test_children: a check failed in forked child %d, which ends here\n",
			getpid());
		_exit(1);
	}
	if (ended)
		fprintf(stderr, "test_children: ended %d child process(es) the test left running\n",
			ended);
}

int test_children_teardown(void **state)
{
	(void)state;
	test_children_end();
	return 0;
}

void test_force_fail(const char *where)
{
	const char *force = getenv(FORCE_FAIL_ENV);
	size_t where_len = strlen(where);
	int self_pipe[2];
	char byte;

	if (!force)
		return;
	if (!strcmp(force, where))
		fail_msg("forced failure here (%s=%s)", FORCE_FAIL_ENV, force);
	if (strncmp(force, where, where_len) || strcmp(force + where_len, FORCE_HANG_TAIL))
		return;
	fprintf(stderr, "forced hang here (%s=%s)\n", FORCE_FAIL_ENV, force);
	assert_int_equal(pipe(self_pipe), 0);
	/* Never returns: this process holds the write end, as the hang of issue 19 did. */
	while (read(self_pipe[0], &byte, 1) != 0)
		;
	fail_msg("forced hang: the pipe closed");
}
