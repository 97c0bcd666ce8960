/* SIP stream framing tests: RFC 3261 §18.3 (Content-Length framing on streams), §7.5 (CRLFs
 * before a start line), RFC 5626 §3.5.1 (CRLF keep-alives), resynchronisation after garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sip_framer.h"

#define MAX_FRAMES 64

/* What the callback saw, copied out because frame views die with the callback. */
struct seen_frame {
	enum sip_frame_kind kind;
	uint64_t offset, len;
	enum sip_problem_code problem;
	enum sip_kind msg_kind;
	enum sip_problem_code msg_error;
	uint32_t cseq;
	size_t body_len;
};

struct recorder {
	unsigned count;
	struct seen_frame frames[MAX_FRAMES];
};

static void record(const struct sip_frame *frame, void *ctx)
{
	struct recorder *rec = ctx;
	assert_true(rec->count < MAX_FRAMES);
	struct seen_frame *seen = &rec->frames[rec->count++];
	*seen = (struct seen_frame){.kind = frame->kind,
				    .offset = frame->stream_offset,
				    .len = frame->len,
				    .problem = frame->problem.code};
	if (frame->kind == SIP_FRAME_MESSAGE) {
		assert_non_null(frame->msg);
		seen->msg_kind = frame->msg->kind;
		seen->msg_error = frame->msg->error.code;
		seen->cseq = frame->msg->cseq;
		seen->body_len = frame->msg->body.len;
	} else {
		assert_null(frame->msg);
	}
}

static char *make_message(unsigned cseq, size_t body_len)
{
	char *text = malloc(1024 + body_len);
	int len = snprintf(text, 1024,
			   "INFO sip:b@192.0.2.2;transport=tcp SIP/2.0\r\n"
			   "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK%u\r\n"
			   "To: <sip:b@example.com>;tag=b\r\nFrom: <sip:a@example.com>;tag=a\r\n"
			   "Call-ID: framer@192.0.2.1\r\nCSeq: %u INFO\r\nMax-Forwards: 70\r\n"
			   "Content-Length: %zu\r\n\r\n",
			   cseq, cseq, body_len);
	/* a body that looks like a start line must not be split off */
	for (size_t i = 0; i < body_len; i++)
		text[len + (int)i] = "INFO sip:x SIP/2.0\r\n"[i % 20];
	text[len + (int)body_len] = '\0';
	return text;
}

/* Feeds the whole input to a stream in segments of seg bytes, then finishes it. */
static void feed(struct recorder *rec, const char *data, size_t len, size_t seg, size_t cap)
{
	struct sip_stream stream;
	assert_int_equal(sip_stream_init(&stream, cap), 0);
	*rec = (struct recorder){0};
	for (size_t pos = 0; pos < len; pos += seg)
		sip_stream_push(&stream, data + pos, len - pos < seg ? len - pos : seg, record,
				rec);
	sip_stream_finish(&stream, record, rec);
	sip_stream_free(&stream);
}

static void test_several_messages_and_keepalives(void **state)
{
	(void)state;
	char *m1 = make_message(1, 0), *m2 = make_message(2, 50);
	char data[4096];
	int len = snprintf(data, sizeof(data), "\r\n\r\n%s\r\n%s\r\n\r\n", m1, m2);
	struct recorder rec;

	feed(&rec, data, (size_t)len, (size_t)len, 0);
	assert_int_equal(rec.count, 5);
	assert_int_equal(rec.frames[0].kind, SIP_FRAME_KEEPALIVE); /* ping */
	assert_int_equal(rec.frames[0].len, 4);
	assert_int_equal(rec.frames[1].kind, SIP_FRAME_MESSAGE);
	assert_int_equal(rec.frames[1].offset, 4);
	assert_int_equal(rec.frames[1].cseq, 1);
	assert_int_equal(rec.frames[1].msg_error, SIP_PROBLEM_NONE);
	assert_int_equal(rec.frames[2].kind, SIP_FRAME_KEEPALIVE); /* pong */
	assert_int_equal(rec.frames[2].len, 2);
	assert_int_equal(rec.frames[3].kind, SIP_FRAME_MESSAGE);
	assert_int_equal(rec.frames[3].cseq, 2);
	assert_int_equal(rec.frames[3].body_len, 50);
	assert_int_equal(rec.frames[4].kind, SIP_FRAME_KEEPALIVE);
	assert_int_equal(rec.frames[4].len, 4);
	free(m1);
	free(m2);
}

