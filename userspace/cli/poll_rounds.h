/* How long a poll round of siptrail live waits. Each round is a wake-up, whatever it reads (a
 * bare poll() wake-up alone costs 64-72 us of CPU on this project's VM), so a round waits until
 * about POLL_ROUND_RECORDS records are due at the rate the last round saw: a busy host (connection
 * churn) is read every POLL_ROUND_MIN_MS, a trunk whose connections live long (a few records a
 * second) or an idle host once every POLL_ROUND_MAX_MS, which is also how late a line can show. The
 * kernel wakes siptrail sooner when a ring buffer is an eighth full or TLS secrets came, so no ring
 * fills while a round waits.
 *
 * The packet ring hands over a block 100 ms after its first packet (wire_capture.c), and its
 * descriptor woke every round while packets flowed: ten wake-ups a second on any trunk, whatever
 * the rate. While the last round read packets, the ring's descriptor is left out of the poll and
 * the round waits at most POLL_ROUND_PACKETS_MS, with 32 blocks of 1 MiB to fill meanwhile (over
 * 100 MB/s of SIP); an idle wire is polled, so its first packets wake siptrail within 100 ms.
 * Order is kept either way: every round drains every source, so nothing read later is older
 * than the block timeout before what the round released. */
#ifndef SIPTRAIL_POLL_ROUNDS_H
#define SIPTRAIL_POLL_ROUNDS_H

#include <stdbool.h>
#include <stdint.h>

#define POLL_ROUND_MIN_MS     100
#define POLL_ROUND_MAX_MS     1000
#define POLL_ROUND_RECORDS    256
#define POLL_ROUND_PACKETS_MS 250

/* The next round's wait, in ms, after a round that read READ records and packets in the
 * SINCE_NS (ns) since the round before it had read; PACKETS: packets were among them. */
int poll_round_wait_ms(int read, int64_t since_ns, bool packets);

#endif
