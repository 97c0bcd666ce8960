/* The TCP sockets that exist in this process's network namespace, by socket cookie, from the
 * kernel's socket diagnostics (NETLINK_SOCK_DIAG, inet_diag): the sweep that notices a traced
 * connection whose socket is gone without its end (open_conns.h). */
#ifndef SIPTRAIL_TCP_DIAG_H
#define SIPTRAIL_TCP_DIAG_H

#include <stdint.h>

#include "port_set.h"

struct tcp_diag_sock {
	uint64_t cookie;
	uint16_t lport, rport; /* host order; rport 0: a listener */
};

/* Called once per socket; returns 0 to go on. */
typedef int (*tcp_diag_fn)(void *ctx, const struct tcp_diag_sock *sock);

/* Calls fn with the cookie of every IPv4 and IPv6 TCP socket of this network namespace but the
 * TIME-WAIT ones (a TIME-WAIT socket keeps the cookie of the socket the kernel destroyed when
 * it was made) whose local or remote port is in PORTS (NULL: any port; the kernel filters).
 * Returns 0, fn's first non-zero return, or a negative errno. */
int tcp_diag_sockets(const struct port_set *ports, tcp_diag_fn fn, void *ctx);

#endif
