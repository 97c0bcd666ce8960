/* One SIP parse per message: the framer's parse is handed on with the event, it is what a parse
 * of the message's bytes alone gives, and the correlator reads it instead of parsing again (it
 * parses only what came without one, as a journal's events do). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcap/dlt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_events.h"
#include "correlator.h"
#include "frame_build.h"
#include "sip_fields.h"
#include "sip_framer.h"

#define MS 1000000ull

static const char invite[] = "INVITE sip:b@example.net SIP/2.0\r\n"
			     "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
			     "From: <sip:a@example.net>;tag=f1\r\n"
			     "To: <sip:b@example.net>\r\n"
			     "Call-ID: carried-1\r\n"
			     "CSeq: 7 INVITE\r\n"
			     "Session-Expires: 1800;refresher=uac\r\n"
			     "Max-Forwards: 70\r\n"
			     "Content-Length: 4\r\n\r\nv=0\n";

/* decoded despite a broken rule: no Max-Forwards (a warning) */
static const char bye[] = "BYE sip:b@example.net SIP/2.0\r\n"
			  "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK2\r\n"
			  "From: <sip:a@example.net>;tag=f1\r\n"
			  "To: <sip:b@example.net>;tag=t2\r\n"
			  "Call-ID: carried-1\r\n"
			  "CSeq: 8 BYE\r\n"
			  "Content-Length: 0\r\n\r\n";

/* framed, but not decodable: no Call-ID */
static const char no_call_id[] = "SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK2\r\n"
				 "CSeq: 8 BYE\r\n"
				 "Content-Length: 0\r\n\r\n";

struct frames {
	unsigned messages;
	struct sip_message *alone; /* the parse of a frame's bytes alone */
};

static void assert_parse_as_of_the_message_alone(const struct sip_frame *frame, void *ctx)
{
	struct frames *frames = ctx;
	struct sip_parsed carried, alone;
	struct sip_fields fields, decoded;
	char carried_err[160], alone_err[160];
	int rc;

	if (frame->kind != SIP_FRAME_MESSAGE)
		return;
	frames->messages++;
	sip_parsed_from_message(frame->msg, frame->data, &carried);
	sip_parsed_decode(frames->alone, frame->data, frame->len, false, &alone);
	assert_memory_equal(&carried, &alone, sizeof(alone));
	sip_fields_from_parsed(&carried, frame->data, &fields);
	rc = sip_fields_decode(frame->data, frame->len, false, &decoded, alone_err,
			       sizeof(alone_err));
	assert_int_equal(carried.values.decoded, rc == 0);
	assert_memory_equal(&fields, &decoded, sizeof(decoded));
	if (rc) {
		sip_fields_error_text(&carried.values, carried_err, sizeof(carried_err));
		assert_string_equal(carried_err, alone_err);
	}
}

/* Messages back to back in segments that cut them anywhere: the framer's parse saw the bytes
 * after each message too, the correlator's would see the message alone. */
static void test_framed_fields_are_a_parse_of_the_message_alone(void **state)
{
	char stream_bytes[2048];
	struct sip_stream stream;
	size_t len;

	(void)state;
	len = (size_t)snprintf(stream_bytes, sizeof(stream_bytes), "%s\r\n\r\n%s%s%s", invite, bye,
			       no_call_id, invite);
	for (size_t segment = 1; segment <= len; segment += segment < 16 ? 1 : 97) {
		struct frames frames = {0, malloc(sizeof(*frames.alone))};

		assert_int_equal(sip_stream_init(&stream, 0), 0);
		for (size_t pos = 0; pos < len; pos += segment)
			assert_int_equal(sip_stream_push(&stream, stream_bytes + pos,
							 len - pos < segment ? len - pos : segment,
							 assert_parse_as_of_the_message_alone,
							 &frames),
					 0);
		sip_stream_finish(&stream, assert_parse_as_of_the_message_alone, &frames);
		sip_stream_free(&stream);
		free(frames.alone);
		assert_int_equal(frames.messages, 4);
	}
}

static unsigned long calls_done;

static void count_call(const struct correlator *corr, const struct call *call, void *ctx)
{
	(void)corr;
	(void)call;
	(void)ctx;
	calls_done++;
}

/* An event of TEXT with PARSED carried (NULL: none, as from a journal). */
static struct event sip_event(const char *text, const struct sip_parsed *parsed)
{
	struct event ev = {.kind = EV_SIP, .ts_ns = 1000 * MS};

	ev.sip.dir = DIR_IN;
	ev.sip.transport = TRANSPORT_TCP;
	ev.sip.raw = strdup(text);
	ev.sip.raw_len = strlen(text);
	assert_non_null(ev.sip.raw);
	if (parsed)
		ev.sip.parsed = *parsed;
	return ev;
}

static struct sip_parsed parse_alone(const char *text)
{
	struct sip_message *msg = malloc(sizeof(*msg));
	struct sip_parsed parsed;

	assert_non_null(msg);
	sip_parsed_decode(msg, text, strlen(text), false, &parsed);
	free(msg);
	return parsed;
}

