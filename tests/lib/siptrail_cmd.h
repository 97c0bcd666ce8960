/* Runs the built siptrail with arguments for a unit test and collects what it printed. */
#ifndef SIPTRAIL_TESTS_SIPTRAIL_CMD_H
#define SIPTRAIL_TESTS_SIPTRAIL_CMD_H

#include <stddef.h>

/* Runs `SIPTRAIL_BIN ARGS 2>&1` through the shell (SIPTRAIL_BIN, else $BUILD/siptrail, else
 * build/siptrail); stdout and stderr go to OUT (cut to fit). Returns the exit status. */
int siptrail_cmd(const char *args, char *out, size_t out_len);

#endif
