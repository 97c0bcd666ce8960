/* The wire path's table of this host's sockets by 4-tuple (userspace/sources/socket_table.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "socket_table.h"

#define SECOND_NS 1000000000ULL

static struct sock_event open_record(uint64_t cookie, uint16_t family, const uint8_t laddr[16],
				     uint16_t lport, const uint8_t raddr[16], uint16_t rport)
{
	struct sock_event event = {.type = SOCK_EV_OPEN, .ts_ns = SECOND_NS};

	event.conn.cookie = cookie;
	event.conn.family = family;
	event.conn.open_ts_ns = SECOND_NS;
	memcpy(event.conn.laddr, laddr, 16);
	memcpy(event.conn.raddr, raddr, 16);
	event.conn.lport = lport;
	event.conn.rport = rport;
	return event;
}

/* A dual-stack server's socket (IPv6, its IPv4 client as ::ffff:127.0.0.1) is found by the
 * IPv4 packets the connection travels in, beside the IPv4 client socket on loopback. */
static void test_v4_mapped_socket_found_by_ipv4(void **state)
{
	static const uint8_t v4[16] = {127, 0, 0, 1};
	static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 127, 0, 0, 1};
	struct socket_table *table = socket_table_new(16, SECOND_NS);
	struct sock_event server = open_record(7, AF_INET6, mapped, 5061, mapped, 40000);
	struct sock_event client = open_record(8, AF_INET, v4, 40000, v4, 5061);
	struct tcp_endpoint ends[2] = {{.addr = {127, 0, 0, 1}, .port = 40000},
				       {.addr = {127, 0, 0, 1}, .port = 5061}};
	struct socket_match matches[SOCKET_TABLE_MAX_MATCHES];
	struct tcp_endpoint local, remote;

	(void)state;
	assert_non_null(table);
	assert_int_equal(socket_table_endpoints(&server.conn, &local, &remote), AF_INET);
	assert_memory_equal(local.addr, v4, 16);
	assert_int_equal(socket_table_learn(table, &server, 0), 0);
	assert_int_equal(socket_table_learn(table, &client, 0), 0);
	assert_int_equal(socket_table_find(table, AF_INET, ends, 2 * SECOND_NS, matches), 2);
	assert_true((matches[0].cookie == 8 && matches[1].cookie == 7) ||
		    (matches[0].cookie == 7 && matches[1].cookie == 8));
	assert_int_equal(socket_table_find(table, AF_INET6, ends, 2 * SECOND_NS, matches), 0);
	socket_table_free(table);
}

/* A real IPv6 connection stays IPv6. */
static void test_ipv6_stays_ipv6(void **state)
{
	static const uint8_t v6[16] = {[15] = 1};
	struct socket_table *table = socket_table_new(16, SECOND_NS);
	struct sock_event conn = open_record(9, AF_INET6, v6, 5060, v6, 40001);
	struct tcp_endpoint ends[2] = {{.addr = {[15] = 1}, .port = 5060},
				       {.addr = {[15] = 1}, .port = 40001}};
	struct socket_match matches[SOCKET_TABLE_MAX_MATCHES];
	struct tcp_endpoint local, remote;

	(void)state;
	assert_int_equal(socket_table_endpoints(&conn.conn, &local, &remote), AF_INET6);
	assert_int_equal(socket_table_learn(table, &conn, 0), 0);
	assert_int_equal(socket_table_find(table, AF_INET6, ends, 2 * SECOND_NS, matches), 1);
	assert_int_equal(matches[0].cookie, 9);
	socket_table_free(table);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v4_mapped_socket_found_by_ipv4),
	    cmocka_unit_test(test_ipv6_stays_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
