#include "poll_rounds.h"

int poll_round_wait_ms(int read, int64_t since_ns, bool packets)
{
	int64_t max_ms = packets ? POLL_ROUND_PACKETS_MS : POLL_ROUND_MAX_MS, wait_ms;

	if (read <= 0 || since_ns <= 0)
		return read > 0 ? POLL_ROUND_MIN_MS : (int)max_ms;
	/* POLL_ROUND_RECORDS at READ per SINCE_NS */
	wait_ms = since_ns / 1000000 * POLL_ROUND_RECORDS / read;
	if (wait_ms < POLL_ROUND_MIN_MS)
		return POLL_ROUND_MIN_MS;
	return wait_ms > max_ms ? (int)max_ms : (int)wait_ms;
}
