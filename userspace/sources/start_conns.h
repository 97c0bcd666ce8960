/* The TCP connections on traced ports that were open when siptrail started: their TLS
 * handshakes ran before the probes, so their secrets are unknown and the wire path cannot
 * decrypt them. The libssl probe reads their plaintext per message until the last of them
 * has ended (ssl_probe_data_probes_attach), found gone by exact lookups in the kernel's
 * socket tables. */
#ifndef SIPTRAIL_START_CONNS_H
#define SIPTRAIL_START_CONNS_H

#include <stddef.h>
#include <stdint.h>

#include "port_set.h"
#include "tcp_diag.h"

struct start_conns {
	struct tcp_diag_sock *socks;
	size_t count;
};

/* Lists the connections (not listeners) of this network namespace with a traced local or
 * remote port (one walk of the kernel's socket table). Returns 0 or a negative errno. */
int start_conns_collect(struct start_conns *set, const struct port_set *ports);

/* Forgets those the kernel no longer has (a lookup each, no walk). Returns how many are left,
 * or a negative errno. */
int start_conns_refresh(struct start_conns *set);

void start_conns_free(struct start_conns *set);

#endif
