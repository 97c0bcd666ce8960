/* Runs the real `siptrail live --json` for a live test and collects what it printed. */
#ifndef SIPTRAIL_TESTS_SIPTRAIL_RUN_H
#define SIPTRAIL_TESTS_SIPTRAIL_RUN_H

#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>

struct siptrail_run {
	pid_t pid;
	FILE *stderr_pipe;
	char out_path[64]; /* its stdout, JSON lines */
};

/* Starts SIPTRAIL_BIN (default build/siptrail) as `live --json ARGS...` (NULL-terminated),
 * inside network namespace NETNS when not NULL (via ip netns exec), and returns once it says
 * it is tracing. Fails the test if it does not start within 20 s. */
void siptrail_start(struct siptrail_run *run, const char *netns, const char *const args[]);

/* Stops it with SIGINT, checks it exited 0 within 20 s, and returns its events as a JSON
 * array. A run the test leaves behind (a failed assertion) ends in its teardown
 * (test_children.h). */
json_t *siptrail_stop(struct siptrail_run *run);

/* Waits (20 s at most) for it to end by itself (--duration), checks it exited 0, returns its
 * events. */
json_t *siptrail_wait(struct siptrail_run *run);

/* Reads a file of JSON lines into an array; fails the test on a bad line. */
json_t *json_lines_read(const char *path);

#endif
