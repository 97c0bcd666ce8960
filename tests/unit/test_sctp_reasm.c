/* SCTP user messages from DATA chunks (RFC 9260 §6.9): whole chunks, fragments joined in TSN
 * order, retransmissions ignored, a missing fragment dropping its message, directions and
 * streams apart, the oldest message evicted when the table is full. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sctp_reasm.h"

static struct sctp_data chunk(uint32_t tsn, uint16_t stream, bool begin, bool end, const char *text)
{
	return (struct sctp_data){.data = (const uint8_t *)text,
				  .len = strlen(text),
				  .tsn = tsn,
				  .stream = stream,
				  .begin = begin,
				  .end = end};
}

static int add(struct sctp_reasm *r, const char *key, struct sctp_data c, const char **msg,
	       size_t *len)
{
	return sctp_reasm_add(r, key, strlen(key), &c, (const uint8_t **)msg, len);
}

static void test_fragments(void **state)
{
	(void)state;
	struct sctp_reasm *r = sctp_reasm_new();
	const char *msg;
	size_t len;

	assert_non_null(r);
	assert_int_equal(add(r, "ab", chunk(1, 0, true, true, "whole"), &msg, &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(msg, "whole", 5);

	/* two messages interleaved: other direction, other stream */
	assert_int_equal(add(r, "ab", chunk(10, 0, true, false, "one-"), &msg, &len), 0);
	assert_int_equal(add(r, "ba", chunk(10, 0, true, false, "back-"), &msg, &len), 0);
	assert_int_equal(add(r, "ab", chunk(20, 1, true, false, "two-"), &msg, &len), 0);
	assert_int_equal(add(r, "ab", chunk(11, 0, false, false, "mid-"), &msg, &len), 0);
	assert_int_equal(add(r, "ab", chunk(11, 0, false, false, "mid-"), &msg, &len),
			 0); /* again */
	assert_int_equal(add(r, "ab", chunk(12, 0, false, true, "end"), &msg, &len), 1);
	assert_int_equal(len, strlen("one-mid-end"));
	assert_memory_equal(msg, "one-mid-end", len);
	assert_int_equal(add(r, "ba", chunk(11, 0, false, true, "end"), &msg, &len), 1);
	assert_memory_equal(msg, "back-end", len);

	/* a fragment missing: the message is dropped, never guessed */
	assert_int_equal(add(r, "ab", chunk(22, 1, false, true, "end"), &msg, &len), 0);
	assert_int_equal(add(r, "ab", chunk(21, 1, false, true, "end"), &msg, &len), 0);
	/* without a first fragment: nothing */
	assert_int_equal(add(r, "cd", chunk(5, 0, false, true, "end"), &msg, &len), 0);

	/* the table full: the oldest message goes */
	char key[16];
	for (int i = 0; i <= SCTP_REASM_MAX_MESSAGES; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(add(r, key, chunk(100, 0, true, false, "x"), &msg, &len), 0);
	}
	assert_int_equal(add(r, "k0", chunk(101, 0, false, true, "y"), &msg, &len), 0);
	assert_int_equal(add(r, "k1", chunk(101, 0, false, true, "y"), &msg, &len), 1);
	assert_memory_equal(msg, "xy", 2);
	sctp_reasm_free(r);
}

/* Found by fuzz_packet under UBSan: an empty first fragment, before the slot has a buffer,
 * copied nothing from a null pointer. Empty fragments join as nothing. */
static void test_empty_fragments(void **state)
{
	(void)state;
	struct sctp_reasm *r = sctp_reasm_new();
	const char *msg;
	size_t len;

	assert_non_null(r);
	assert_int_equal(add(r, "ab", chunk(1, 0, true, false, ""), &msg, &len), 0);
	assert_int_equal(add(r, "ab", chunk(2, 0, false, false, "body"), &msg, &len), 0);
	assert_int_equal(add(r, "ab", chunk(3, 0, false, true, ""), &msg, &len), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(msg, "body", 4);
	sctp_reasm_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fragments),
	    cmocka_unit_test(test_empty_fragments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
