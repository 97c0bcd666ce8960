/* How long a poll round of siptrail live waits. Each round is a wake-up, whatever it reads (a
 * bare poll() wake-up alone costs 64-72 us of CPU on this project's VM), so a round waits until
 * about POLL_ROUND_RECORDS records are due at the rate the last round saw: a busy host (connection
 * churn) is read every POLL_ROUND_MIN_MS, a trunk whose connections live long (a few records a
 * second) or an idle host once every POLL_ROUND_MAX_MS, which is also how late a line can show. The
 * kernel wakes siptrail sooner when a ring buffer is an eighth full, a packet block is ready or TLS
 * secrets came, so no ring fills while a round waits. */
#ifndef SIPTRAIL_POLL_ROUNDS_H
#define SIPTRAIL_POLL_ROUNDS_H

#include <stdint.h>

#define POLL_ROUND_MIN_MS  100
#define POLL_ROUND_MAX_MS  1000
#define POLL_ROUND_RECORDS 256

/* The next round's wait, in ms, after a round that read READ records and packets in the
 * SINCE_NS (ns) since the round before it had read. */
int poll_round_wait_ms(int read, int64_t since_ns);

#endif
