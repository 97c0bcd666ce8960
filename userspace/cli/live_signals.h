/* The signals siptrail live answers as a service: SIGINT and SIGTERM stop it (the kernel's
 * buffers drained, the last events and metrics written, the journal synced, the BPF links
 * closed, exit 0); SIGHUP has it reopen its files, logrotate style (docs/operations.md). */
#ifndef SIPTRAIL_LIVE_SIGNALS_H
#define SIPTRAIL_LIVE_SIGNALS_H

#include <stdbool.h>

/* Installs the handlers, without SA_RESTART: a signal must break the wait for events.
 * Returns 0 or a negative errno. */
int live_signals_install(void);

/* Whether SIGINT or SIGTERM came. */
bool live_stop_requested(void);

/* Whether SIGHUP came since the last call. */
bool live_reopen_requested(void);

#endif
