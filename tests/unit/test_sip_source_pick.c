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
	/* a connection's end: its id may come again with the other source first */
	sip_source_pick_end(&pick, 1);
	assert_true(keep(&pick, 1, DECRYPTED));
	assert_false(keep(&pick, 1, LIBSSL));
	assert_int_equal(pick.dropped, 3);
	sip_source_pick_free(&pick);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_source_keeps_its_connection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
