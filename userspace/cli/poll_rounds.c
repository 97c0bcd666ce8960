#include "poll_rounds.h"

int poll_round_wait_ms(int read, int64_t since_ns)
{
	int64_t wait_ms;

	if (read <= 0 || since_ns <= 0)
		return read > 0 ? POLL_ROUND_MIN_MS : POLL_ROUND_MAX_MS;
	/* POLL_ROUND_RECORDS at READ per SINCE_NS */
	wait_ms = since_ns / 1000000 * POLL_ROUND_RECORDS / read;
	if (wait_ms < POLL_ROUND_MIN_MS)
		return POLL_ROUND_MIN_MS;
	return wait_ms > POLL_ROUND_MAX_MS ? POLL_ROUND_MAX_MS : (int)wait_ms;
}
