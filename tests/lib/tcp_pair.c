#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tcp_pair.h"

static socklen_t sockaddr_of(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		return sizeof(*in4);
	}
	assert_int_equal(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	return sizeof(*in6);
}

int tcp_listen(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(addr, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	if (bind(fd, (struct sockaddr *)&ss, len))
		fail_msg("bind %s port %u: %s", addr, port, strerror(errno));
	assert_int_equal(listen(fd, 128), 0);
	return fd;
}

int tcp_connect(const char *addr, uint16_t port)
{
	return tcp_connect_timeout(addr, port, 0);
}

int tcp_connect_timeout(const char *addr, uint16_t port, int timeout_ms)
{
	struct timeval timeout = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000};
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(addr, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int err;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)), 0);
	if (connect(fd, (struct sockaddr *)&ss, len) == 0)
		return fd;
	err = -errno;
	close(fd);
	return err;
}

int tcp_accept(int listener)
{
	int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		fail_msg("accept: %s", strerror(errno));
	return fd;
}

static void read_exactly(int fd, size_t len)
{
	char buf[256];

	assert_true(len <= sizeof(buf));
	while (len) {
		ssize_t got = read(fd, buf, len);

		if (got <= 0)
			fail_msg("read: %s", got ? strerror(errno) : "end of stream");
		len -= got;
	}
}

void tcp_exchange(int client, int server)
{
	assert_int_equal(write(client, TCP_PAIR_REQUEST, strlen(TCP_PAIR_REQUEST)),
			 strlen(TCP_PAIR_REQUEST));
	read_exactly(server, strlen(TCP_PAIR_REQUEST));
	assert_int_equal(write(server, TCP_PAIR_RESPONSE, strlen(TCP_PAIR_RESPONSE)),
			 strlen(TCP_PAIR_RESPONSE));
	read_exactly(client, strlen(TCP_PAIR_RESPONSE));
}

void tcp_close_reset(int fd)
{
	struct linger linger = {.l_onoff = 1, .l_linger = 0};

	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)), 0);
	close(fd);
}

void tcp_pair_open(const char *addr, uint16_t port, int *listener, int *client, int *server)
{
	*listener = tcp_listen(addr, port);
	*client = tcp_connect(addr, port);
	assert_true(*client >= 0);
	*server = tcp_accept(*listener);
	tcp_exchange(*client, *server);
}

void tcp_pair_once(const char *addr, uint16_t port)
{
	int listener, client, server;

	tcp_pair_open(addr, port, &listener, &client, &server);
	close(client);
	close(server);
	close(listener);
}
