/* Call table: a hash map by Call-ID, a list in activity order for ageing. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_table.h"
#include "heap_text.h"

/* A call's Call-ID is kept to SIP_CALL_ID_LEN - 1 bytes: lookups hash the same bytes. */
static size_t call_id_len(const char *call_id)
{
	return strnlen(call_id, SIP_CALL_ID_LEN - 1);
}

static uint64_t call_id_key(const char *call_id, size_t len)
{
	return hash_bytes(call_id, len);
}

void call_table_init(struct call_table *table, const struct call_table_config *config,
		     call_done_fn done, void *done_ctx)
{
	memset(table, 0, sizeof(*table));
	table->config = *config;
	table->done = done;
	table->done_ctx = done_ctx;
	TAILQ_INIT(&table->lru);
	TAILQ_INIT(&table->woken);
}

static void due_place(struct call_table *table, unsigned i, struct call_due entry)
{
	table->due[i] = entry;
	entry.call->due_idx = i;
}

static void due_up(struct call_table *table, unsigned i)
{
	struct call_due entry = table->due[i];

	while (i) {
		unsigned parent = (i - 1) / 2;
		if (table->due[parent].due_ns <= entry.due_ns)
			break;
		due_place(table, i, table->due[parent]);
		i = parent;
	}
	due_place(table, i, entry);
}

static void due_down(struct call_table *table, unsigned i)
{
	struct call_due entry = table->due[i];

	for (;;) {
		unsigned child = 2 * i + 1;
		if (child >= table->count)
			break;
		if (child + 1 < table->count &&
		    table->due[child + 1].due_ns < table->due[child].due_ns)
			child++;
		if (table->due[child].due_ns >= entry.due_ns)
			break;
		due_place(table, i, table->due[child]);
		i = child;
	}
	due_place(table, i, entry);
}

/* Adds CALL (due never) at the end of the heap; the table's count includes it already. */
static int due_add(struct call_table *table, struct call *call)
{
	if (table->count > table->cap_due) {
		unsigned cap = table->cap_due ? 2 * table->cap_due : 64;
		struct call_due *grown = realloc(table->due, cap * sizeof(*grown));
		if (!grown)
			return -1;
		table->due = grown;
		table->cap_due = cap;
	}
	due_place(table, table->count - 1, (struct call_due){UINT64_MAX, call});
	return 0;
}

/* Takes CALL out of the heap; the table's count does not include it any more. */
static void due_remove(struct call_table *table, struct call *call)
{
	struct call_due last = table->due[table->count];
	unsigned i = call->due_idx;

	if (last.call == call)
		return;
	due_place(table, i, last);
	due_up(table, i);
	due_down(table, last.call->due_idx);
}

void call_table_set_due(struct call_table *table, struct call *call, uint64_t due_ns)
{
	table->due[call->due_idx].due_ns = due_ns;
	due_up(table, call->due_idx);
	due_down(table, call->due_idx);
}

void call_table_wake(struct call_table *table, struct call *call)
{
	if (call->woken)
		return;
	call->woken = true;
	TAILQ_INSERT_TAIL(&table->woken, call, woken_link);
}

struct call *call_table_next_due(struct call_table *table, uint64_t now_ns)
{
	struct call *call = TAILQ_FIRST(&table->woken);

	if (call) {
		TAILQ_REMOVE(&table->woken, call, woken_link);
		call->woken = false;
		return call;
	}
	if (table->count && table->due[0].due_ns <= now_ns)
		return table->due[0].call;
	return NULL;
}

static void leg_free(struct leg *leg)
{
	for (unsigned i = 0; i < leg->n_txns; i++)
		heap_text_free(&leg->txns[i].reason);
	free(leg->txns);
	free(leg->attempts);
}

static void call_retire(struct call_table *table, struct call *call)
{
	hash_map_remove(&table->by_call_id, call_id_key(call->call_id, call_id_len(call->call_id)),
			call);
	TAILQ_REMOVE(&table->lru, call, lru);
	if (call->woken)
		TAILQ_REMOVE(&table->woken, call, woken_link);
	table->count--;
	due_remove(table, call);
	if (table->done)
		table->done(call, table->done_ctx);
	for (unsigned i = 0; i < call->n_legs; i++)
		leg_free(&call->legs[i]);
	free(call->legs);
	free(call->held_conns);
	heap_text_free(&call->bye_reason);
	free(call);
}

