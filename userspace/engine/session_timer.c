/* RFC 4028 session timer bookkeeping for one dialog leg. */
#include <string.h>

#include "session_timer.h"

#define NS_PER_S 1000000000ull

uint64_t session_timer_refresh_due_ns(uint64_t interval_start_ns, uint32_t se_s)
{
	return interval_start_ns + (uint64_t)se_s * NS_PER_S / 2;
}

uint64_t session_timer_expiry_ns(uint64_t interval_start_ns, uint32_t se_s)
{
	uint64_t se_ns = (uint64_t)se_s * NS_PER_S;
	uint64_t third_ns = se_ns / 3, cap_ns = 32 * NS_PER_S;

	return interval_start_ns + se_ns - (third_ns < cap_ns ? third_ns : cap_ns);
}

enum side session_timer_refresher_side(enum direction request_dir, enum sip_refresher refresher)
{
	enum side uac = request_dir == DIR_OUT ? SIDE_LOCAL : SIDE_PEER;
	enum side uas = request_dir == DIR_OUT ? SIDE_PEER : SIDE_LOCAL;

	if (request_dir == DIR_UNKNOWN)
		return SIDE_UNKNOWN;
	if (refresher == SIP_REFRESHER_UAC)
		return uac;
	if (refresher == SIP_REFRESHER_UAS)
		return uas;
	return SIDE_UNKNOWN;
}

static void record_problem(struct session_timer *st, enum refresh_outcome outcome)
{
	if (st->problem != REFRESH_NO_PROBLEM)
		return;
	st->problem = outcome;
	st->problem_interval_start_ns = st->interval_start_ns;
	st->problem_se_s = st->se_s;
	st->problem_refresher = st->refresher;
	st->problem_failure = st->last_failure;
}

void session_timer_on_2xx(struct session_timer *st, uint64_t ts_ns, enum direction request_dir,
			  bool has_se, uint32_t se_s, enum sip_refresher refresher, bool is_refresh,
			  uint64_t conn)
{
	enum side sender = request_dir == DIR_OUT ? SIDE_LOCAL : SIDE_PEER;
	enum side side;

	if (!has_se || !se_s) {
		/* RFC 4028 §7.2: no Session-Expires in the 2xx, no session expiration. */
		st->active = false;
		return;
	}
	side = session_timer_refresher_side(request_dir, refresher);
	if (side == SIDE_UNKNOWN) {
		/* RFC 4028 §9 makes the parameter mandatory in the 2xx; without it only the
		 * UAC knows the session is timed, so count on it. */
		st->no_refresher++;
		side = sender;
	}
	if (st->active && is_refresh) {
		st->refreshes++;
		st->last_refresh_by = sender;
		st->last_refresh_conn = conn;
		if (side != st->refresher) {
			if (side == sender)
				st->handovers++;
			else
				st->flips++;
		}
	}
	st->active = true;
	st->se_s = se_s;
	st->refresher = side;
	st->interval_start_ns = ts_ns;
	st->attempts = 0;
	memset(&st->last_failure, 0, sizeof(st->last_failure));
}

void session_timer_on_refresh_sent(struct session_timer *st)
{
	if (st->active)
		st->attempts++;
}

void session_timer_on_refresh_failed(struct session_timer *st, const struct refresh_failure *f)
{
	if (st->active)
		st->last_failure = *f;
}

void session_timer_on_422(struct session_timer *st, uint32_t min_se_s)
{
	st->responses_422++;
	if (min_se_s > st->min_se_s)
		st->min_se_s = min_se_s;
}

void session_timer_check(struct session_timer *st, uint64_t now_ns, bool conn_failed)
{
	uint64_t expiry_ns;

	if (!st->active)
		return;
	expiry_ns = session_timer_expiry_ns(st->interval_start_ns, st->se_s);
	if (now_ns < expiry_ns)
		return;
	if (st->last_failure.ts_ns || st->attempts)
		record_problem(st, REFRESH_SENT_FAILED);
	else if (conn_failed)
		record_problem(st, REFRESH_CONN_FAILED);
	else
		record_problem(st, REFRESH_NEVER_SENT);
	st->expired_ns = expiry_ns;
	st->active = false;
}

void session_timer_on_end(struct session_timer *st)
{
	st->active = false;
}

const char *refresh_outcome_name(enum refresh_outcome outcome)
{
	static const char *const names[] = {
	    [REFRESH_NO_PROBLEM] = "refreshed on time",
	    [REFRESH_SENT_FAILED] = "refresh sent but failed",
	    [REFRESH_CONN_FAILED] = "connection for the refresh could not be made",
	    [REFRESH_NEVER_SENT] = "refresh never sent",
	};
	return (unsigned)outcome < sizeof(names) / sizeof(names[0]) ? names[outcome] : "?";
}
