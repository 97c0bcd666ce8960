/*
 * Every call of an input with its verdict, for the commands that look calls up after the fact
 * (correlate, timeline): streams the input once through the correlator (as journal_replay
 * does) and the explain rules, and keeps, per call, what a
 * person searches by (Call-ID, time, caller and callee numbers from the first INVITE) and the
 * session-timer deadlines of each leg.
 */
#ifndef SIPTRAIL_CALL_INDEX_H
#define SIPTRAIL_CALL_INDEX_H

#include "correlator.h"
#include "event_load.h"
#include "explain.h"
#include "hash_map.h"
#include "journal_replay.h"

#define CALL_USER_LEN 64

struct leg_timer {
	struct ip_addr_text peer_addr;
	bool active;
	uint32_t se_s;
	enum side refresher;
	uint64_t refresh_due_ns, expiry_ns; /* of the last interval, or the first that failed */
};

/* About 400 bytes a call with one leg (its Call-ID and legs allocated to size), verdicts only
 * for calls with a diagnosis: the index holds every call of the input. */
struct call_entry {
	char *call_id; /* at most SIP_CALL_ID_LEN - 1 bytes, as the correlator keeps it */
	uint64_t first_ts_ns, last_ts_ns;
	char from_user[CALL_USER_LEN], to_user[CALL_USER_LEN]; /* first INVITE's From and To */
	struct ip_addr_text peer_addr;			       /* the first INVITE's other end */
	bool failed;					       /* a failure diagnosis */
	/* NULL: nothing to say; else only its n_diags diagnoses are allocated (never copy it) */
	struct call_verdict *verdict;
	struct leg_timer *timers; /* one per leg, n_timers of them */
	unsigned n_timers;
};

struct call_index {
	struct call_entry *calls; /* in the order calls were first seen */
	size_t count, cap;
	/* hash_bytes of the Call-ID -> position in calls + 1 (calls moves as it grows) */
	struct hash_map by_call_id;
	unsigned long sip_undecoded;
};

/* Reads PATHS (event_read_files: one journal, or captures read as one) into INDEX, with a
 * progress bar on a terminal. Returns 0; -EIO when a capture broke part way (INDEX holds the
 * calls before the bad packet); or another negative errno. Problems are reported on stderr
 * once, as "siptrail CMD: ...". */
int call_index_read(struct call_index *index, const char *cmd, const char *const *paths,
		    size_t n_paths, const struct capture_source_options *options,
		    const struct correlator_config *config);
void call_index_free(struct call_index *index);
struct call_entry *call_index_find(const struct call_index *index, const char *call_id);

/* What a failure is counted under: in the chain of the failure that explains the most, the
 * first cause after the symptoms (BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE: the
 * chain; the idle close behind it is the trigger); the symptom when it has no cause, else the
 * first warning; NULL when nothing was diagnosed. */
const struct diagnosis *call_entry_cause(const struct call_entry *call);

/* "BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- IDLE_CLOSE_REVERSE" for that failure (or the first
 * warning) into OUT. */
void call_entry_chain(const struct call_entry *call, char *out, size_t out_len);

/* The user part of a SIP URI ("sip:+4930123@host" -> "+4930123") into OUT. */
void sip_uri_user(const char *uri, size_t len, char *out, size_t out_len);

#endif