/* One message across many segments, down to one byte at a time: same result every time. */
static void test_message_across_segments(void **state)
{
	(void)state;
	char *m = make_message(7, 3000);
	size_t len = strlen(m);
	static const size_t segments[] = {1, 2, 7, 100, 1460, 4096};
	struct recorder rec;

	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
		feed(&rec, m, len, segments[i], 0);
		assert_int_equal(rec.count, 1);
		assert_int_equal(rec.frames[0].kind, SIP_FRAME_MESSAGE);
		assert_int_equal(rec.frames[0].len, len);
		assert_int_equal(rec.frames[0].cseq, 7);
		assert_int_equal(rec.frames[0].body_len, 3000);
	}
	free(m);
}

/* A 65 KB body (as in the sip-body-large capture) in MSS-sized segments. */
static void test_large_body(void **state)
{
	(void)state;
	char *m = make_message(9, 65000);
	struct recorder rec;

	feed(&rec, m, strlen(m), 1448, 0);
	assert_int_equal(rec.count, 1);
	assert_int_equal(rec.frames[0].body_len, 65000);
	free(m);
}

static void test_resync_after_garbage(void **state)
{
	(void)state;
	char *m = make_message(3, 10);
	char data[4096];
	/* garbage glued to a method name without a separator would read as part of it */
	const char *junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\nrandom bytes\r\n";
	int len = snprintf(data, sizeof(data), "%s%s", junk, m);
	struct recorder rec;

	feed(&rec, data, (size_t)len, 5, 0);
	assert_int_equal(rec.count, 2);
	assert_int_equal(rec.frames[0].kind, SIP_FRAME_SKIPPED);
	assert_int_equal(rec.frames[0].offset, 0);
	assert_int_equal(rec.frames[0].len, strlen(junk));
	assert_int_not_equal(rec.frames[0].problem, SIP_PROBLEM_NONE);
	assert_int_equal(rec.frames[1].kind, SIP_FRAME_MESSAGE);
	assert_int_equal(rec.frames[1].offset, strlen(junk));
	assert_int_equal(rec.frames[1].cseq, 3);

	/* NUL padding glued to a request line, as in the sip-junk-before-request capture */
	char glued[4096];
	memset(glued, 0, 4);
	memcpy(glued + 4, m, strlen(m));
	feed(&rec, glued, 4 + strlen(m), 4 + strlen(m), 0);
	assert_int_equal(rec.count, 2);
	assert_int_equal(rec.frames[0].kind, SIP_FRAME_SKIPPED);
	assert_int_equal(rec.frames[0].len, 4);
	assert_int_equal(rec.frames[0].problem, SIP_ERR_NUL_BYTE);
	assert_int_equal(rec.frames[1].cseq, 3);
	free(m);
}

/* A framed but invalid message is delivered with its error; the next one still parses. */
static void test_invalid_message_keeps_framing(void **state)
{
	(void)state;
	char *m = make_message(4, 0);
	char data[4096];
	int len = snprintf(data, sizeof(data),
			   "BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
			   "Content-Length: 0\r\n\r\n%s",
			   m);
	struct recorder rec;

	feed(&rec, data, (size_t)len, 16, 0);
	assert_int_equal(rec.count, 2);
	assert_int_equal(rec.frames[0].kind, SIP_FRAME_MESSAGE);
	assert_int_equal(rec.frames[0].msg_error, SIP_ERR_MISSING_CALL_ID);
	assert_int_equal(rec.frames[1].cseq, 4);
	assert_int_equal(rec.frames[1].msg_error, SIP_PROBLEM_NONE);
	free(m);
}

static void test_truncated_at_end(void **state)
{
	(void)state;
	char *m = make_message(5, 100);
	size_t len = strlen(m);
	struct recorder rec;

	feed(&rec, m, len - 10, 64, 0);
	assert_int_equal(rec.count, 1);
	assert_int_equal(rec.frames[0].kind, SIP_FRAME_TRUNCATED);
	assert_int_equal(rec.frames[0].len, len - 10);
	assert_int_equal(rec.frames[0].problem, SIP_ERR_TRUNCATED);
	free(m);
}

/* A message above the stream's bound is reported and skipped exactly (its Content-Length is
 * known), and the following message is framed normally. */
