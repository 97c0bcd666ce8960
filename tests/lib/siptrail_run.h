/* Runs the siptrail program built in $BUILD (default build/) for command-line tests. */
#ifndef SIPTRAIL_TESTS_SIPTRAIL_RUN_H
#define SIPTRAIL_TESTS_SIPTRAIL_RUN_H

#include <stddef.h>

/* Runs "siptrail ARGS" with stderr joined to stdout; returns its exit status (-1 when it could
 * not be started or was killed), the output in OUT (NUL-terminated, cut to out_len - 1). */
int siptrail_run(const char *args, char *out, size_t out_len);

#endif
