#include "live_rounds.h"

int live_round_wait_ms(int read, int64_t since_ns)
{
	int64_t wait_ms;

	if (read <= 0 || since_ns <= 0)
		return read > 0 ? LIVE_ROUND_MIN_MS : LIVE_ROUND_MAX_MS;
	/* LIVE_ROUND_RECORDS at READ per SINCE_NS */
	wait_ms = since_ns / 1000000 * LIVE_ROUND_RECORDS / read;
	if (wait_ms < LIVE_ROUND_MIN_MS)
		return LIVE_ROUND_MIN_MS;
	return wait_ms > LIVE_ROUND_MAX_MS ? LIVE_ROUND_MAX_MS : (int)wait_ms;
}
