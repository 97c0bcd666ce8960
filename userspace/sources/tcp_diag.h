/* The TCP sockets that exist in this process's network namespace, by socket cookie, from the
 * kernel's socket diagnostics (NETLINK_SOCK_DIAG, inet_diag): the sweep that notices a traced
 * connection whose socket is gone without its end (open_conns.h), and the connections older
 * than the start (start_conns.h). Timewait sockets count as gone: one keeps the cookie of the
 * socket the kernel destroyed when it made it. */
#ifndef SIPTRAIL_TCP_DIAG_H
#define SIPTRAIL_TCP_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port_set.h"

/* A socket's full identity, as an exact lookup needs it. */
struct tcp_diag_sock {
	uint64_t cookie;
	uint32_t ifindex;	      /* the device it is bound to; 0: none */
	uint16_t family;	      /* AF_INET or AF_INET6 */
	uint16_t lport, rport;	      /* host order; rport 0: a listener */
	uint8_t laddr[16], raddr[16]; /* network order; IPv4 in the first 4 bytes */
};

/* Called once per socket; returns 0 to go on. */
typedef int (*tcp_diag_fn)(void *ctx, const struct tcp_diag_sock *sock);

/* Calls fn with every IPv4 and IPv6 TCP socket of this network namespace but the timewait
 * ones whose local or remote port is in PORTS (NULL: any port; the kernel filters). The
 * kernel walks its whole socket table for it, however few sockets it sends. Returns 0, fn's
 * first non-zero return, or a negative errno. */
int tcp_diag_sockets(const struct port_set *ports, tcp_diag_fn fn, void *ctx);

/* Looks each of SOCKS[0..n) up by its identity and cookie in the kernel's hash tables (no
 * walk): present[i] says whether the kernel still has it. A socket bound to a device is found
 * only with its ifindex, and a kernel without socket diagnostics finds none, so only "present"
 * is sure. Returns 0 or a negative errno. */
int tcp_diag_lookup(const struct tcp_diag_sock *socks, size_t n, bool *present);

#endif
