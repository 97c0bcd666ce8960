/*
 * The JSON line of a SIP event written with the writer's memo of the last text
 * (journal_write.h's json_text_memo) is byte for byte the line written without it, whatever
 * came before: the same text at the other local end, a text that differs in one byte, text
 * that is not UTF-8 (null), escapes, a line longer than the in-place buffer, other events
 * between; and with its memo of the last endpoints, whatever endpoints came before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "journal_write.h"

static struct event sip_event(const char *text, size_t len, uint64_t conn, enum direction dir)
{
	struct event ev = {.kind = EV_SIP, .ts_ns = 1765000000000000000ull + conn, .conn = conn};

	ev.sip.dir = dir;
	ev.sip.transport = TRANSPORT_TCP;
	ev.sip.raw = (char *)text;
	ev.sip.raw_len = len;
	return ev;
}

/* EV's line with MEMO equals its line without. */
static void assert_same_line(const struct event *ev, struct json_text_memo *memo)
{
	struct json_line plain, memoized;

	assert_int_equal(event_json_line(ev, &plain, NULL), 0);
	assert_int_equal(event_json_line(ev, &memoized, memo), 0);
	assert_int_equal(memoized.len, plain.len);
	assert_memory_equal(memoized.text, plain.text, plain.len);
	json_line_release(&plain);
	json_line_release(&memoized);
}

static void test_lines_as_without_memo(void **state)
{
	static const char options[] = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: \"x\\y\"\r\n\r\n";
	static const char changed[] = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: \"x\\z\"\r\n\r\n";
	static const char utf8[] =
	    "MESSAGE sip:a@b SIP/2.0\r\nSubject: J\xc3\xbcrgen\t\x01\r\n\r\n";
	static const char not_utf8[] = "MESSAGE sip:a@b SIP/2.0\r\nSubject: \xff\r\n\r\n";
	size_t long_len = 3 * JSON_LINE_BYTES;
	char *long_text = malloc(long_len);
	struct json_text_memo memo = {0};
	struct event open = {.kind = EV_CONN_OPEN, .ts_ns = 1, .conn = 7};

	(void)state;
	assert_non_null(long_text);
	for (size_t i = 0; i < long_len; i++)
		long_text[i] = i % 50 == 48 ? '\r' : i % 50 == 49 ? '\n' : 'a' + i % 26;
	const struct event events[] = {
	    sip_event(options, sizeof(options) - 1, 1, DIR_OUT),
	    sip_event(options, sizeof(options) - 1, 2, DIR_IN),	 /* the other local end */
	    sip_event(changed, sizeof(changed) - 1, 2, DIR_OUT), /* one byte differs */
	    sip_event(options, sizeof(options) - 2, 1, DIR_IN),	 /* a byte shorter */
	    open,
	    sip_event(options, sizeof(options) - 2, 1, DIR_IN),
	    sip_event(not_utf8, sizeof(not_utf8) - 1, 1, DIR_OUT), /* null */
	    sip_event(not_utf8, sizeof(not_utf8) - 1, 2, DIR_IN),
	    sip_event(utf8, sizeof(utf8) - 1, 1, DIR_OUT),
	    sip_event(utf8, sizeof(utf8) - 1, 2, DIR_IN),
	    sip_event(long_text, long_len, 1, DIR_OUT), /* on the heap: its first try overflows */
	    sip_event(long_text, long_len, 2, DIR_IN),
	    sip_event(options, sizeof(options) - 1, 1, DIR_OUT),
	};

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		assert_same_line(&events[i], &memo);
	json_text_memo_free(&memo);
	free(long_text);
}

static struct endpoint endpoint(int family, uint8_t last_byte, uint16_t port)
{
	uint8_t bytes[16] = {192, 0, 2, last_byte};
	struct endpoint end = {.port = port};

	if (family == AF_INET6) {
		memcpy(bytes, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
		bytes[15] = last_byte;
	}
	ip_addr_set(&end.addr, family, bytes);
	return end;
}

static struct event sip_between(struct endpoint local, struct endpoint remote)
{
	static const char options[] = "OPTIONS sip:a@b SIP/2.0\r\n\r\n";
	struct event ev = sip_event(options, sizeof(options) - 1, 1, DIR_OUT);

	ev.sip.local = local;
	ev.sip.remote = remote;
	return ev;
}

/* The memo of the last two endpoints: the same, swapped, a third pair, a port, an address byte
 * or the family that differs from a kept pair's, an address not given, a libssl event's
 * (written before its direction), each line as without the memo. */
static void test_endpoints_as_without_memo(void **state)
{
	const struct endpoint a = endpoint(AF_INET, 10, 5061), b = endpoint(AF_INET, 20, 40000);
	const struct endpoint c = endpoint(AF_INET6, 10, 5061), none = {0};
	struct endpoint a_as_v6 = a;
	struct event libssl = sip_between(a, b);
	struct json_text_memo memo = {0};
	(void)state;

	a_as_v6.addr.family = AF_INET6; /* the same 16 bytes */
	libssl.sip.libssl.given = true;
	const struct event events[] = {
	    sip_between(a, b),
	    sip_between(b, a),
	    sip_between(a, b),
	    sip_between(endpoint(AF_INET, 10, 5062), b), /* the port */
	    sip_between(a, b),
	    sip_between(b, endpoint(AF_INET, 11, 5061)), /* an address byte */
	    sip_between(a, b),
	    sip_between(a_as_v6, b), /* the family */
	    sip_between(c, b),	     /* a third: replaces the older */
	    sip_between(b, a),
	    sip_between(c, b),
	    sip_between(none, none),
	    libssl,
	    sip_between(a, b),
	    sip_between(a, none),
	};

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		assert_same_line(&events[i], &memo);
	json_text_memo_free(&memo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines_as_without_memo),
	    cmocka_unit_test(test_endpoints_as_without_memo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
