/* struct sock_event -> events -> journal JSON (docs/journal.md), and the text line of the same
 * event (read back from its JSON, so the line and the journal are checked to agree). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "event_text.h"
#include "journal_read.h"
#include "journal_write.h"
#include "sock_record_events.h"

#define OFFSET_NS 1700000000000000000LL

/* The record's events as the journal writes them. */
static int record_json(const struct sock_event *record, int64_t wall_offset_ns,
		       json_t *out[SOCK_RECORD_EVENTS_MAX])
{
	struct event events[SOCK_RECORD_EVENTS_MAX];
	int count = sock_record_to_events(record, wall_offset_ns, events);

	for (int i = 0; i < count; i++) {
		out[i] = event_to_json(&events[i]);
		assert_non_null(out[i]);
	}
	return count;
}

static json_t *losses_json(const struct sock_losses *losses, uint64_t ts_ns)
{
	struct event lost;

	sock_losses_to_event(losses, ts_ns, &lost);
	return event_to_json(&lost);
}

/* The text line of a journal line's event. */
static int json_text_write(FILE *out, const json_t *line)
{
	struct event ev;
	char why[128];
	int rc;

	assert_int_equal(journal_parse_json((json_t *)line, &ev, why, sizeof(why)), 0);
	rc = event_text_write(out, &ev);
	event_release(&ev);
	return rc;
}

static struct sock_event passive_end_v6(void)
{
	struct sock_event event = {.type = SOCK_EV_END, .ts_ns = 9000};
	struct sock_conn *conn = &event.conn;

	conn->cookie = 42;
	conn->open_ts_ns = 1000;
	conn->first_close_ts_ns = 5000;
	conn->end_ts_ns = 6000;
	conn->idle_ns = 3000;
	conn->bytes_sent = 10;
	conn->bytes_received = 20;
	conn->family = AF_INET6;
	conn->lport = 5061;
	conn->rport = 40000;
	conn->direction = SOCK_DIR_IN;
	conn->closed_by = SOCK_CLOSED_BY_PEER;
	conn->how = SOCK_HOW_RST_IN;
	conn->sk_err = ECONNRESET;
	conn->flags = SOCK_F_ESTABLISHED | SOCK_F_RST_RECEIVED | SOCK_F_PROCESS_UNKNOWN;
	inet_pton(AF_INET6, "2001:db8::1", conn->laddr);
	inet_pton(AF_INET6, "::1", conn->raddr);
	return event;
}

static void test_unreported_open_comes_first(void **state)
{
	struct sock_event event = passive_end_v6();
	json_t *out[SOCK_RECORD_EVENTS_MAX];

	(void)state;
	event.conn.flags |= SOCK_F_CLOSE_REPORTED;
	assert_int_equal(record_json(&event, OFFSET_NS, out), 2);
	assert_string_equal(json_string_value(json_object_get(out[0], "event")), "conn_open");
	assert_int_equal(json_integer_value(json_object_get(out[0], "ts_ns")), OFFSET_NS + 1000);
	assert_true(json_is_null(json_object_get(out[0], "pid")));
	assert_string_equal(json_string_value(json_object_get(out[1], "event")), "conn_end");
	assert_string_equal(json_string_value(json_object_get(out[1], "laddr")), "2001:db8::1");
	assert_string_equal(json_string_value(json_object_get(out[1], "direction")), "in");
	assert_string_equal(json_string_value(json_object_get(out[1], "tls_role")), "server");
	assert_string_equal(json_string_value(json_object_get(out[1], "how")), "rst_in");
	assert_string_equal(json_string_value(json_object_get(out[1], "closed_by")), "peer");
	assert_string_equal(json_string_value(json_object_get(out[1], "sk_error")), "ECONNRESET");
	assert_int_equal(json_integer_value(json_object_get(out[1], "ts_ns")), OFFSET_NS + 6000);
	assert_int_equal(json_integer_value(json_object_get(out[1], "duration_ns")), 5000);
	assert_int_equal(json_integer_value(json_object_get(out[1], "first_close_ts_ns")),
			 OFFSET_NS + 5000);
	assert_int_equal(json_integer_value(json_object_get(out[1], "idle_ns")), 3000);
	assert_true(json_is_true(json_object_get(out[1], "rst_received")));
	json_decref(out[0]);
	json_decref(out[1]);
}

