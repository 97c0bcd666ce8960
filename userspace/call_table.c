/* Call table: tsearch tree by Call-ID, a list in activity order for ageing. */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_table.h"

static int call_cmp(const void *a, const void *b)
{
	return strcmp(((const struct call *)a)->call_id, ((const struct call *)b)->call_id);
}

void call_table_init(struct call_table *table, const struct call_table_config *config,
		     call_done_fn done, void *done_ctx)
{
	memset(table, 0, sizeof(*table));
	table->config = *config;
	table->done = done;
	table->done_ctx = done_ctx;
	TAILQ_INIT(&table->lru);
}

static void call_retire(struct call_table *table, struct call *call)
{
	tdelete(call, &table->root, call_cmp);
	TAILQ_REMOVE(&table->lru, call, lru);
	table->count--;
	if (table->done)
		table->done(call, table->done_ctx);
	for (unsigned i = 0; i < call->n_legs; i++)
		free(call->legs[i].txns);
	free(call->legs);
	free(call);
}

void call_table_flush(struct call_table *table)
{
	while (!TAILQ_EMPTY(&table->lru))
		call_retire(table, TAILQ_FIRST(&table->lru));
}

struct call *call_table_find(struct call_table *table, const char *call_id)
{
	struct call key;
	void *node;

	snprintf(key.call_id, sizeof(key.call_id), "%s", call_id);
	node = tfind(&key, &table->root, call_cmp);
	return node ? *(struct call **)node : NULL;
}

struct call *call_table_touch(struct call_table *table, const char *call_id, uint64_t ts_ns)
{
	struct call *call = call_table_find(table, call_id);

	if (call) {
		TAILQ_REMOVE(&table->lru, call, lru);
	} else {
		if (table->count >= table->config.max_calls && !TAILQ_EMPTY(&table->lru)) {
			call_retire(table, TAILQ_FIRST(&table->lru));
			table->evicted++;
		}
		call = calloc(1, sizeof(*call));
		if (!call)
			return NULL;
		snprintf(call->call_id, sizeof(call->call_id), "%s", call_id);
		if (!tsearch(call, &table->root, call_cmp)) {
			free(call);
			return NULL;
		}
		call->first_ts_ns = ts_ns;
		table->count++;
	}
	if (ts_ns > call->last_ts_ns)
		call->last_ts_ns = ts_ns;
	TAILQ_INSERT_TAIL(&table->lru, call, lru);
	return call;
}

void call_table_age(struct call_table *table, uint64_t now_ns)
{
	struct call *call, *next;

	for (call = TAILQ_FIRST(&table->lru); call; call = next) {
		next = TAILQ_NEXT(call, lru);
		if (call->last_ts_ns + table->config.linger_ns > now_ns)
			break; /* activity order: the rest is younger */
		if (call->ended || call->last_ts_ns + table->config.idle_ns <= now_ns)
			call_retire(table, call);
	}
}

struct leg *call_leg(struct call *call, const char *peer_addr, enum transport transport)
{
	struct leg *legs;

	for (unsigned i = 0; i < call->n_legs; i++)
		if (!strcmp(call->legs[i].peer_addr, peer_addr))
			return &call->legs[i];
	if (call->n_legs == CALL_MAX_LEGS)
		return NULL;
	legs = realloc(call->legs, (call->n_legs + 1) * sizeof(*legs));
	if (!legs)
		return NULL;
	call->legs = legs;
	memset(&legs[call->n_legs], 0, sizeof(*legs));
	snprintf(legs[call->n_legs].peer_addr, sizeof(legs->peer_addr), "%s", peer_addr);
	legs[call->n_legs].transport = transport;
	return &legs[call->n_legs++];
}
