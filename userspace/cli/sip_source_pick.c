#include <stdint.h>
#include <stdlib.h>

#include "sip_source_pick.h"

enum sip_source {
	SIP_SOURCE_NONE,
	SIP_SOURCE_LIBSSL,
	SIP_SOURCE_DECRYPTED,
};

static enum sip_source source_of(const struct event *ev)
{
	if (ev->kind != EV_SIP)
		return SIP_SOURCE_NONE;
	return ev->sip.libssl.given ? SIP_SOURCE_LIBSSL
	       : ev->sip.decrypted  ? SIP_SOURCE_DECRYPTED
				    : SIP_SOURCE_NONE;
}

bool sip_source_pick_keep(struct sip_source_pick *pick, const struct event *ev)
{
	enum sip_source source = source_of(ev);
	void *owner;

	if (source == SIP_SOURCE_NONE || !ev->conn)
		return true;
	owner = hash_map_get(&pick->owners, ev->conn);
	if (!owner) {
		hash_map_put(&pick->owners, ev->conn, (void *)(uintptr_t)source);
		return true;
	}
	if ((uintptr_t)owner == source)
		return true;
	pick->dropped++;
	return false;
}

static void forget(struct sip_source_pick *pick, uint64_t conn)
{
	void *owner = hash_map_get(&pick->owners, conn);

	if (owner)
		hash_map_remove(&pick->owners, conn, owner);
}

/* Room for one more ended connection; false when out of memory. */
static bool ended_room(struct sip_source_pick *pick)
{
	struct sip_source_pick_ended *grown;
	size_t cap = pick->ended_cap ? 2 * pick->ended_cap : 64;

	if (pick->ended_count < pick->ended_cap)
		return true;
	grown = malloc(cap * sizeof(*grown));
	if (!grown)
		return false;
	for (size_t i = 0; i < pick->ended_count; i++)
		grown[i] = pick->ended[(pick->ended_head + i) % pick->ended_cap];
	free(pick->ended);
	pick->ended = grown;
	pick->ended_head = 0;
	pick->ended_cap = cap;
	return true;
}

void sip_source_pick_end(struct sip_source_pick *pick, uint64_t conn, uint64_t ts_ns)
{
	while (pick->ended_count) {
		const struct sip_source_pick_ended *oldest = &pick->ended[pick->ended_head];

		if (oldest->ts_ns + SIP_SOURCE_PICK_LINGER_NS > ts_ns)
			break;
		forget(pick, oldest->conn);
		pick->ended_head = (pick->ended_head + 1) % pick->ended_cap;
		pick->ended_count--;
	}
	if (!hash_map_get(&pick->owners, conn))
		return;
	if (!ended_room(pick)) {
		forget(pick, conn);
		return;
	}
	pick->ended[(pick->ended_head + pick->ended_count++) % pick->ended_cap] =
	    (struct sip_source_pick_ended){conn, ts_ns};
}

void sip_source_pick_free(struct sip_source_pick *pick)
{
	hash_map_free(&pick->owners);
	free(pick->ended);
}
