/* SIP framing per connection for TLS plaintext chunks: messages split across chunks, both
 * directions apart, garbage skipped, and a connection that ends with bytes still unframed
 * (non-SIP plaintext on a traced TLS port crashed siptrail live at its conn_end). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sip_conn_streams.h"

#define OPTIONS                                                                                    \
	"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TLS h;branch=z9hG4bK1\r\n"                        \
	"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n"             \
	"Content-Length: 0\r\n\r\n"

struct frames_seen {
	int messages, skipped;
	size_t skipped_bytes;
};

static void count_frame(const struct sip_frame *frame, void *ctx)
{
	struct frames_seen *seen = ctx;

	if (frame->kind == SIP_FRAME_MESSAGE)
		seen->messages++;
	else if (frame->kind == SIP_FRAME_SKIPPED) {
		seen->skipped++;
		seen->skipped_bytes += frame->len;
	}
}

static void test_message_split_across_chunks(void **state)
{
	struct sip_conn_streams table;
	struct frames_seen seen = {0};
	size_t half = strlen(OPTIONS) / 2;

	(void)state;
	assert_int_equal(sip_conn_streams_init(&table, 16), 0);
	assert_int_equal(sip_conn_streams_push(&table, 7, true, OPTIONS, half, count_frame, &seen),
			 0);
	/* the other direction of the same connection is a stream of its own */
	assert_int_equal(sip_conn_streams_push(&table, 7, false, OPTIONS, half, count_frame, &seen),
			 0);
	assert_int_equal(seen.messages, 0);
	assert_int_equal(sip_conn_streams_push(&table, 7, true, OPTIONS + half,
					       strlen(OPTIONS) - half, count_frame, &seen),
			 0);
	assert_int_equal(seen.messages, 1);
	sip_conn_streams_free(&table);
}

static void test_end_with_unframed_bytes(void **state)
{
	struct sip_conn_streams table;
	struct frames_seen seen = {0};
	char garbage[600];

	(void)state;
	memset(garbage, 'x', sizeof(garbage));
	assert_int_equal(sip_conn_streams_init(&table, 16), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(sip_conn_streams_push(&table, 9, i % 2, garbage, sizeof(garbage),
						       count_frame, &seen),
				 0);
	assert_int_equal(sip_conn_streams_push(&table, 10, true, OPTIONS, 20, count_frame, &seen),
			 0);
	assert_int_equal(table.count, 3);
	sip_conn_streams_end(&table, 9);
	sip_conn_streams_end(&table, 10);
	sip_conn_streams_end(&table, 11); /* never seen: nothing to do */
	assert_int_equal(table.count, 0);
	assert_int_equal(seen.messages, 0);
	/* a connection id used again starts from an empty stream */
	assert_int_equal(
	    sip_conn_streams_push(&table, 10, true, OPTIONS, strlen(OPTIONS), count_frame, &seen),
	    0);
	assert_int_equal(seen.messages, 1);
	sip_conn_streams_free(&table);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_message_split_across_chunks),
	    cmocka_unit_test(test_end_with_unframed_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