/* What the carried parse says counts, not what a parse of the text would say: an INVITE whose
 * carried parse says it could not be decoded is not decoded again. */
static void test_the_correlator_reads_the_carried_parse(void **state)
{
	struct correlator_config config;
	struct sip_parsed parsed;
	struct correlator corr;
	struct event ev;

	(void)state;
	correlator_config_default(&config);
	calls_done = 0;
	correlator_init(&corr, &config, count_call, NULL, NULL);

	parsed = parse_alone(invite);
	assert_true(parsed.given && parsed.values.decoded);
	ev = sip_event(invite, &parsed);
	assert_int_equal(correlator_feed(&corr, &ev), 0);
	event_release(&ev);
	assert_int_equal(corr.sip_undecoded, 0);
	assert_int_equal(corr.calls.count, 1);

	parsed = parse_alone(no_call_id);
	assert_false(parsed.values.decoded);
	assert_int_equal(parsed.values.error.code, SIP_ERR_MISSING_CALL_ID);
	parsed.call_id = (struct sip_span){0, 0};
	ev = sip_event(bye, &parsed); /* a BYE that would decode, carried as undecodable */
	assert_int_equal(correlator_feed(&corr, &ev), 0);
	event_release(&ev);
	assert_int_equal(corr.sip_undecoded, 1);

	/* without a parse (as from a journal) the text is parsed: this one does not decode */
	ev = sip_event("not SIP at all\r\n\r\n", NULL);
	assert_int_equal(correlator_feed(&corr, &ev), 0);
	event_release(&ev);
	assert_int_equal(corr.sip_undecoded, 2);
	correlator_finish(&corr);
	assert_int_equal(calls_done, 1);
}

/* A message written for two local sockets (loopback) is copied with its parse: the message is
 * parsed once for both. */
static void test_a_copy_carries_the_parse(void **state)
{
	struct sip_parsed parsed = parse_alone(bye);
	struct event ev = sip_event(bye, &parsed), copy;

	(void)state;
	assert_int_equal(event_copy(&copy, &ev), 0);
	event_release(&ev);
	assert_true(copy.sip.parsed.given);
	assert_memory_equal(&copy.sip.parsed, &parsed, sizeof(parsed));
	assert_int_equal(copy.sip.parsed.values.warnings, 1); /* no Max-Forwards */
	event_release(&copy);
}

/* A capture: the messages of a TCP stream come with the framer's parse; a UDP datagram, which
 * nothing parsed on its way, without (the correlator parses it, once). */
static void test_a_capture_hands_the_framers_parse_on(void **state)
{
	static uint8_t frame[FRAME_MAX];
	struct tcp_flow flow = {{"10.0.0.1", "10.0.0.2"}, {40000, 5060}, {100, 9000}};
	struct pcapng_writer *w;
	struct event_list got;
	char path[64], two[2048];
	unsigned tcp = 0, udp = 0;
	size_t n;

	(void)state;
	w = capture_temp_open(path, "carried", DLT_EN10MB);
	n = frame_tcp(frame, &flow, 0, 0x02, NULL, 0);
	assert_int_equal(pcapng_write_packet(w, 1000 * MS, frame, n, n, NULL), 0);
	n = frame_tcp(frame, &flow, 1, 0x12, NULL, 0);
	assert_int_equal(pcapng_write_packet(w, 1001 * MS, frame, n, n, NULL), 0);
	n = frame_tcp(frame, &flow, 0, 0x10, NULL, 0);
	assert_int_equal(pcapng_write_packet(w, 1002 * MS, frame, n, n, NULL), 0);
	n = (size_t)snprintf(two, sizeof(two), "%s%s", invite, bye);
	n = frame_tcp(frame, &flow, 0, 0x18, two, n);
	assert_int_equal(pcapng_write_packet(w, 1003 * MS, frame, n, n, NULL), 0);
	n = frame_eth_udp4(frame, "10.0.0.1", 5060, "10.0.0.2", 5060, invite, strlen(invite));
	assert_int_equal(pcapng_write_packet(w, 1004 * MS, frame, n, n, NULL), 0);
	assert_int_equal(pcapng_writer_close(w), 0);

	got = capture_events(path, "10.0.0.2", 0);
	unlink(path);
	for (size_t i = 0; i < got.count; i++) {
		const struct event *ev = &got.events[i];
		struct sip_parsed alone;

		if (ev->kind != EV_SIP)
			continue;
		if (ev->sip.transport == TRANSPORT_UDP) {
			udp++;
			assert_false(ev->sip.parsed.given);
			continue;
		}
		tcp++;
		assert_true(ev->sip.parsed.given);
		alone = parse_alone(ev->sip.raw);
		assert_memory_equal(&ev->sip.parsed, &alone, sizeof(alone));
	}
	assert_int_equal(tcp, 2);
	assert_int_equal(udp, 1);
	event_list_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_framed_fields_are_a_parse_of_the_message_alone),
	    cmocka_unit_test(test_the_correlator_reads_the_carried_parse),
	    cmocka_unit_test(test_a_copy_carries_the_parse),
	    cmocka_unit_test(test_a_capture_hands_the_framers_parse_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
