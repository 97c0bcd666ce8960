/* The wire path's resolver: wire events wait for the sockets of their connection, are written
 * once per local socket when those are known, and are given up at their deadline
 * (userspace/sources/wire_resolver.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "wire_resolver.h"

#define SEC_NS	 1000000000ULL
#define START_NS (1000 * SEC_NS) /* packet times, wall clock */
#define MAX_SEEN 64

/* What the output was given: how many events, and the first ones' alert code (a sequence
 * number here) and conn. */
struct seen {
	size_t count;
	int code[MAX_SEEN];
	uint64_t conn[MAX_SEEN];
};

static int take(void *ctx, struct event *event)
{
	struct seen *seen = ctx;

	if (seen->count < MAX_SEEN) {
		seen->code[seen->count] = event->alert.code;
		seen->conn[seen->count] = event->conn;
	}
	seen->count++;
	return 0;
}

static const uint8_t loopback[4] = {127, 0, 0, 1};

/* A TCP wire event (an alert numbered code) between 127.0.0.1:client_port and
 * 127.0.0.1:server_port, both ends local, as on loopback. */
static struct wire_event tcp_event(uint16_t client_port, uint16_t server_port, int code,
				   uint64_t ts_ns)
{
	struct wire_event event = {.ts_ns = ts_ns, .family = AF_INET, .tcp = true, .local_mask = 3};

	memcpy(event.end[TCP_SIDE_CLIENT].addr, loopback, sizeof(loopback));
	event.end[TCP_SIDE_CLIENT].port = client_port;
	memcpy(event.end[TCP_SIDE_SERVER].addr, loopback, sizeof(loopback));
	event.end[TCP_SIDE_SERVER].port = server_port;
	event.perspective = WIRE_FROM;
	event.body.kind = EV_TLS_ALERT;
	event.body.alert.code = code;
	return event;
}

/* A conn_open (or conn_end) record of the socket with local port lport and remote port rport,
 * opened at monotonic time 1 s (wall offset START_NS - 2 s: a second before the packets). */
static struct sock_event socket_record(__u32 type, uint64_t cookie, uint16_t lport, uint16_t rport)
{
	struct sock_event record = {.type = type, .ts_ns = 2 * SEC_NS};

	record.conn.cookie = cookie;
	record.conn.family = AF_INET;
	record.conn.open_ts_ns = SEC_NS;
	memcpy(record.conn.laddr, loopback, sizeof(loopback));
	memcpy(record.conn.raddr, loopback, sizeof(loopback));
	record.conn.lport = lport;
	record.conn.rport = rport;
	return record;
}

static struct wire_resolver *resolver_new(struct seen *seen)
{
	struct wire_resolver *resolver = wire_resolver_new(take, seen, START_NS - 2 * SEC_NS);

	assert_non_null(resolver);
	return resolver;
}

static void add(struct wire_resolver *resolver, struct wire_event event)
{
	assert_int_equal(wire_resolver_add(resolver, &event), 0);
}

static void learn(struct wire_resolver *resolver, struct sock_event record)
{
	assert_int_equal(wire_resolver_socket(resolver, &record), 0);
}

/* Both ends local: events wait for both sockets, then come once per socket, in order. */
static void test_waits_for_both_sockets(void **state)
{
	struct seen seen = {0};
	struct wire_resolver *resolver = resolver_new(&seen);
	struct wire_resolver_counts counts;

	(void)state;
	add(resolver, tcp_event(40000, 5061, 1, START_NS));
	add(resolver, tcp_event(40000, 5061, 2, START_NS + 1000));
	learn(resolver, socket_record(SOCK_EV_OPEN, 11, 40000, 5061));
	assert_int_equal(seen.count, 0);
	learn(resolver, socket_record(SOCK_EV_OPEN, 12, 5061, 40000));
	assert_int_equal(seen.count, 4);
	assert_int_equal(seen.code[0], 1);
	assert_int_equal(seen.code[1], 1);
	assert_int_equal(seen.code[2], 2);
	assert_int_equal(seen.code[3], 2);
	assert_true((seen.conn[0] == 11 && seen.conn[1] == 12) ||
		    (seen.conn[0] == 12 && seen.conn[1] == 11));
	/* known sockets: a new event is written at once */
	add(resolver, tcp_event(40000, 5061, 3, START_NS + 2000));
	assert_int_equal(seen.count, 6);
	assert_int_equal(seen.code[5], 3);
	wire_resolver_counts(resolver, &counts);
	assert_int_equal(counts.written, 6);
	assert_int_equal(counts.unmatched, 0);
	wire_resolver_free(resolver);
}

