/*
 * Calls by Call-ID. A call has one leg per peer address it was seen with (a proxying SBC sees
 * the same Call-ID on its carrier and its PBX side, and each leg negotiates its own session
 * timer); each leg has its dialog state, the connection it last used, its transactions and
 * the connection attempts toward its peer that failed while the call needed one.
 * Bounded: a call is retired (handed to the done callback) a linger time after it ended (a
 * call without a dialog: once its last transaction is over, call_is_over), after an idle time,
 * or when the table is full (least recently active first).
 */
#ifndef SIPTRAIL_CALL_TABLE_H
#define SIPTRAIL_CALL_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "event.h"
#include "hash_map.h"
#include "session_timer.h"
#include "sip_fields.h"

#define CALL_MAX_LEGS	 4
#define LEG_MAX_ATTEMPTS 4
#define LEG_MAX_TXNS	 32
/* Connections a call keeps in the connection table until it is retired (the first ones: the
 * call set up, the dialog's, the failed attempts); more fall back to the linger time. */
#define CALL_MAX_HELD_CONNS 16

enum dialog_state {
	DIALOG_NONE,
	DIALOG_EARLY,	  /* 1xx with a To tag (RFC 3261 §12.1) */
	DIALOG_CONFIRMED, /* 2xx */
	DIALOG_TERMINATED,
};

enum txn_outcome {
	TXN_PENDING,
	TXN_ANSWERED, /* final response */
	TXN_TIMEOUT,  /* RFC 3261 §17.1: Timer B (INVITE) or F (non-INVITE) fired */
};

/* How an in-dialog request reached the peer, compared with the dialog's connection. */
enum conn_use {
	CONN_USE_NONE,	 /* not in a dialog yet, or UDP */
	CONN_USE_REUSED, /* the connection the dialog last used */
	CONN_USE_NEW,	 /* another connection (see prev and new direction) */
};

/*
 * One transaction (RFC 3261 §17). Kept while it runs and for 64*T1 after its end (to match
 * retransmissions and late responses); after that only failed BYEs and refreshes stay, as
 * evidence for the rules.
 */
struct txn {
	uint64_t branch_hash; /* of the top Via branch (only compared); 0: no branch */
	uint64_t request_ts_ns, final_ts_ns;
	uint64_t conn;	    /* of the request (its last transmission); 0 on UDP */
	uint64_t prev_conn; /* in-dialog: the dialog's connection when the request needed it */
	const char *reason; /* Reason header of a BYE (heap_text), "" when none */
	uint32_t cseq;
	enum sip_method method;
	enum direction dir; /* of the request: out = our side is the UAC */
	enum txn_outcome outcome;
	enum conn_use conn_use;
	enum direction new_conn_direction; /* who opened the new connection (CONN_USE_NEW) */
	uint16_t status;
	uint16_t retransmits;
	bool in_dialog, is_refresh, provisional;
	bool prev_ended;  /* the dialog's connection had ended when the request needed it */
	bool prev_closed; /* ... or one side had closed it (conn_close), the end still to come */
};

struct conn_attempt {
	uint64_t conn, ts_ns;
	uint64_t dialog_conn; /* the leg's connection when the attempt was made */
	bool waited;	      /* 64*T1 passed since: what the peer sent on it has timed out */
};

struct leg {
	struct ip_addr peer_addr;
	uint64_t conn, first_conn; /* 0 on UDP */
	struct txn *txns;
	struct conn_attempt *attempts; /* failed, while the call needed one; NULL when none */
	struct session_timer timer;
	/* When dialog_advance next has work with the transactions: the earliest time a kept
	 * transaction's 64*T1 runs from (its request while it waits for a final response, its end
	 * while it is kept for retransmissions); 0: not known since a change, UINT64_MAX: none.
	 * Every message advances its call first, and walking a leg's transactions each time was
	 * 2,200 instructions a message on a call with 32 of them (dialog.c keeps it exact). */
	uint64_t txns_watch_ns;
	enum transport transport;
	enum dialog_state state;
	enum direction first_conn_direction;
	uint16_t conns_used; /* connections the leg's messages travelled on, in turn */
	uint8_t n_attempts, n_txns, cap_txns;
};

/* The due heap's entry: the time is kept beside the call, so sifting compares the heap's own
 * memory instead of reading every call on the way (2-3 % of explain's samples). */