static void test_too_big(void **state)
{
	(void)state;
	char *big = make_message(6, 40000), *next = make_message(8, 0);
	size_t big_len = strlen(big), next_len = strlen(next);
	char *data = malloc(big_len + next_len);
	memcpy(data, big, big_len);
	memcpy(data + big_len, next, next_len);
	struct recorder rec;

	feed(&rec, data, big_len + next_len, 1460, SIP_STREAM_MIN_MESSAGE_BYTES);
	assert_int_equal(rec.count, 2);
	assert_int_equal(rec.frames[0].kind, SIP_FRAME_SKIPPED);
	assert_int_equal(rec.frames[0].problem, SIP_ERR_TOO_BIG);
	assert_int_equal(rec.frames[0].len, big_len);
	assert_int_equal(rec.frames[1].kind, SIP_FRAME_MESSAGE);
	assert_int_equal(rec.frames[1].offset, big_len);
	assert_int_equal(rec.frames[1].cseq, 8);
	free(big);
	free(next);
	free(data);
}

/* A long stream of bytes that are no SIP (another protocol's plaintext in TLS records, no line
 * break in 200 KB), with "SIP/2.0" inside it that starts no line: one SKIPPED frame, whatever
 * the segments, and the message after it framed where it starts. The segments that skip
 * without framing (a line too long, nothing that could start a message) must end where
 * framing the whole input at once ends. */
static void test_long_run_without_sip(void **state)
{
	(void)state;
	char *m = make_message(9, 20);
	size_t run = 200000, m_len = strlen(m);
	char *data = malloc(run + 2 + m_len);
	static const size_t segs[] = {600, 1, 16385, 200002};
	struct recorder rec;

	memset(data, 'x', run);
	memcpy(data + 70000, "SIP/2.0", 7);	   /* glued to the bytes before and after */
	memcpy(data + 150000, "xSIP/2.0 20x", 12); /* no status code */
	data[120000] = '\r';
	memcpy(data + run, "\r\n", 2);
	memcpy(data + run + 2, m, m_len);
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		feed(&rec, data, run + 2 + m_len, segs[i], 64 * 1024);
		assert_int_equal(rec.count, 2);
		assert_int_equal(rec.frames[0].kind, SIP_FRAME_SKIPPED);
		assert_int_equal(rec.frames[0].offset, 0);
		assert_int_equal(rec.frames[0].len, run + 2);
		assert_int_equal(rec.frames[0].problem, SIP_ERR_START_LINE_TOO_LONG);
		assert_int_equal(rec.frames[1].kind, SIP_FRAME_MESSAGE);
		assert_int_equal(rec.frames[1].offset, run + 2);
		assert_int_equal(rec.frames[1].cseq, 9);
	}
	free(m);
	free(data);
}

/* The stateless core: incomplete is not an error, and it says how much to wait for. */
static void test_stateless_core(void **state)
{
	(void)state;
	char *m = make_message(10, 500);
	size_t len = strlen(m), need = 0;
	struct sip_message msg;
	struct sip_frame frame;

	assert_false(sip_frame_next(m, len - 100, false, &msg, &frame, &need));
	assert_int_equal(need, len);
	assert_true(sip_frame_next(m, len, false, &msg, &frame, &need));
	assert_int_equal(frame.kind, SIP_FRAME_MESSAGE);
	assert_int_equal(frame.len, len);
	assert_ptr_equal(frame.data, m);
	assert_true(sip_frame_next(m, len - 100, true, &msg, &frame, &need));
	assert_int_equal(frame.kind, SIP_FRAME_TRUNCATED);
	/* "\r\n\r" could still become a ping: wait for one more byte */
	assert_false(sip_frame_next("\r\n\r", 3, false, &msg, &frame, &need));
	assert_true(sip_frame_next("\r\n\r\n", 4, false, &msg, &frame, &need));
	assert_int_equal(frame.kind, SIP_FRAME_KEEPALIVE);
	assert_int_equal(frame.len, 4);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_several_messages_and_keepalives),
	    cmocka_unit_test(test_message_across_segments),
	    cmocka_unit_test(test_large_body),
	    cmocka_unit_test(test_resync_after_garbage),
	    cmocka_unit_test(test_invalid_message_keeps_framing),
	    cmocka_unit_test(test_truncated_at_end),
	    cmocka_unit_test(test_too_big),
	    cmocka_unit_test(test_long_run_without_sip),
	    cmocka_unit_test(test_stateless_core),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
