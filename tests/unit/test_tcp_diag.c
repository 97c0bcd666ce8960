/* The TCP sockets listed by the kernel's socket diagnostics, and the port filter the kernel runs
 * for the sweep (userspace/sources/tcp_diag.c). Loopback sockets of this test, no root needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
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
	ports.traced[port[0]] = 1; /* one port */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_port_filter),
	    cmocka_unit_test(test_remote_port_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
