/*
 * Calls by Call-ID. A call has one leg per peer address it was seen with (a proxying SBC sees
 * the same Call-ID on its carrier and its PBX side, and each leg negotiates its own session
 * timer); each leg has its dialog state, the connection it last used, its transactions and
 * the connection attempts toward its peer that failed while the call needed one.
 * Bounded: a call is retired (handed to the done callback) a linger time after it ended,
 * after an idle time, or when the table is full (least recently active first).
 */
#ifndef SIPTRAIL_CALL_TABLE_H
#define SIPTRAIL_CALL_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "event.h"
#include "session_timer.h"
#include "sip_fields.h"

#define CALL_MAX_LEGS	 4
#define LEG_MAX_ATTEMPTS 4
#define LEG_MAX_TXNS	 32

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

/* The dialog's connection as it was when an in-dialog request needed it. */
struct conn_snapshot {
	uint64_t id;
	enum direction direction;
	bool ended;
	enum side closed_by;
	enum close_how how;
	uint64_t close_ts_ns, idle_ns;
};

struct txn {
	enum sip_method method;
	uint32_t cseq;
	char branch[SIP_BRANCH_LEN];
	enum direction dir; /* of the request: out = our side is the UAC */
	bool in_dialog, is_refresh, provisional;
	uint64_t request_ts_ns, final_ts_ns;
	uint64_t conn; /* of the request (its last transmission); 0 on UDP */
	unsigned retransmits;
	uint16_t status;
	enum txn_outcome outcome;
	enum conn_use conn_use;
	enum direction new_conn_direction;
	struct conn_snapshot prev;
	char reason[SIP_REASON_LEN];
	/* Session-Expires in the request, for the evidence */
	uint32_t request_se_s, request_min_se_s;
};

struct conn_attempt {
	uint64_t conn, ts_ns;
	uint64_t dialog_conn; /* the leg's connection when the attempt was made */
};

struct leg {
	char peer_addr[EV_ADDR_LEN];
	enum transport transport;
	enum dialog_state state;
	uint64_t conn, first_conn; /* 0 on UDP */
	enum direction first_conn_direction;
	struct session_timer timer;
	struct conn_attempt attempts[LEG_MAX_ATTEMPTS]; /* failed, while the call needed one */
	unsigned n_attempts;
	struct txn *txns;
	unsigned n_txns, cap_txns;
};

struct call {
	char call_id[SIP_CALL_ID_LEN];
	uint64_t first_ts_ns, last_ts_ns, confirmed_ts_ns, bye_ts_ns, end_ts_ns;
	bool confirmed, ended;
	enum side hung_up_by;
	char bye_reason[SIP_REASON_LEN];
	struct leg *legs;
	unsigned n_legs;
	TAILQ_ENTRY(call) lru;
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
	void *root;
	TAILQ_HEAD(, call) lru;
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

/* Retires the calls that ended longer than the linger time ago or idled out. */
void call_table_age(struct call_table *table, uint64_t now_ns);

/* The leg toward PEER_ADDR, created when absent (NULL: out of memory or too many legs). */
struct leg *call_leg(struct call *call, const char *peer_addr, enum transport transport);

#define call_table_foreach(table, c) TAILQ_FOREACH(c, &(table)->lru, lru)

#endif
