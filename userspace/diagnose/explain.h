/*
 * Layer diagnose/: the rules that turn a retired call into diagnoses, and the stream that
 * runs them as live events arrive. It calls engine/ and model/ only.
 *
 * Diagnoses: rules over a retired call (and the connections and peer facts the correlator
 * kept) that name what went wrong, with evidence, as a chain from symptom to root cause.
 * The ids are part of siptrail's interface (docs/diagnoses.md).
 */
#ifndef SIPTRAIL_EXPLAIN_H
#define SIPTRAIL_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "correlator.h"

enum diag_id {
	/* symptoms */
	DIAG_BYE_FAILED,
	DIAG_REFRESH_FAILED,
	DIAG_REFRESH_MISSED,
	DIAG_SESSION_EXPIRED,
	/* causes */
	DIAG_IDLE_CLOSE_REVERSE,
	DIAG_TLS_UNTRUSTED,
	DIAG_TLS_INCOMPLETE_CHAIN,
	DIAG_TLS_LEAF_CHANGED,
	DIAG_CONNECT_FAILED,
	DIAG_STALE_CONNECTION,
	DIAG_TLS_NAME_MISMATCH,
	DIAG_TLS_VERSION_MISMATCH,
	DIAG_TLS_CLIENT_CERT,
	DIAG_SILENT_DROP,
	DIAG_REFRESHER_CONFLICT,
	/* forecast on a healthy call */
	DIAG_RISK_IDLE_TIMEOUT,
	DIAG_COUNT,
};

#define DIAG_MAX_EVIDENCE 8
#define DIAG_MAX_CAUSES	  4

struct evidence {
	uint64_t ts_ns; /* 0: not about one moment */
	uint64_t conn;	/* 0: not about one connection */
	char text[240];
};

struct diagnosis {
	enum diag_id id;
	char summary[320];
	enum diag_id causes[DIAG_MAX_CAUSES]; /* the diagnoses that explain this one */
	unsigned n_causes;
	struct evidence evidence[DIAG_MAX_EVIDENCE];
	unsigned n_evidence;
	/* the peer it is about, for counts per peer: the far end of the first connection in its
	 * evidence, else the call's one peer; not given when neither tells */
	struct ip_addr peer;
};

struct call_verdict {
	char call_id[SIP_CALL_ID_LEN];
	uint64_t first_ts_ns, end_ts_ns;
	unsigned n_diags;
	/* each id at most once per call; last, so a copy can end after the n_diags used */
	struct diagnosis diags[DIAG_COUNT];
};

/* Runs every rule on CALL. */
void explain_call(const struct correlator *corr, const struct call *call,
		  struct call_verdict *verdict);

const char *diag_id_name(enum diag_id id);
/* Symptoms and their causes are failures; RISK_* and REFRESHER_CONFLICT are warnings. */
bool diag_is_failure(enum diag_id id);
const struct diagnosis *verdict_find(const struct call_verdict *verdict, enum diag_id id);

/* --- used by the rule files --- */

/* Adds ID once (NULL when already there: the first occurrence is the evidence kept). */
struct diagnosis *verdict_add(struct call_verdict *verdict, enum diag_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_evidence(struct diagnosis *diag, uint64_t ts_ns, uint64_t conn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_cause(struct diagnosis *diag, enum diag_id cause);

/*
 * Explains why CONN (a connection toward LEG's peer that carried no SIP, or only requests
 * written before its TLS handshake was rejected) failed, adding the
 * cause diagnosis; DIALOG_CONN (the leg's connection when the attempt was made, or NULL)
 * tells whether it was opened in reverse after an idle close. Returns the id added or found.
 */
enum diag_id explain_failed_conn(struct call_verdict *verdict, const struct leg *leg,
				 const struct conn *conn, const struct conn *dialog_conn);

/* Why a request written on CONN got no answer: STALE_CONNECTION or SILENT_DROP. */
enum diag_id explain_unanswered(struct call_verdict *verdict, const struct txn *txn,
				const struct conn *conn);

/* Session timer rules: REFRESH_FAILED, REFRESH_MISSED, SESSION_EXPIRED, REFRESHER_CONFLICT. */
void explain_session_timers(const struct correlator *corr, const struct call *call,
			    struct call_verdict *verdict);

/* BYE_FAILED or REFRESH_FAILED inferred when the peer's connection to this host failed while
 * the call was up and nothing more of the call came (explain_peer.c). */
void explain_peer_request_lost(const struct correlator *corr, const struct call *call,
			       struct call_verdict *verdict);

/* RISK_IDLE_TIMEOUT on calls without a failure. */
void explain_risk(const struct correlator *corr, const struct call *call,
		  struct call_verdict *verdict);

/* Adds the causes of a failed in-dialog transaction (or of a failed refresh interval
 * starting at SINCE_NS) to DIAG: connection attempts, stale or silent connections. */
void explain_txn_causes(const struct correlator *corr, const struct call *call,
			struct diagnosis *diag, struct call_verdict *verdict, const struct txn *txn,
			uint64_t since_ns, uint64_t until_ns);

/* "12.345 s" style seconds for evidence text. */
double ns_to_s(uint64_t ns);

#endif
