/*
 * RISK_IDLE_TIMEOUT: the forecast on a call without failure. The trunk closes idle
 * connections after the shortest idle time seen (peer_table); a call's connection carries
 * nothing between its set-up and its BYE except session refreshes (every SE/2, RFC 4028
 * §10), so unless refreshes come more often than the idle close, a call longer than the idle
 * close sends its BYE (and its refreshes) on a new connection, opened in the reverse
 * direction when the other side sends it. Whether that works is what the trunk has shown:
 * a failed reverse connection (the last one) means such calls will lose their BYE; none
 * seen, that they may.
 */
#include <stdio.h>

#include "explain.h"

#define NS_PER_S 1000000000ull

enum reverse_path { REVERSE_UNPROVEN, REVERSE_WORKED, REVERSE_FAILED };

static bool has_failure(const struct call_verdict *verdict)
{
	for (unsigned i = 0; i < verdict->n_diags; i++)
		if (diag_is_failure(verdict->diags[i].id))
			return true;
	return false;
}

/* The last word on the reverse direction (index REVERSE of the peer's counters). */
static enum reverse_path reverse_path_of(const struct peer *peer, unsigned reverse)
{
	if (peer->failed_conns[reverse] &&
	    (!peer->ok_conns[reverse] || peer->failed_ts_ns[reverse] > peer->ok_ts_ns[reverse]))
		return REVERSE_FAILED;
	return peer->ok_conns[reverse] ? REVERSE_WORKED : REVERSE_UNPROVEN;
}

/* "45 s", "120 s (2.0 min)" */
static const char *duration_words(uint64_t ns, char *buf, size_t len)
{
	double s = ns_to_s(ns);

	if (s < 60)
		snprintf(buf, len, "%.0f s", s);
	else
		snprintf(buf, len, "%.0f s (%.1f min)", s, s / 60);
	return buf;
}

static void risk(const struct call *call, const struct leg *leg, const struct peer *peer,
		 struct call_verdict *verdict)
{
	uint64_t end_ns = call->end_ts_ns ? call->end_ts_ns : call->last_ts_ns;
	uint64_t length_ns = end_ns - call->confirmed_ts_ns;
	uint64_t refresh_ns = (uint64_t)leg->timer.se_s * NS_PER_S / 2;
	uint64_t idle_ns = peer->idle_close_ns;
	unsigned reverse = leg->first_conn_direction == DIR_OUT; /* index of the other way */
	enum reverse_path path = reverse_path_of(peer, reverse);
	bool refreshes_keep_up = refresh_ns && refresh_ns < idle_ns;
	const char *opener = leg->first_conn_direction == DIR_OUT ? "the peer" : "this host";
	char idle_words[32];
	struct diagnosis *diag;

	/* refreshes keep the connection busy; or, without refreshes (each of which would need a
	 * new connection), this call was short and the reverse path is not known to fail */
	if (refreshes_keep_up || (!refresh_ns && idle_ns >= length_ns && path != REVERSE_FAILED))
		return;
	duration_words(idle_ns, idle_words, sizeof(idle_words));
	if (path == REVERSE_WORKED)
		diag =
		    verdict_add(verdict, DIAG_RISK_IDLE_TIMEOUT,
				"connections to %s are closed after %.0f s idle, shorter than "
				"%s (%.0f s): refreshes and late BYEs depend on a new connection "
				"opened by %s; such reverse connections have worked on this trunk",
				ip_addr_text(&leg->peer_addr).text, ns_to_s(idle_ns),
				refresh_ns > idle_ns ? "the refresh interval" : "this call",
				ns_to_s(refresh_ns > idle_ns ? refresh_ns : length_ns), opener);
	else
		diag = verdict_add(verdict, DIAG_RISK_IDLE_TIMEOUT,
				   "calls longer than %s on this trunk %s lose their BYE%s: "
				   "connections to %s are closed after %.0f s idle%s, so the BYE "
				   "needs a new connection opened by %s, and %s",
				   idle_words, path == REVERSE_FAILED ? "will" : "may",
				   refresh_ns ? " (and their session refresh)" : "",
				   ip_addr_text(&leg->peer_addr).text, ns_to_s(idle_ns),
				   refresh_ns ? " before the refresh is due (SE/2)" : "", opener,
				   path == REVERSE_FAILED
				       ? "the last such reverse connection failed"
				       : "no such reverse connection has been seen to work "
					 "(siptrail probe-reverse tests it)");
	diag_evidence(
	    diag, peer->idle_close_ts_ns, peer->idle_close_conn,
	    "conn %llu closed by %s after %.1f s idle", (unsigned long long)peer->idle_close_conn,
	    peer->idle_close_by == SIDE_LOCAL ? "this host" : "the peer", ns_to_s(idle_ns));
	diag_evidence(diag, call->confirmed_ts_ns, leg->first_conn,
		      "call set up on conn %llu opened by %s; length %.0f s, Session-Expires %u s",
		      (unsigned long long)leg->first_conn,
		      leg->first_conn_direction == DIR_OUT ? "this host" : "the peer",
		      ns_to_s(length_ns), leg->timer.se_s);
	if (path == REVERSE_FAILED)
		diag_evidence(diag, peer->failed_ts_ns[reverse], peer->failed_conn_last[reverse],
			      "%u reverse connection(s) failed before carrying SIP, the last conn "
			      "%llu",
			      peer->failed_conns[reverse],
			      (unsigned long long)peer->failed_conn_last[reverse]);
	if (peer->ok_conns[reverse])
		diag_evidence(diag, 0, peer->ok_conn_last[reverse],
			      "%u reverse connection(s) carried SIP, the last conn %llu",
			      peer->ok_conns[reverse],
			      (unsigned long long)peer->ok_conn_last[reverse]);
}

void explain_risk(const struct correlator *corr, const struct call *call,
		  struct call_verdict *verdict)
{
	if (has_failure(verdict) || !call->confirmed)
		return;
	for (unsigned l = 0; l < call->n_legs; l++) {
		const struct leg *leg = &call->legs[l];
		const struct peer *peer =
		    peer_table_find((struct peer_table *)&corr->peers, &leg->peer_addr);

		if (!leg->first_conn || !peer || !peer->idle_close_ns)
			continue;
		risk(call, leg, peer, verdict);
		if (verdict_find(verdict, DIAG_RISK_IDLE_TIMEOUT))
			return;
	}
}