static void test_open_and_text_line(void **state)
{
	struct sock_event event = passive_end_v6();
	json_t *out[SOCK_RECORD_EVENTS_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	(void)state;
	event.type = SOCK_EV_OPEN;
	event.conn.pid = 77;
	memcpy(event.conn.comm, "kamailio", 9);
	assert_int_equal(record_json(&event, OFFSET_NS, out), 1);
	assert_int_equal(json_integer_value(json_object_get(out[0], "pid")), 77);
	mem = open_memstream(&text, &len);
	assert_int_equal(json_text_write(mem, out[0]), 0);
	fclose(mem);
	assert_non_null(strstr(text, "OPEN  conn=42 in/server [2001:db8::1]:5061 -> [::1]:40000 "
				     "pid=77 (kamailio)\n"));
	free(text);
	json_decref(out[0]);
}

static char *text_line(const json_t *event)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	assert_non_null(mem);
	assert_int_equal(json_text_write(mem, event), 0);
	fclose(mem);
	return text;
}

static void test_close_json_and_text_line(void **state)
{
	struct sock_event event = passive_end_v6();
	json_t *out[SOCK_RECORD_EVENTS_MAX], *close;
	char *text;

	(void)state;
	event.type = SOCK_EV_CLOSE;
	event.conn.flags |= SOCK_F_OPEN_REPORTED;
	event.conn.end_ts_ns = 0;
	event.conn.idle_ns = 11015000000;
	event.conn.pid = 77;
	memcpy(event.conn.comm, "kamailio", 9);
	assert_int_equal(record_json(&event, OFFSET_NS, out), 1);
	close = out[0];
	assert_string_equal(json_string_value(json_object_get(close, "event")), "conn_close");
	assert_int_equal(json_integer_value(json_object_get(close, "ts_ns")), OFFSET_NS + 5000);
	assert_int_equal(json_integer_value(json_object_get(close, "first_close_ts_ns")),
			 OFFSET_NS + 5000);
	assert_string_equal(json_string_value(json_object_get(close, "closed_by")), "peer");
	assert_string_equal(json_string_value(json_object_get(close, "how")), "rst_in");
	assert_int_equal(json_integer_value(json_object_get(close, "idle_ns")), 11015000000);
	assert_int_equal(json_integer_value(json_object_get(close, "bytes_sent")), 10);
	assert_int_equal(json_integer_value(json_object_get(close, "bytes_received")), 20);
	assert_string_equal(json_string_value(json_object_get(close, "tls_role")), "server");
	/* the end-only fields are the conn_end's */
	assert_null(json_object_get(close, "duration_ns"));
	assert_null(json_object_get(close, "sk_error"));
	text = text_line(close);
	assert_non_null(strstr(text, "CLOSE conn=42 in/server [2001:db8::1]:5061 -> [::1]:40000 "
				     "pid=77 (kamailio) closed_by=peer how=rst_in idle=11.015s "
				     "sent=10 recv=20\n"));
	free(text);
	json_decref(close);
}

/* An established connection whose conn_close did not leave the kernel (a cause known only at
 * the end, or a full ring buffer) gets it just before its conn_end. */
static void test_end_brings_missing_close(void **state)
{
	struct sock_event event = passive_end_v6();
	json_t *out[SOCK_RECORD_EVENTS_MAX];

	(void)state;
	event.conn.flags |= SOCK_F_OPEN_REPORTED;
	assert_int_equal(record_json(&event, OFFSET_NS, out), 2);
	assert_string_equal(json_string_value(json_object_get(out[0], "event")), "conn_close");
	assert_string_equal(json_string_value(json_object_get(out[1], "event")), "conn_end");
	json_decref(out[0]);
	json_decref(out[1]);
	/* a connect that never completed has no close, only its end */
	event.conn.flags &= ~SOCK_F_ESTABLISHED;
	assert_int_equal(record_json(&event, OFFSET_NS, out), 1);
	assert_string_equal(json_string_value(json_object_get(out[0], "event")), "conn_end");
	json_decref(out[0]);
	/* older than the trace, first seen closing: its conn_open comes first */
	event.type = SOCK_EV_CLOSE;
	event.conn.flags = SOCK_F_ESTABLISHED | SOCK_F_BEFORE_TRACE;
	event.conn.direction = SOCK_DIR_UNKNOWN;
	event.conn.open_ts_ns = 0;
	assert_int_equal(record_json(&event, OFFSET_NS, out), 2);
	assert_string_equal(json_string_value(json_object_get(out[0], "event")), "conn_open");
	assert_true(json_is_true(json_object_get(out[0], "before_trace")));
	assert_true(json_is_null(json_object_get(out[0], "direction")));
	assert_string_equal(json_string_value(json_object_get(out[1], "event")), "conn_close");
	json_decref(out[0]);
	json_decref(out[1]);
}