/* A socket of another connection writes none of this one's events. */
static void test_other_connection_waits(void **state)
{
	struct seen seen = {0};
	struct wire_resolver *resolver = resolver_new(&seen);

	(void)state;
	add(resolver, tcp_event(40000, 5061, 1, START_NS));
	add(resolver, tcp_event(40001, 5061, 2, START_NS));
	learn(resolver, socket_record(SOCK_EV_OPEN, 21, 40001, 5061));
	learn(resolver, socket_record(SOCK_EV_OPEN, 22, 5061, 40001));
	assert_int_equal(seen.count, 2);
	assert_int_equal(seen.code[0], 2);
	assert_int_equal(seen.code[1], 2);
	learn(resolver, socket_record(SOCK_EV_OPEN, 23, 40000, 5061));
	learn(resolver, socket_record(SOCK_EV_OPEN, 24, 5061, 40000));
	assert_int_equal(seen.count, 4);
	assert_int_equal(seen.code[2], 1);
	assert_int_equal(seen.conn[2] == 23 || seen.conn[2] == 24, true);
	wire_resolver_free(resolver);
}

/* At its deadline an event is written for the sockets found, or counted unmatched; not
 * before. */
static void test_deadline(void **state)
{
	struct seen seen = {0};
	struct wire_resolver *resolver = resolver_new(&seen);
	struct wire_resolver_counts counts;

	(void)state;
	add(resolver, tcp_event(40000, 5061, 1, START_NS));	     /* one socket known */
	add(resolver, tcp_event(40002, 5061, 2, START_NS + SEC_NS)); /* none */
	learn(resolver, socket_record(SOCK_EV_OPEN, 31, 40000, 5061));
	assert_int_equal(wire_resolver_tick(resolver, START_NS + SEC_NS, false), 0);
	assert_int_equal(seen.count, 0);
	assert_int_equal(wire_resolver_tick(resolver, START_NS + 2 * SEC_NS, false), 0);
	assert_int_equal(seen.count, 1);
	assert_int_equal(seen.code[0], 1);
	assert_int_equal(seen.conn[0], 31);
	assert_int_equal(wire_resolver_tick(resolver, START_NS + 3 * SEC_NS, false), 0);
	assert_int_equal(seen.count, 1);
	wire_resolver_counts(resolver, &counts);
	assert_int_equal(counts.unmatched, 1);
	assert_int_equal(counts.written, 1);
	wire_resolver_free(resolver);
}

/* The end of the run gives up on everything; UDP needs no socket. */
static void test_final_and_udp(void **state)
{
	struct seen seen = {0};
	struct wire_resolver *resolver = resolver_new(&seen);
	struct wire_event udp = tcp_event(5060, 5060, 7, START_NS);
	struct wire_resolver_counts counts;

	(void)state;
	udp.tcp = false;
	add(resolver, udp);
	assert_int_equal(seen.count, 1);
	assert_int_equal(seen.conn[0], 0);
	add(resolver, tcp_event(40000, 5061, 1, START_NS));
	add(resolver, tcp_event(40001, 5061, 2, START_NS));
	assert_int_equal(wire_resolver_tick(resolver, START_NS, true), 0);
	wire_resolver_counts(resolver, &counts);
	assert_int_equal(counts.unmatched, 2);
	assert_int_equal(seen.count, 1);
	/* nothing waits any more */
	learn(resolver, socket_record(SOCK_EV_OPEN, 41, 40000, 5061));
	learn(resolver, socket_record(SOCK_EV_OPEN, 42, 5061, 40000));
	assert_int_equal(seen.count, 1);
	wire_resolver_free(resolver);
}

/* Thousands waiting on one connection (a passive socket learned only at its end) are all
 * written, in order, when the socket comes; past the bound, new ones are counted. */
static void test_many_waiting(void **state)
{
	struct seen seen = {0};
	struct wire_resolver *resolver = resolver_new(&seen);
	struct wire_resolver_counts counts;
	struct wire_event one_end;

	(void)state;
	for (int i = 0; i < 8192 + 5; i++) {
		one_end = tcp_event(40000, 5061, i, START_NS + i);
		one_end.local_mask = 1; /* only the client end is this host's */
		add(resolver, one_end);
	}
	wire_resolver_counts(resolver, &counts);
	assert_int_equal(counts.pending_full, 5);
	learn(resolver, socket_record(SOCK_EV_OPEN, 52, 40000, 5061));
	wire_resolver_counts(resolver, &counts);
	assert_int_equal(counts.written, 8192);
	assert_int_equal(seen.count, 8192);
	for (int i = 0; i < MAX_SEEN; i++) {
		assert_int_equal(seen.code[i], i);
		assert_int_equal(seen.conn[i], 52);
	}
	wire_resolver_free(resolver);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_waits_for_both_sockets),
	    cmocka_unit_test(test_other_connection_waits),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_final_and_udp),
	    cmocka_unit_test(test_many_waiting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
