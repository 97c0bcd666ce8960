/* SIP inside TLS from two sources (the libssl probe, the wire's decryption): one per
 * connection, the first to give a message, to the connection's end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sip_source_pick.h"

enum from { LIBSSL, DECRYPTED, PLAIN };

static struct event sip(uint64_t conn, enum from from)
{
	struct event ev = {.kind = EV_SIP, .conn = conn};

	ev.sip.transport = from == PLAIN ? TRANSPORT_TCP : TRANSPORT_TLS;
	ev.sip.libssl.given = from == LIBSSL;
	ev.sip.decrypted = from == DECRYPTED;
	return ev;
}

static bool keep(struct sip_source_pick *pick, uint64_t conn, enum from from)
{
	struct event ev = sip(conn, from);

	return sip_source_pick_keep(pick, &ev);
}

static void test_first_source_keeps_its_connection(void **state)
{
	struct sip_source_pick pick = {0};
	struct event handshake = {.kind = EV_TLS_HANDSHAKE, .conn = 1};

	(void)state;
	/* conn 1: the probe first; conn 2: the wire first */
	assert_true(keep(&pick, 1, LIBSSL));
	assert_true(keep(&pick, 2, DECRYPTED));
	assert_false(keep(&pick, 1, DECRYPTED));
	assert_false(keep(&pick, 2, LIBSSL));
	assert_true(keep(&pick, 1, LIBSSL));
	assert_true(keep(&pick, 2, DECRYPTED));
	assert_int_equal(pick.dropped, 2);
	/* other events and plaintext SIP are no one's */
	assert_true(sip_source_pick_keep(&pick, &handshake));
	assert_true(keep(&pick, 1, PLAIN));
	assert_true(keep(&pick, 0, DECRYPTED));
	sip_source_pick_free(&pick);
}

#define S 1000000000ull

/* The other source can still bring a connection's messages after its end (records waiting for
 * their secrets): the choice lingers, and is forgotten at a later end, the linger after. */
static void test_choice_outlives_the_end(void **state)
{
	struct sip_source_pick pick = {0};

	(void)state;
	assert_true(keep(&pick, 1, LIBSSL));
	assert_true(keep(&pick, 2, DECRYPTED));
	sip_source_pick_end(&pick, 1, 100 * S);
	sip_source_pick_end(&pick, 2, 101 * S);
	assert_false(keep(&pick, 1, DECRYPTED));
	assert_false(keep(&pick, 2, LIBSSL));
	assert_int_equal(pick.dropped, 2);
	/* an end before the linger is over forgets nothing */
	sip_source_pick_end(&pick, 3, 100 * S + SIP_SOURCE_PICK_LINGER_NS - 1);
	assert_false(keep(&pick, 1, DECRYPTED));
	/* one at its end forgets conn 1, not conn 2 */
	sip_source_pick_end(&pick, 4, 100 * S + SIP_SOURCE_PICK_LINGER_NS);
	assert_true(keep(&pick, 1, DECRYPTED));
	assert_false(keep(&pick, 2, LIBSSL));
	assert_int_equal(pick.dropped, 4);
	sip_source_pick_free(&pick);
}

/* Many ended connections: the ring grows and forgets them in order. */
static void test_many_ended(void **state)
{
	struct sip_source_pick pick = {0};

	(void)state;
	for (uint64_t c = 1; c <= 1000; c++) {
		assert_true(keep(&pick, c, LIBSSL));
		sip_source_pick_end(&pick, c, c * S / 100);
	}
	/* 100 ends a second for 10 s: all within the linger of the last */
	assert_int_equal(pick.ended_count, 1000);
	assert_false(keep(&pick, 1, DECRYPTED));
	assert_false(keep(&pick, 1000, DECRYPTED));
	sip_source_pick_end(&pick, 2000, 1000 * S);
	assert_int_equal(pick.ended_count, 0);
	assert_true(keep(&pick, 1000, DECRYPTED));
	sip_source_pick_free(&pick);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_source_keeps_its_connection),
	    cmocka_unit_test(test_choice_outlives_the_end),
	    cmocka_unit_test(test_many_ended),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
