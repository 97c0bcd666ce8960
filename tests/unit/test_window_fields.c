/* A SIP event held in the reorder window with only its fields' text (sip_event_fields_only,
 * reorder_window_keep_fields_only): the correlator reads the same fields as from the whole
 * message, in the same order, and events without a parse keep their whole text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reorder_window.h"
#include "sip_event_fields.h"

#define MS 1000000ull

static struct sip_decode_scratch scratch, expected_scratch;

/* A BYE with every field the correlator reads (Call-ID, both tags, branch, Reason), a
 * header of FILLER_LEN bytes between the Via and the rest. */
static char *bye_text(unsigned n, size_t call_id_len, size_t filler_len)
{
	char call_id[600], filler[600];
	char *text = malloc(2048);

	memset(call_id, 'c', call_id_len);
	snprintf(call_id + call_id_len, sizeof(call_id) - call_id_len, "-%u@198.51.100.20", n);
	memset(filler, 'f', filler_len);
	filler[filler_len] = '\0';
	snprintf(text, 2048,
		 "BYE sip:pbx@10.0.0.5 SIP/2.0\r\n"
		 "Via: SIP/2.0/TLS 198.51.100.20:5061;branch=z9hG4bK-bye-%u\r\n"
		 "X-Filler: %s\r\n"
		 "From: <sip:carrier@198.51.100.20>;tag=from-%u\r\n"
		 "To: <sip:pbx@10.0.0.5>;tag=to-%u\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u BYE\r\n"
		 "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n"
		 "Content-Length: 0\r\n\r\n",
		 n, filler, n, n, call_id, n + 1);
	return text;
}

/* A SIP event of TEXT at TS_NS, with the framer's parse when PARSED. */
static struct event sip_event(char *text, uint64_t ts_ns, bool parsed)
{
	struct event ev = {.kind = EV_SIP, .ts_ns = ts_ns, .conn = 7};

	ev.sip.dir = DIR_IN;
	ev.sip.transport = TRANSPORT_TLS;
	ev.sip.raw = text;
	ev.sip.raw_len = strlen(text);
	if (parsed)
		sip_parsed_decode(&scratch.msg, text, ev.sip.raw_len, false, &ev.sip.parsed);
	return ev;
}

static void assert_same_fields(const struct event *held, const struct event *whole)
{
	const struct sip_fields *expected = sip_event_fields(whole, &expected_scratch);
	const struct sip_fields *got = sip_event_fields(held, &scratch);

	assert_true(got->values.decoded);
	assert_string_equal(got->call_id, expected->call_id);
	assert_string_equal(got->branch, expected->branch);
	assert_string_equal(got->reason, expected->reason);
	assert_memory_equal(got, expected, sizeof(*got));
}

/* The fields close together (copied as one stretch) or far apart (copied one by one). */
static void test_fields_only_reads_the_same_fields(void **state)
{
	const size_t filler_len[] = {4, 500};
	char room[400];
	struct event whole, held;
	(void)state;

	for (unsigned i = 0; i < 2; i++) {
		whole = sip_event(bye_text(1, 20, filler_len[i]), 1000 * MS, true);
		assert_int_equal(event_copy(&held, &whole), 0);
		assert_true(sip_event_fields_only(&held, room, sizeof(room)));
		assert_ptr_equal(held.sip.raw, room);
		assert_true(held.sip.raw_len < 400);
		assert_same_fields(&held, &whole);
		held.sip.raw = NULL; /* the room is not the event's to free */
		event_release(&held);
		event_release(&whole);
	}
}

static void test_fields_only_leaves_what_it_cannot_keep(void **state)
{
	char room[64];
	struct event ev;
	char *text;
	(void)state;

	/* no parse carried (a journal's event): the correlator parses the whole text */
	text = bye_text(2, 20, 4);
	ev = sip_event(text, 1000 * MS, false);
	assert_false(sip_event_fields_only(&ev, room, sizeof(room)));
	assert_ptr_equal(ev.sip.raw, text);
	event_release(&ev);
	/* fields longer than the room */
	text = bye_text(3, 200, 4);
	ev = sip_event(text, 1000 * MS, true);
	assert_false(sip_event_fields_only(&ev, room, sizeof(room)));
	assert_ptr_equal(ev.sip.raw, text);
	assert_int_equal(ev.sip.raw_len, strlen(text));
	event_release(&ev);
}

/* Through the window, out of order: the order and every event's fields as without it; a
 * Call-ID longer than a slot's room, and an event without a parse, keep their whole text. */
static void test_window_holds_fields_only(void **state)
{
	const uint64_t in_ms[] = {1000, 1100, 1050, 1200, 1150, 1400};
	const size_t call_id_len[] = {20, 20, 520, 20, 20, 20};
	const bool parsed[] = {true, true, true, false, true, true};
	const unsigned out[] = {0, 2, 1, 4, 3, 5};
	struct event whole[6], ev;
	struct reorder_window w;
	(void)state;

	assert_int_equal(reorder_window_init(&w, 200 * MS, 16), 0);
	reorder_window_keep_fields_only(&w);
	for (unsigned i = 0; i < 6; i++) {
		whole[i] = sip_event(bye_text(i, call_id_len[i], 4), in_ms[i] * MS, parsed[i]);
		assert_int_equal(event_copy(&ev, &whole[i]), 0);
		assert_int_equal(reorder_window_push(&w, &ev), 0);
	}
	for (unsigned i = 0; i < 6; i++) {
		struct event *held = reorder_window_pop(&w, UINT64_MAX);
		const struct event *expected = &whole[out[i]];

		assert_non_null(held);
		assert_int_equal(held->ts_ns, expected->ts_ns);
		if (!parsed[out[i]] || call_id_len[out[i]] > 500)
			assert_memory_equal(held->sip.raw, expected->sip.raw,
					    expected->sip.raw_len);
		else
			assert_true(held->sip.raw_len < expected->sip.raw_len);
		assert_same_fields(held, expected);
		reorder_window_release(held);
	}
	/* what is still held when the window is freed is released with it */
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(event_copy(&ev, &whole[i]), 0);
		assert_int_equal(reorder_window_push(&w, &ev), 0);
	}
	reorder_window_free(&w);
	for (unsigned i = 0; i < 6; i++)
		event_release(&whole[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields_only_reads_the_same_fields),
	    cmocka_unit_test(test_fields_only_leaves_what_it_cannot_keep),
	    cmocka_unit_test(test_window_holds_fields_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
