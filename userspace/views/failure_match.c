/* Failure report rows -> calls. */
#include <stdlib.h>
#include <string.h>

#include "failure_match.h"
#include "ip_addr.h"
#include "phone_number.h"

#define NS_PER_S	 1000000000ll
#define QUARTER_HOUR_S	 900
#define ZONE_SHIFT_MAX_S (14 * 3600) /* UTC-12 to UTC+14 */

static uint64_t distance_ns(const struct call_entry *call, uint64_t ts_ns)
{
	if (ts_ns < call->first_ts_ns)
		return call->first_ts_ns - ts_ns;
	if (ts_ns > call->last_ts_ns)
		return ts_ns - call->last_ts_ns;
	return 0;
}

/* PEER as ip_addr_text writes it ("2001:DB8:0::1" is "2001:db8::1"), when it is an address. */
static bool peer_seen(const struct call_entry *call, const char *peer_text)
{
	struct ip_addr addr;
	struct ip_addr_text canonical = {{0}};
	const char *peer = peer_text;
	bool seen;

	if (ip_addr_parse(&addr, peer_text)) {
		canonical = ip_addr_text(&addr);
		peer = canonical.text;
	}
	seen = !strcmp(peer, call->peer_addr.text);

	for (unsigned l = 0; l < call->n_timers; l++)
		seen |= !strcmp(peer, call->timers[l].peer_addr.text);
	return seen;
}

/* Everything but the time. */
static unsigned numbers_mismatch(const struct call_entry *call, const struct failure_row *row,
				 unsigned trailing_digits)
{
	unsigned mismatch = 0;

	if (row->caller[0] && !phone_numbers_match(row->caller, call->from_user, trailing_digits))
		mismatch |= MISMATCH_CALLER;
	if (row->callee[0] && !phone_numbers_match(row->callee, call->to_user, trailing_digits))
		mismatch |= MISMATCH_CALLEE;
	if (row->peer[0] && !peer_seen(call, row->peer))
		mismatch |= MISMATCH_PEER;
	if (!row->caller[0] && !row->callee[0] && !row->peer[0])
		mismatch |= MISMATCH_NOTHING_TO_COMPARE;
	return mismatch;
}

/* Keeps the candidates sorted by distance in time, the nearest FAILURE_MAX_CANDIDATES. */
static void candidate_add(struct failure_match *out, const struct call_entry *call, uint64_t ts_ns,
			  unsigned mismatch)
{
	unsigned pos = out->n_candidates;

	while (pos > 0 &&
	       distance_ns(call, ts_ns) < distance_ns(out->candidates[pos - 1].call, ts_ns))
		pos--;
	if (pos >= FAILURE_MAX_CANDIDATES)
		return;
	if (out->n_candidates < FAILURE_MAX_CANDIDATES)
		out->n_candidates++;
	memmove(&out->candidates[pos + 1], &out->candidates[pos],
		(out->n_candidates - 1 - pos) * sizeof(out->candidates[0]));
	out->candidates[pos] = (struct failure_candidate){
	    .call = call,
	    .delta_ns = (int64_t)call->first_ts_ns - (int64_t)ts_ns,
	    .mismatch = mismatch,
	};
}

/* A call whose numbers fit, a whole number of quarter hours from the row: the report is
 * probably in another zone than it was read in. */
static void zone_hint(const struct call_index *index, const struct failure_row *row,
		      const struct match_config *config, struct failure_match *out)
{
	uint64_t best = UINT64_MAX;

	for (size_t i = 0; i < index->count; i++) {
		const struct call_entry *c = &index->calls[i];
		int64_t gap_s = ((int64_t)row->ts_ns - (int64_t)c->first_ts_ns) / NS_PER_S;
		int64_t shift_s = llabs(gap_s) + QUARTER_HOUR_S / 2;
		uint64_t residual;

		shift_s = (shift_s - shift_s % QUARTER_HOUR_S) * (gap_s < 0 ? -1 : 1);
		if (!shift_s || llabs(shift_s) > ZONE_SHIFT_MAX_S ||
		    numbers_mismatch(c, row, config->trailing_digits))
			continue;
		residual = distance_ns(c, (uint64_t)((int64_t)row->ts_ns - shift_s * NS_PER_S));
		if (residual <= config->window_ns && residual < best) {
			best = residual;
			out->zone_call = c;
			out->zone_shift_s = shift_s;
		}
	}
}

void failure_match_row(const struct call_index *index, const struct failure_row *row,
		       const struct match_config *config, struct failure_match *out)
{
	memset(out, 0, sizeof(*out));
	if (row->call_id[0] && (out->call = call_index_find(index, row->call_id))) {
		out->how = MATCH_CALL_ID;
		return;
	}
	if (!row->has_ts)
		return; /* nothing places the row among the calls */
	for (size_t i = 0; i < index->count; i++) {
		const struct call_entry *c = &index->calls[i];
		if (distance_ns(c, row->ts_ns) <= config->window_ns &&
		    !numbers_mismatch(c, row, config->trailing_digits)) {
			out->n_fitting++;
			candidate_add(out, c, row->ts_ns, 0);
		}
	}
	if (out->n_fitting == 1) {
		out->how = MATCH_TIME_NUMBERS;
		out->call = out->candidates[0].call;
		out->n_candidates = 0;
		return;
	}
	if (out->n_fitting > 1) {
		out->how = MATCH_SEVERAL;
		return;
	}
	for (size_t i = 0; i < index->count; i++) {
		const struct call_entry *c = &index->calls[i];
		unsigned mismatch = numbers_mismatch(c, row, config->trailing_digits);
		if (distance_ns(c, row->ts_ns) > config->window_ns)
			mismatch |= MISMATCH_TIME;
		candidate_add(out, c, row->ts_ns, mismatch);
	}
	zone_hint(index, row, config, out);
}
