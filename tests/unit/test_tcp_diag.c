/* The TCP sockets listed by the kernel's socket diagnostics, the port filter the kernel runs for
 * the sweep, and the exact lookups (userspace/sources/tcp_diag.c). Loopback sockets of this
 * test, no root needed (one case wants CAP_NET_RAW and is skipped without it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcp_diag.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

struct listed {
	uint64_t want[4];
	bool seen[4];
};

static int on_socket(void *ctx, const struct tcp_diag_sock *sock)
{
	struct listed *listed = ctx;

	for (size_t i = 0; i < 4; i++)
		if (listed->want[i] == sock->cookie)
			listed->seen[i] = true;
	return 0;
}

/* A listener on an ephemeral loopback port of FAMILY; its port in *port. */
static int listener_open(int family, uint16_t *port)
{
	struct sockaddr_storage ss = {.ss_family = family};
	socklen_t len =
	    family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(family, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static uint64_t cookie_of(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len), 0);
	return cookie;
}

/* Listeners on four ports (IPv4 and IPv6); the filter keeps the traced ones, by single port and
 * by range, and NULL keeps all. */
static void test_port_filter(void **state)
{
	static struct port_set ports;
	const int families[4] = {AF_INET, AF_INET6, AF_INET, AF_INET6};
	struct listed listed = {0};
	uint16_t port[4];
	int fd[4];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		fd[i] = listener_open(families[i], &port[i]);
		listed.want[i] = cookie_of(fd[i]);
	}
	assert_int_equal(tcp_diag_sockets(NULL, on_socket, &listed), 0);
	for (size_t i = 0; i < 4; i++)
		assert_true(listed.seen[i]);

	memset(&ports, 0, sizeof(ports));
	ports.traced[port[0]] = ports.traced[port[1]] = 1; /* one port */
	for (uint32_t p = port[1] > 2 ? port[1] - 2 : 1; p <= port[1]; p++)
		ports.traced[p] = 1; /* a range ending at the IPv6 listener's port */
	ports.traced[port[2] == 1 ? 2 : port[2] - 1] = 1;
	ports.traced[port[3] == 65535 ? 65534 : port[3] + 1] = 1;
	memset(listed.seen, 0, sizeof(listed.seen));
	assert_int_equal(tcp_diag_sockets(&ports, on_socket, &listed), 0);
	assert_true(listed.seen[0]);
	assert_true(listed.seen[1]);
	/* their neighbours' ports are traced, not theirs (unless two listeners are neighbours) */
	assert_int_equal(listed.seen[2], ports.traced[port[2]]);
	assert_int_equal(listed.seen[3], ports.traced[port[3]]);
	for (size_t i = 0; i < 4; i++)
		close(fd[i]);
}

/* A connection is kept by its remote port too: the client socket of a traced server port. */
static void test_remote_port_kept(void **state)
{
	static struct port_set ports;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct listed listed = {0};
	uint16_t port;
	int listener = listener_open(AF_INET, &port), client = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	to.sin_port = htons(port);
	assert_int_equal(connect(client, (struct sockaddr *)&to, sizeof(to)), 0);
	listed.want[0] = cookie_of(client);
	memset(&ports, 0, sizeof(ports));
	ports.traced[port] = 1;
	assert_int_equal(tcp_diag_sockets(&ports, on_socket, &listed), 0);
	assert_true(listed.seen[0]);
	close(client);
	close(listener);
}

/* The identity of connected socket FD, as the lookups take it. */
static struct tcp_diag_sock identity_of(int fd)
{
	struct sockaddr_storage local, remote;
	socklen_t len = sizeof(local);
	struct tcp_diag_sock sock = {.cookie = cookie_of(fd)};

	assert_int_equal(getsockname(fd, (struct sockaddr *)&local, &len), 0);
	len = sizeof(remote);
	assert_int_equal(getpeername(fd, (struct sockaddr *)&remote, &len), 0);
	sock.family = local.ss_family;
	if (sock.family == AF_INET) {
		const struct sockaddr_in *l = (void *)&local, *r = (void *)&remote;

		sock.lport = ntohs(l->sin_port);
		sock.rport = ntohs(r->sin_port);
		memcpy(sock.laddr, &l->sin_addr, 4);
		memcpy(sock.raddr, &r->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *l = (void *)&local, *r = (void *)&remote;

		sock.lport = ntohs(l->sin6_port);
		sock.rport = ntohs(r->sin6_port);
		memcpy(sock.laddr, &l->sin6_addr, 16);
		memcpy(sock.raddr, &r->sin6_addr, 16);
	}
	return sock;
}

/* A connection of FAMILY to the listener on PORT: client and accepted server socket. */
static void connection_open(int family, int listener, uint16_t port, int *client, int *server)
{
	struct sockaddr_storage to = {.ss_family = family};
	socklen_t len;

	if (family == AF_INET) {
		((struct sockaddr_in *)&to)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		((struct sockaddr_in *)&to)->sin_port = htons(port);
		len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&to)->sin6_addr = in6addr_loopback;
		((struct sockaddr_in6 *)&to)->sin6_port = htons(port);
		len = sizeof(struct sockaddr_in6);
	}
	*client = socket(family, SOCK_STREAM, 0);
	assert_true(*client >= 0);
	assert_int_equal(connect(*client, (struct sockaddr *)&to, len), 0);
	*server = accept(listener, NULL, NULL);
	assert_true(*server >= 0);
}

