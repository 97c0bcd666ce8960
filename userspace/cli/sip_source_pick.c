#include <stdint.h>

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

void sip_source_pick_end(struct sip_source_pick *pick, uint64_t conn)
{
	void *owner = hash_map_get(&pick->owners, conn);

	if (owner)
		hash_map_remove(&pick->owners, conn, owner);
}

void sip_source_pick_free(struct sip_source_pick *pick)
{
	hash_map_free(&pick->owners);
}