/* An end the sweep sent: marked in the journal, read back, shown on the text line, counted in
 * the lost event; the kernel's own ends carry no mark. */
static void test_unseen_end_is_marked(void **state)
{
	struct sock_event event = passive_end_v6();
	struct sock_losses losses = {.ends_unseen = 1};
	json_t *out[SOCK_RECORD_EVENTS_MAX], *lost;
	struct event back;
	char why[128], *line;

	(void)state;
	event.conn.flags |= SOCK_F_OPEN_REPORTED | SOCK_F_CLOSE_REPORTED;
	assert_int_equal(record_json(&event, OFFSET_NS, out), 1);
	assert_null(json_object_get(out[0], "end_unseen"));
	json_decref(out[0]);
	event.type = SOCK_EV_END_UNSEEN;
	assert_int_equal(record_json(&event, OFFSET_NS, out), 1);
	assert_string_equal(json_string_value(json_object_get(out[0], "event")), "conn_end");
	assert_true(json_is_true(json_object_get(out[0], "end_unseen")));
	assert_true(json_is_null(json_object_get(out[0], "duration_ns")));
	assert_int_equal(journal_parse_json(out[0], &back, why, sizeof(why)), 0);
	assert_true(back.conn_ev.end_unseen);
	event_release(&back);
	line = text_line(out[0]);
	assert_non_null(strstr(line, " end_unseen"));
	free(line);
	json_decref(out[0]);
	lost = losses_json(&losses, 5);
	assert_int_equal(json_integer_value(json_object_get(lost, "ends_unseen")), 1);
	json_decref(lost);
}

/* IPv4 addresses read as inet_ntop writes them, at every digit count. */
static void test_ipv4_text_as_inet_ntop(void **state)
{
	static const uint8_t bytes[] = {0, 1, 9, 10, 42, 99, 100, 127, 199, 200, 255};
	const size_t n = sizeof(bytes);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct sock_event event = {.type = SOCK_EV_OPEN, .ts_ns = 1};
		uint8_t *addr = event.conn.laddr;
		char expected[INET_ADDRSTRLEN];
		json_t *out[SOCK_RECORD_EVENTS_MAX];

		event.conn.family = AF_INET;
		event.conn.flags = SOCK_F_OPEN_REPORTED;
		addr[0] = bytes[i];
		addr[1] = bytes[(i + 3) % n];
		addr[2] = bytes[(i + 5) % n];
		addr[3] = bytes[(i + 7) % n];
		inet_ntop(AF_INET, addr, expected, sizeof(expected));
		assert_int_equal(record_json(&event, 0, out), 1);
		assert_string_equal(json_string_value(json_object_get(out[0], "laddr")), expected);
		assert_string_equal(json_string_value(json_object_get(out[0], "raddr")), "0.0.0.0");
		json_decref(out[0]);
	}
}

static void test_lost_sums_ring_buffer(void **state)
{
	struct sock_losses losses = {
	    .ringbuf_open = 2, .ringbuf_end = 3, .map_full = 4, .ringbuf_close = 6};
	json_t *lost = losses_json(&losses, 5);

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(lost, "ringbuf")), 5);
	assert_int_equal(json_integer_value(json_object_get(lost, "ringbuf_conn_end")), 3);
	assert_int_equal(json_integer_value(json_object_get(lost, "map_full")), 4);
	/* late, not lost: not in the sum */
	assert_int_equal(json_integer_value(json_object_get(lost, "ringbuf_conn_close_late")), 6);
	json_decref(lost);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unreported_open_comes_first),
	    cmocka_unit_test(test_open_and_text_line),
	    cmocka_unit_test(test_close_json_and_text_line),
	    cmocka_unit_test(test_end_brings_missing_close),
	    cmocka_unit_test(test_unseen_end_is_marked),
	    cmocka_unit_test(test_ipv4_text_as_inet_ntop),
	    cmocka_unit_test(test_lost_sums_ring_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
