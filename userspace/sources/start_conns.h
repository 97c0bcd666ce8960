/* The TCP connections on traced ports that were open when siptrail started: their TLS
 * handshakes ran before the probes, so their secrets are unknown and the wire path cannot
 * decrypt them. The libssl probe reads their plaintext per message until the last of them
 * has ended (ssl_probe_data_probes_attach), found gone by the kernel's socket list. */
#ifndef SIPTRAIL_START_CONNS_H
#define SIPTRAIL_START_CONNS_H

#include <stddef.h>
#include <stdint.h>

#include "port_set.h"

struct start_conns {
	uint64_t *cookies; /* sorted */
	size_t count;
	const struct port_set *ports; /* as collected; must outlive the set */
};

/* Lists the connections (not listeners) of this network namespace with a traced local or
 * remote port. Returns 0 or a negative errno. */
int start_conns_collect(struct start_conns *set, const struct port_set *ports);

/* Forgets those the kernel no longer has. Returns how many are left, or a negative errno. */
int start_conns_refresh(struct start_conns *set);

void start_conns_free(struct start_conns *set);

#endif