void call_table_flush(struct call_table *table)
{
	while (!TAILQ_EMPTY(&table->lru))
		call_retire(table, TAILQ_FIRST(&table->lru));
	free(table->due);
	table->due = NULL;
	table->cap_due = 0;
	hash_map_free(&table->by_call_id);
}

static struct call *find_by_key(struct call_table *table, const char *call_id, size_t len,
				uint64_t key)
{
	struct call *call;
	size_t pos = 0;

	while ((call = hash_map_find(&table->by_call_id, key, &pos)))
		if (!strncmp(call->call_id, call_id, len) && !call->call_id[len])
			return call;
	return NULL;
}

struct call *call_table_find(struct call_table *table, const char *call_id)
{
	size_t len = call_id_len(call_id);

	return find_by_key(table, call_id, len, call_id_key(call_id, len));
}

struct call *call_table_touch(struct call_table *table, const char *call_id, uint64_t ts_ns)
{
	size_t len = call_id_len(call_id);
	uint64_t key = call_id_key(call_id, len);
	struct call *call = find_by_key(table, call_id, len, key);

	if (call) {
		TAILQ_REMOVE(&table->lru, call, lru);
	} else {
		if (table->count >= table->config.max_calls && !TAILQ_EMPTY(&table->lru)) {
			call_retire(table, TAILQ_FIRST(&table->lru));
			table->evicted++;
		}
		call = calloc(1, sizeof(*call) + len + 1);
		if (!call)
			return NULL;
		memcpy(call->call_id, call_id, len);
		call->bye_reason = heap_text_empty;
		if (hash_map_put(&table->by_call_id, key, call)) {
			free(call);
			return NULL;
		}
		call->first_ts_ns = ts_ns;
		table->count++;
		if (due_add(table, call)) {
			table->count--;
			hash_map_remove(&table->by_call_id, key, call);
			free(call);
			return NULL;
		}
	}
	if (ts_ns > call->last_ts_ns)
		call->last_ts_ns = ts_ns;
	TAILQ_INSERT_TAIL(&table->lru, call, lru);
	return call;
}

bool call_is_over(const struct call *call)
{
	if (call->ended)
		return true;
	if (call->has_dialog)
		return false;
	for (unsigned i = 0; i < call->n_legs; i++)
		if (call->legs[i].n_txns)
			return false;
	return true;
}

void call_table_age(struct call_table *table, uint64_t now_ns)
{
	struct call *call, *next;

	for (call = TAILQ_FIRST(&table->lru); call; call = next) {
		next = TAILQ_NEXT(call, lru);
		if (call->last_ts_ns + table->config.linger_ns > now_ns)
			break; /* activity order: the rest is younger */
		if (call_is_over(call) || call->last_ts_ns + table->config.idle_ns <= now_ns)
			call_retire(table, call);
	}
}

struct leg *call_leg(struct call *call, const struct ip_addr *peer_addr, enum transport transport)
{
	struct leg *legs;

	for (unsigned i = 0; i < call->n_legs; i++)
		if (ip_addr_equal(&call->legs[i].peer_addr, peer_addr))
			return &call->legs[i];
	if (call->n_legs == CALL_MAX_LEGS)
		return NULL;
	legs = realloc(call->legs, (call->n_legs + 1) * sizeof(*legs));
	if (!legs)
		return NULL;
	call->legs = legs;
	memset(&legs[call->n_legs], 0, sizeof(*legs));
	legs[call->n_legs].peer_addr = *peer_addr;
	legs[call->n_legs].transport = transport;
	return &legs[call->n_legs++];
}

bool call_hold_conn(struct call *call, uint64_t id)
{
	uint64_t *held;

	/* newest first: a call's messages mostly come on the connection of the one before */
	for (unsigned i = call->n_held_conns; i-- > 0;)
		if (call->held_conns[i] == id)
			return false;
	if (call->n_held_conns == CALL_MAX_HELD_CONNS)
		return false;
	held = realloc(call->held_conns, (call->n_held_conns + 1) * sizeof(*held));
	if (!held)
		return false;
	call->held_conns = held;
	held[call->n_held_conns++] = id;
	return true;
}