struct call_due {
	uint64_t due_ns; /* when the sweep advances the call next (call_table_set_due) */
	struct call *call;
};

/* One call; the Call-ID is stored at its own length after the struct. */
struct call {
	TAILQ_ENTRY(call) lru;
	uint64_t first_ts_ns, last_ts_ns, confirmed_ts_ns, bye_ts_ns, end_ts_ns;
	unsigned due_idx; /* its place in the table's due heap */
	bool woken;
	TAILQ_ENTRY(call) woken_link;
	struct leg *legs;
	const char *bye_reason; /* heap_text, "" when none */
	uint64_t *held_conns;	/* connection ids the call holds (conn_table_hold) */
	bool confirmed, ended;
	/* A dialog was formed (a 1xx with a To tag, a 2xx to INVITE or UPDATE), or may exist
	 * unseen (an in-dialog request, a response whose request was not seen): the call is then
	 * over only when it ends. Without one (OPTIONS, REGISTER, MESSAGE, a refused SUBSCRIBE,
	 * a challenged INVITE not retried) it is over when no transaction is kept any more. A
	 * dialog of subscriptions only (SUBSCRIBE, or REFER outside an INVITE's dialog) is over
	 * the same way once a NOTIFY ends its subscription (RFC 6665 §4.4.1). */
	bool has_dialog;
	bool invite_seen;   /* an INVITE or its response: the call's dialog is a session's */
	bool story_changed; /* something a rule reads changed; cleared by the correlator */
	enum side hung_up_by;
	uint8_t n_legs, n_held_conns;
	uint8_t bye_leg;	 /* the leg the first BYE was seen on */
	uint32_t diags_reported; /* bit per enum diag_id, for the live reporter (diag_stream.h) */
	char call_id[];
};

typedef void (*call_done_fn)(struct call *call, void *ctx);

struct call_table_config {
	unsigned max_calls;
	uint64_t linger_ns; /* kept after the end, for late responses and retransmissions */
	uint64_t idle_ns;   /* retired when nothing happened for this long */
};

struct call_table {
	struct call_table_config config;
	call_done_fn done;
	void *done_ctx;
	struct hash_map by_call_id; /* key: hash_bytes of the Call-ID */
	TAILQ_HEAD(, call) lru;
	/* For the correlator's sweep: every call in a min-heap by due_ns, and the calls woken
	 * since the last sweep (a sweep of every call took 13-19 % of explain's time on a
	 * capture of short calls: thousands lingering, one sweep per second of capture). */
	struct call_due *due;
	unsigned cap_due;
	TAILQ_HEAD(, call) woken;
	unsigned count;
	unsigned long evicted;
};

void call_table_init(struct call_table *table, const struct call_table_config *config,
		     call_done_fn done, void *done_ctx);

/* Retires every call (hands it to the done callback) and frees the table. */
void call_table_flush(struct call_table *table);

struct call *call_table_find(struct call_table *table, const char *call_id);

/* Finds or creates the call, marking it active at TS. NULL: out of memory. */
struct call *call_table_touch(struct call_table *table, const char *call_id, uint64_t ts_ns);

/* Ended, or with no dialog and no transaction kept (dialog.c keeps each one 64*T1 after its
 * final response or time-out, for retransmissions and late responses). */
bool call_is_over(const struct call *call);

/* Retires the calls that are over (call_is_over) and quiet for the linger time, or idled out. */
void call_table_age(struct call_table *table, uint64_t now_ns);

/* CALL changed: the next call_table_next_due hands it out, whatever its due time. */
void call_table_wake(struct call_table *table, struct call *call);

/* A woken call, else the call due first if due at NOW_NS, else NULL. The caller then sets
 * the call's next due time (later than NOW_NS). */
struct call *call_table_next_due(struct call_table *table, uint64_t now_ns);
void call_table_set_due(struct call_table *table, struct call *call, uint64_t due_ns);

/* Adds connection ID to the ones CALL holds. Returns true when it was not held yet and there
 * was room (the caller then holds the connection), false otherwise (also out of memory: the
 * connection is then kept only for the linger time). */
bool call_hold_conn(struct call *call, uint64_t id);

/* The leg toward PEER_ADDR, created when absent (NULL: out of memory or too many legs). */
struct leg *call_leg(struct call *call, const struct ip_addr *peer_addr, enum transport transport);

#define call_table_foreach(table, c) TAILQ_FOREACH(c, &(table)->lru, lru)

#endif
