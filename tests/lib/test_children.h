/* The processes a test forks (peers, listeners, `siptrail live` under test): each one ends
 * with the test that started it, on every exit path. A failed assertion longjmps past the
 * test's own waitpid(), so the children are registered here and a cmocka teardown kills and
 * reaps whatever is left; a signal that ends the program (tests/run.sh's time limit sends
 * SIGTERM) and exit() do the same. Children stay in the test's process group, so a runner
 * that kills the group gets them too. */
#ifndef SIPTRAIL_TESTS_TEST_CHILDREN_H
#define SIPTRAIL_TESTS_TEST_CHILDREN_H

#include <sys/types.h>

/* fork(), with the child registered. In the child: an empty registry, and SIGKILL when the
 * test program dies. Fails the test if fork fails. The test may waitpid() the child itself;
 * a child already reaped is left alone. */
pid_t test_fork(void);

/* Ends every registered child still running (SIGTERM, SIGKILL after 2 s) and reaps it. In a
 * forked child (an assertion failed there and cmocka longjmp'd into the child's copy of the
 * runner) it ends that child instead, so a child never goes on to run the next tests. */
void test_children_end(void);

/* test_children_end() as a cmocka teardown: cmocka_unit_test_teardown(f, test_children_teardown).
 * cmocka runs a test's teardown after a failed assertion and after a crash. */
int test_children_teardown(void **state);

/* cmocka_unit_test(F) whose children end in its teardown. */
#define unit_test_with_children(f) cmocka_unit_test_teardown(f, test_children_teardown)

/* The harness's proof that a failure mid-test cleans up (tests/test_failfast.sh): with
 * SIPTRAIL_TEST_FORCE_FAIL=WHERE the test fails here, and with WHERE-hang it blocks here for
 * good, as a read on a pipe whose writer the test holds itself would. Otherwise nothing. */
void test_force_fail(const char *where);

#endif
