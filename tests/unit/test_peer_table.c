/*
 * The correlator's table of peers (userspace/engine/peer_table.c): a peer's facts are counted
 * on the one peer of its address, whether it was the last peer touched or not, and a peer the
 * table let go (its bound reached) starts again from nothing, the last touched one too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "peer_table.h"

static struct conn conn_to(uint8_t last_byte)
{
	const uint8_t bytes[4] = {192, 0, 2, last_byte};
	struct conn conn = {.id = last_byte, .direction = DIR_OUT, .sip_messages = 1};

	ip_addr_set(&conn.remote.addr, AF_INET, bytes);
	return conn;
}

/* A connection's first SIP message to the peer at LAST_BYTE: one more good connection out. */
static void learn_sip(struct peer_table *table, uint8_t last_byte)
{
	struct conn conn = conn_to(last_byte);
	struct event ev = {.kind = EV_SIP, .ts_ns = 1000, .conn = conn.id};

	assert_int_equal(peer_table_learn(table, &conn, &ev), 0);
}

static unsigned ok_conns_out(struct peer_table *table, uint8_t last_byte)
{
	struct conn conn = conn_to(last_byte);
	const struct peer *peer = peer_table_find(table, &conn.remote.addr);

	return peer ? peer->ok_conns[0] : 0;
}

static void test_counted_on_the_peer_of_the_address(void **state)
{
	struct peer_table table;
	(void)state;

	peer_table_init(&table, 8);
	learn_sip(&table, 1);
	learn_sip(&table, 1); /* the last peer touched */
	learn_sip(&table, 2);
	learn_sip(&table, 1); /* not the last one */
	learn_sip(&table, 2);
	learn_sip(&table, 2);
	assert_int_equal(ok_conns_out(&table, 1), 3);
	assert_int_equal(ok_conns_out(&table, 2), 3);
	assert_int_equal(table.count, 2);
	peer_table_free(&table);
}

static void test_peer_let_go_starts_again(void **state)
{
	struct peer_table table;
	(void)state;

	peer_table_init(&table, 1);
	learn_sip(&table, 1);
	learn_sip(&table, 1);
	learn_sip(&table, 2); /* the last touched, 1, let go */
	assert_int_equal(ok_conns_out(&table, 1), 0);
	learn_sip(&table, 1);
	assert_int_equal(ok_conns_out(&table, 1), 1);
	assert_int_equal(ok_conns_out(&table, 2), 0);
	assert_int_equal(table.count, 1);
	peer_table_free(&table);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counted_on_the_peer_of_the_address),
	    cmocka_unit_test(test_peer_let_go_starts_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
