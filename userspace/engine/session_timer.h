/*
 * RFC 4028 session timer of one dialog leg: what was negotiated, which side of our trunk
 * refreshes, and how each refresh interval ended. Pure bookkeeping on times given by the
 * caller, so the math is unit-tested without any other part.
 */
#ifndef SIPTRAIL_SESSION_TIMER_H
#define SIPTRAIL_SESSION_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "sip_message.h"

/* How the first refresh interval that did not end well ended. */
enum refresh_outcome {
	REFRESH_NO_PROBLEM,  /* every interval so far was refreshed on time or is running */
	REFRESH_SENT_FAILED, /* refresh(es) sent, each failed (error response or timeout) */
	REFRESH_CONN_FAILED, /* the connection for the refresh could not be made */
	REFRESH_NEVER_SENT,  /* the deadline passed and no refresh was seen */
};

/* Why a refresh attempt failed, for the evidence. */
struct refresh_failure {
	uint64_t ts_ns;
	uint64_t conn;
	uint32_t cseq;
	enum sip_method method;
	uint16_t status; /* 0: timed out */
};

struct session_timer {
	uint64_t interval_start_ns;
	uint64_t last_refresh_conn;
	uint64_t expired_ns; /* expiry deadline that passed without refresh, 0 if none */
	uint64_t problem_interval_start_ns;
	struct refresh_failure last_failure;	/* the current interval */
	struct refresh_failure problem_failure; /* the first interval that ended badly */
	uint32_t se_s;
	uint32_t min_se_s; /* highest Min-SE seen (requests and 422) */
	uint32_t problem_se_s;
	enum side refresher; /* SIDE_LOCAL: our side of this leg refreshes */
	enum side last_refresh_by;
	enum side problem_refresher;
	enum refresh_outcome problem;
	uint16_t refreshes;    /* successful refreshes after the initial negotiation */
	uint16_t handovers;    /* refresher role moved to the side that sent a refresh */
	uint16_t flips;	       /* role moved without a refresh from the new side */
	uint16_t no_refresher; /* 2xx with Session-Expires but no refresher parameter */
	uint16_t responses_422;
	uint16_t attempts; /* refreshes sent in the current interval */
	bool active;
};

/* RFC 4028 §10: the refresher sends the refresh at half the interval. */
uint64_t session_timer_refresh_due_ns(uint64_t interval_start_ns, uint32_t se_s);

/* RFC 4028 §10: without a refresh, the other side sends BYE at SE - min(32 s, SE/3). */
uint64_t session_timer_expiry_ns(uint64_t interval_start_ns, uint32_t se_s);

/*
 * RFC 4028 §7.1/§9: "uac"/"uas" name roles in the transaction that carries the header. The
 * request travelled in REQUEST_DIR on this leg (out: we are its UAC). Returns the side of our
 * trunk that refreshes, SIDE_UNKNOWN when the parameter is absent.
 */
enum side session_timer_refresher_side(enum direction request_dir, enum sip_refresher refresher);

/*
 * A 2xx to INVITE or UPDATE on this leg at TS. HAS_SE/SE_S/REFRESHER come from the 2xx
 * (RFC 4028 §7.2: without Session-Expires in the 2xx there is no session expiration).
 * IS_REFRESH: the request was an in-dialog refresh, sent in REQUEST_DIR over CONN.
 */
void session_timer_on_2xx(struct session_timer *st, uint64_t ts_ns, enum direction request_dir,
			  bool has_se, uint32_t se_s, enum sip_refresher refresher, bool is_refresh,
			  uint64_t conn);

/* A refresh request (re-INVITE or UPDATE) was sent in the current interval, by either side. */
void session_timer_on_refresh_sent(struct session_timer *st);

/* A refresh transaction failed (final non-2xx other than 422/491, or timeout). */
void session_timer_on_refresh_failed(struct session_timer *st, const struct refresh_failure *f);

/* A 422 (RFC 4028 §6) with Min-SE: the request is retried with a larger interval. */
void session_timer_on_422(struct session_timer *st, uint32_t min_se_s);

/* Advances to NOW: closes the interval when the expiry deadline passed. CONN_FAILED: a
 * connection attempt for this leg failed within the interval. */
void session_timer_check(struct session_timer *st, uint64_t now_ns, bool conn_failed);

/* The call ended (BYE): no more intervals. */
void session_timer_on_end(struct session_timer *st);

const char *refresh_outcome_name(enum refresh_outcome outcome);

#endif
