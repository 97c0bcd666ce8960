/* The traced connections whose conn_end has not come yet, by socket cookie, with the last
 * record the kernel sent for each: what the sweep (live_tracer.c) needs to notice a socket
 * whose end the programs missed (docs/kernels.md), and to send that end itself.
 * Grows as needed. */
#ifndef SIPTRAIL_OPEN_CONNS_H
#define SIPTRAIL_OPEN_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock_events.h"
#include "tcp_diag.h"

struct open_conns;

/* Returns NULL when out of memory. */
struct open_conns *open_conns_new(void);
void open_conns_free(struct open_conns *set);

/* Learns from one record: an open or a close keeps the connection (its latest state), an end
 * forgets it. Returns 0, or -ENOMEM (the connection is then not swept). */
int open_conns_learn(struct open_conns *set, const struct sock_event *record);

/* Starts a sweep: every connection counts as gone until open_conns_present() names it. */
void open_conns_sweep_begin(struct open_conns *set);
/* Fills ids with the identities of up to MAX connections, from *POS on (0 to begin), for the
 * kernel's lookups; returns how many, 0 once all are listed. The set must not change between
 * calls. */
size_t open_conns_ids(const struct open_conns *set, size_t *pos, struct tcp_diag_sock *ids,
		      size_t max);
/* The kernel has socket SOCK (by its cookie); its ifindex is kept for the next lookups, since
 * a socket bound to a device is found only with it. */
void open_conns_present(struct open_conns *set, const struct tcp_diag_sock *sock);
/* Ends the sweep: how many connections were not present, in this sweep and, unless BOTH is
 * false, in the one before too (a socket can leave the kernel's tables a moment before its
 * end record is read). Their cookies go to gone, at most max of them (gone may be NULL when
 * max is 0). Only counts: it may be called again before the next open_conns_sweep_begin. */
size_t open_conns_sweep_end(struct open_conns *set, bool both, uint64_t *gone, size_t max);

/* Removes the connection COOKIE and copies its last record's state to conn; false when it
 * is not there any more (its end came). */
bool open_conns_take(struct open_conns *set, uint64_t cookie, struct sock_conn *conn);

#endif
