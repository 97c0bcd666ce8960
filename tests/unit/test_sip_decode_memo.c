/* The correlator's decode memo: every answer is what a fresh decode of the same bytes gives,
 * whether it came from the parser or from the last message's copy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sip_decode_memo.h"

static const char options[] = "OPTIONS sip:b@example.net SIP/2.0\r\n"
			      "Via: SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK1\r\n"
			      "From: <sip:a@example.net>;tag=f1\r\n"
			      "To: <sip:b@example.net>\r\n"
			      "Call-ID: memo-1\r\n"
			      "CSeq: 7 OPTIONS\r\n"
			      "Max-Forwards: 70\r\n"
			      "Content-Length: 0\r\n\r\n";

static const char ok[] = "SIP/2.0 200 OK\r\n"
			 "Via: SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK1\r\n"
			 "From: <sip:a@example.net>;tag=f1\r\n"
			 "To: <sip:b@example.net>;tag=t2\r\n"
			 "Call-ID: memo-1\r\n"
			 "CSeq: 7 OPTIONS\r\n"
			 "Content-Length: 0\r\n\r\n";

/* No Content-Length: a datagram's length is its own, a stream cannot frame it. */
static const char no_length[] = "BYE sip:b@example.net SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2\r\n"
				"From: <sip:a@example.net>;tag=f1\r\n"
				"To: <sip:b@example.net>;tag=t2\r\n"
				"Call-ID: memo-2\r\n"
				"CSeq: 8 BYE\r\n\r\n";

/* RAW (copied to a buffer of its own, scribbled over afterwards, as an event's text is) is
 * answered as sip_fields_decode answers it. */
static void assert_as_fresh(struct sip_decode_memo *memo, const char *raw, bool datagram)
{
	char copy[1024], fresh_err[160];
	size_t len = strlen(raw);
	const struct sip_fields *fields;
	struct sip_fields fresh;
	const char *err;
	int rc, fresh_rc;

	memcpy(copy, raw, len);
	rc = sip_decode_memo_get(memo, copy, len, datagram, &fields, &err);
	memset(copy, 'x', len);
	fresh_rc = sip_fields_decode(raw, len, datagram, &fresh, fresh_err, sizeof(fresh_err));
	assert_int_equal(rc, fresh_rc);
	if (rc)
		assert_string_equal(err, fresh_err);
	assert_memory_equal(fields, &fresh, sizeof(fresh));
}

static void test_a_repeated_message_is_decoded_the_same(void **state)
{
	struct sip_decode_memo *memo = sip_decode_memo_new();

	(void)state;
	assert_non_null(memo);
	assert_as_fresh(memo, options, false);
	assert_as_fresh(memo, options, false); /* the second local socket's copy */
	assert_as_fresh(memo, ok, false);
	assert_as_fresh(memo, ok, false);
	assert_as_fresh(memo, options, false);
	sip_decode_memo_free(memo);
}

static void test_the_transport_is_part_of_the_answer(void **state)
{
	struct sip_decode_memo *memo = sip_decode_memo_new();

	(void)state;
	assert_non_null(memo);
	assert_as_fresh(memo, no_length, true);
	assert_as_fresh(memo, no_length, false);
	assert_as_fresh(memo, no_length, false);
	assert_as_fresh(memo, no_length, true);
	sip_decode_memo_free(memo);
}

static void test_an_undecodable_message_stays_undecodable(void **state)
{
	struct sip_decode_memo *memo = sip_decode_memo_new();

	(void)state;
	assert_non_null(memo);
	assert_as_fresh(memo, "not SIP at all\r\n\r\n", false);
	assert_as_fresh(memo, "not SIP at all\r\n\r\n", false);
	assert_as_fresh(memo, "", false);
	assert_as_fresh(memo, "", false);
	assert_as_fresh(memo, options, false);
	sip_decode_memo_free(memo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_repeated_message_is_decoded_the_same),
	    cmocka_unit_test(test_the_transport_is_part_of_the_answer),
	    cmocka_unit_test(test_an_undecodable_message_stays_undecodable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