#define PAIRS 40 /* 80 sockets: more than one batch of lookups */

/* Every socket of 40 connections is found by its identity, none with another cookie; closed
 * ones are not, the client's timewait socket included, and the listing leaves them out too. */
static void test_lookup(void **state)
{
	static struct tcp_diag_sock socks[2 * PAIRS];
	static bool present[2 * PAIRS];
	static struct port_set ports;
	int fds[2 * PAIRS], listener[2];
	uint16_t port[2];
	struct listed listed = {0};

	(void)state;
	listener[0] = listener_open(AF_INET, &port[0]);
	listener[1] = listener_open(AF_INET6, &port[1]);
	for (size_t i = 0; i < PAIRS; i++) {
		connection_open(i % 2 ? AF_INET6 : AF_INET, listener[i % 2], port[i % 2],
				&fds[2 * i], &fds[2 * i + 1]);
		socks[2 * i] = identity_of(fds[2 * i]);
		socks[2 * i + 1] = identity_of(fds[2 * i + 1]);
	}
	assert_int_equal(tcp_diag_lookup(socks, 2 * PAIRS, present), 0);
	for (size_t i = 0; i < 2 * PAIRS; i++)
		assert_true(present[i]);

	socks[3].cookie++; /* the right address, another socket */
	assert_int_equal(tcp_diag_lookup(socks, 2 * PAIRS, present), 0);
	assert_false(present[3]);
	assert_true(present[2]);
	socks[3].cookie--;

	/* The first pair ends, the client closing first: it is left in TIME-WAIT. In the third
	 * only the client closes: its FIN acknowledged, it is a timewait socket in FIN-WAIT-2,
	 * which the state filter of a listing does not leave out. */
	close(fds[0]);
	close(fds[1]);
	close(fds[4]);
	for (int tries = 0; tries < 100; tries++) {
		assert_int_equal(tcp_diag_lookup(socks, 6, present), 0);
		if (!present[0] && !present[1] && !present[4])
			break;
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	assert_false(present[0]);
	assert_false(present[1]);
	assert_true(present[2]);
	assert_true(present[3]);
	assert_false(present[4]);
	assert_true(present[5]); /* in CLOSE-WAIT */
	listed.want[0] = socks[0].cookie;
	listed.want[1] = socks[1].cookie;
	listed.want[2] = socks[2].cookie;
	listed.want[3] = socks[4].cookie;
	ports.traced[port[0]] = ports.traced[port[1]] = 1;
	assert_int_equal(tcp_diag_sockets(&ports, on_socket, &listed), 0);
	assert_false(listed.seen[0]);
	assert_false(listed.seen[1]);
	assert_true(listed.seen[2]);
	assert_false(listed.seen[3]);

	for (size_t i = 2; i < 2 * PAIRS; i++)
		if (i != 4)
			close(fds[i]);
	close(listener[0]);
	close(listener[1]);
}

static int note_ifindex(void *ctx, const struct tcp_diag_sock *sock)
{
	struct tcp_diag_sock *want = ctx;

	if (sock->cookie == want->cookie)
		want->ifindex = sock->ifindex;
	return 0;
}

/* A socket bound to a device is found by lookup only with the ifindex the listing gives. */
static void test_lookup_bound_to_device(void **state)
{
	static struct port_set ports;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct tcp_diag_sock sock;
	uint16_t port;
	int listener = listener_open(AF_INET, &port), client = socket(AF_INET, SOCK_STREAM, 0);
	int server;
	bool present;

	(void)state;
	if (setsockopt(client, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3)) {
		close(client);
		close(listener);
		skip(); /* needs CAP_NET_RAW */
	}
	to.sin_port = htons(port);
	assert_int_equal(connect(client, (struct sockaddr *)&to, sizeof(to)), 0);
	server = accept(listener, NULL, NULL);
	assert_true(server >= 0);
	sock = identity_of(client);
	assert_int_equal(tcp_diag_lookup(&sock, 1, &present), 0);
	assert_false(present);
	ports.traced[port] = 1;
	assert_int_equal(tcp_diag_sockets(&ports, note_ifindex, &sock), 0);
	assert_int_equal(sock.ifindex, if_nametoindex("lo"));
	assert_int_equal(tcp_diag_lookup(&sock, 1, &present), 0);
	assert_true(present);
	close(client);
	close(server);
	close(listener);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_port_filter),
	    cmocka_unit_test(test_remote_port_kept),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_lookup_bound_to_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
