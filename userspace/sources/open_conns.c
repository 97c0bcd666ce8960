#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "open_conns.h"

#define INITIAL_SLOTS 1024 /* a power of two */

enum slot_state { SLOT_FREE, SLOT_USED, SLOT_REMOVED };

struct slot {
	uint8_t state;	 /* enum slot_state */
	bool present;	 /* seen in the current sweep */
	bool was_absent; /* not seen in the sweep before */
	struct sock_conn conn;
};

struct open_conns {
	struct slot *slots;
	size_t n_slots; /* a power of two */
	size_t used;	/* SLOT_USED and SLOT_REMOVED: what lengthens the probes */
};

static size_t slot_hash(uint64_t cookie, size_t n_slots)
{
	return (size_t)(cookie * 0x9E3779B97F4A7C15ULL >> 17) & (n_slots - 1);
}

struct open_conns *open_conns_new(void)
{
	struct open_conns *set = calloc(1, sizeof(*set));

	if (!set)
		return NULL;
	set->slots = calloc(INITIAL_SLOTS, sizeof(*set->slots));
	if (!set->slots) {
		free(set);
		return NULL;
	}
	set->n_slots = INITIAL_SLOTS;
	return set;
}

void open_conns_free(struct open_conns *set)
{
	if (!set)
		return;
	free(set->slots);
	free(set);
}

/* The slot holding COOKIE, or NULL. */
static struct slot *slot_find(const struct open_conns *set, uint64_t cookie)
{
	for (size_t i = slot_hash(cookie, set->n_slots), n = 0; n < set->n_slots;
	     i = (i + 1) & (set->n_slots - 1), n++) {
		struct slot *slot = &set->slots[i];

		if (slot->state == SLOT_FREE)
			return NULL;
		if (slot->state == SLOT_USED && slot->conn.cookie == cookie)
			return slot;
	}
	return NULL;
}

/* A free slot for a new cookie (the set has room: see set_make_room). */
static struct slot *slot_free(struct open_conns *set, uint64_t cookie)
{
	size_t i = slot_hash(cookie, set->n_slots);

	while (set->slots[i].state != SLOT_FREE)
		i = (i + 1) & (set->n_slots - 1);
	return &set->slots[i];
}

/* Keeps the table at most half full, counting removed slots: rebuilt, twice as big when
 * more than a quarter of it is live. */
static int set_make_room(struct open_conns *set)
{
	struct slot *old = set->slots;
	size_t old_n = set->n_slots, live = 0, n_slots;

	if ((set->used + 1) * 2 <= set->n_slots)
		return 0;
	for (size_t i = 0; i < old_n; i++)
		live += old[i].state == SLOT_USED;
	n_slots = live * 4 > old_n ? old_n * 2 : old_n;
	set->slots = calloc(n_slots, sizeof(*set->slots));
	if (!set->slots) {
		set->slots = old;
		return -ENOMEM;
	}
	set->n_slots = n_slots;
	set->used = 0;
	for (size_t i = 0; i < old_n; i++) {
		if (old[i].state != SLOT_USED)
			continue;
		*slot_free(set, old[i].conn.cookie) = old[i];
		set->used++;
	}
	free(old);
	return 0;
}

int open_conns_learn(struct open_conns *set, const struct sock_event *record)
{
	struct slot *slot = slot_find(set, record->conn.cookie);
	int err;

	if (record->type != SOCK_EV_OPEN && record->type != SOCK_EV_CLOSE) {
		if (slot)
			slot->state = SLOT_REMOVED;
		return 0;
	}
	if (!slot) {
		if ((err = set_make_room(set)))
			return err;
		slot = slot_free(set, record->conn.cookie);
		/* new since the last sweep: present until a sweep says otherwise */
		*slot = (struct slot){.state = SLOT_USED, .present = true};
		set->used++;
	}
	slot->conn = record->conn;
	/* the kernel marks what it sent only after copying the record */
	slot->conn.flags |= SOCK_F_OPEN_REPORTED;
	if (record->type == SOCK_EV_CLOSE)
		slot->conn.flags |= SOCK_F_CLOSE_REPORTED;
	return 0;
}

void open_conns_sweep_begin(struct open_conns *set)
{
	for (size_t i = 0; i < set->n_slots; i++) {
		set->slots[i].was_absent = !set->slots[i].present;
		set->slots[i].present = false;
	}
}

void open_conns_present(struct open_conns *set, uint64_t cookie)
{
	struct slot *slot = slot_find(set, cookie);

	if (slot)
		slot->present = true;
}

size_t open_conns_sweep_end(struct open_conns *set, bool both, uint64_t *gone, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n_slots; i++) {
		const struct slot *slot = &set->slots[i];

		if (slot->state != SLOT_USED || slot->present || (both && !slot->was_absent))
			continue;
		if (n < max)
			gone[n] = slot->conn.cookie;
		n++;
	}
	return n;
}

bool open_conns_take(struct open_conns *set, uint64_t cookie, struct sock_conn *conn)
{
	struct slot *slot = slot_find(set, cookie);

	if (!slot)
		return false;
	*conn = slot->conn;
	slot->state = SLOT_REMOVED;
	return true;
}
