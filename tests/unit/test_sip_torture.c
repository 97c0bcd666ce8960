/*
 * RFC 4475 (SIP torture test messages) as they apply to siptrail's decoder, which reads what
 * others sent and never answers: each case is a message written here for this test, built to
 * carry the property of the RFC's message named beside it (the RFC's own texts are not copied).
 * Valid messages (§3.1.1) must decode, with the fields the correlator reads; invalid ones
 * (§3.1.2, §3.3) must be flagged, with an error when the message cannot be understood and a
 * warning naming the rule when it can still be read as written. Cases about what a proxy or
 * UA must answer (§3.2, §3.4) or about URI semantics do not apply to a decoder and are left
 * out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sip_fields.h"
#include "sip_message.h"

static struct sip_message msg;

static enum sip_parse_result parse_datagram(const char *text)
{
	return sip_message_parse(text, strlen(text), SIP_PARSE_DATAGRAM, &msg);
}

static bool view_is(struct sip_view view, const char *expected)
{
	return view.len == strlen(expected) && !memcmp(view.ptr, expected, view.len);
}

static bool has_warning(enum sip_problem_code code)
{
	for (unsigned i = 0; i < msg.warning_count; i++)
		if (msg.warnings[i].code == code)
			return true;
	return false;
}

#define HEADERS_REST                                                                               \
	"Max-Forwards: 70\r\n"                                                                     \
	"From: <sip:caller@example.com>;tag=1\r\n"                                                 \
	"To: <sip:callee@example.net>\r\n"

/* §3.1.1.1 (wsinv): header names in any case, compact forms, whitespace around the colon,
 * folded lines (LWS with CRLF), several values in one Via header. */
static void test_valid_whitespace_case_folding_compact(void **state)
{
	const char *text = "INVITE sip:callee@example.net SIP/2.0\r\n"
			   "TO :\r\n"
			   " <sip:callee@example.net>\r\n"
			   "from   :  \"Caller\"\t<sip:caller@example.com>\r\n"
			   "  ;tag=98asjd8\r\n"
			   "MaX-fOrWaRdS: 0068\r\n"
			   "i: ws-torture.0ha0isndaksdj@192.0.2.4\r\n"
			   "cseq: 0009\r\n"
			   "  INVITE\r\n"
			   "v  : SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-aa,\r\n"
			   " SIP/2.0/UDP 192.0.2.1:5060 ;branch = z9hG4bK-bb\r\n"
			   "l: 0\r\n"
			   "\r\n";
	(void)state;

	assert_int_equal(parse_datagram(text), SIP_PARSE_OK);
	assert_true(view_is(msg.call_id, "ws-torture.0ha0isndaksdj@192.0.2.4"));
	assert_int_equal(msg.cseq, 9);
	assert_int_equal(msg.cseq_method_id, SIP_METHOD_INVITE);
	assert_int_equal(msg.max_forwards, 68);
	assert_true(msg.has_from && msg.has_to);
	assert_true(view_is(msg.from.tag, "98asjd8"));
	assert_int_equal(msg.via_count, 2);
	assert_true(view_is(msg.via[0].branch, "z9hG4bK-aa"));
	assert_int_equal(msg.content_length, 0);
	assert_int_equal(msg.warning_count, 0);
}

/* §3.1.1.2 (intmeth): an extension method is any token, the CSeq names the same one. */
static void test_valid_extension_method(void **state)
{
	const char *text =
	    "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!"
	    "sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
	    "@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n" HEADERS_REST
	    "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
	    "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n";
	(void)state;

	assert_int_equal(parse_datagram(text), SIP_PARSE_OK);
	assert_int_equal(msg.kind, SIP_KIND_REQUEST);
	assert_int_equal(msg.method_id, SIP_METHOD_UNKNOWN);
	assert_true(view_is(msg.method, "!interesting-Method0123456789_*+`.%indeed'~"));
	assert_int_equal(msg.cseq, 139122385);
	assert_false(has_warning(SIP_WARN_CSEQ_METHOD));
	assert_true(view_is(msg.call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"));
}

/* §3.1.1.3 (esc01), §3.1.1.5 (escnull): escaped bytes in the Request-URI, %00 among them, are
 * three characters, not a NUL. */
static void test_valid_escapes_in_uri(void **state)
{
	const char *text = "OPTIONS sip:%61lice%00nul@example.com SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-esc\r\n" HEADERS_REST
			   "Call-ID: esc01.239409asdfakjkn23onasd0-3234\r\n"
			   "CSeq: 234234 OPTIONS\r\n"
			   "Content-Length: 0\r\n"
			   "\r\n";
	(void)state;

	assert_int_equal(parse_datagram(text), SIP_PARSE_OK);
	assert_int_equal(msg.method_id, SIP_METHOD_OPTIONS);
	assert_true(view_is(msg.ruri, "sip:%61lice%00nul@example.com"));
	assert_int_equal(msg.warning_count, 0);
}

/* §3.1.1.7 (lwsdisp): no whitespace between a display name and '<'. */
static void test_valid_display_name_without_space(void **state)
{
	const char *text = "OPTIONS sip:user@example.com SIP/2.0\r\n"
			   "To: sip:user@example.com\r\n"
			   "From: caller<sip:caller@example.com>;tag=323\r\n"
			   "Max-Forwards: 70\r\n"
			   "Call-ID: lwsdisp.1234abcd@funky.example.com\r\n"
			   "CSeq: 60 OPTIONS\r\n"
			   "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\r\n"
			   "l: 0\r\n"
			   "\r\n";
	(void)state;

	assert_int_equal(parse_datagram(text), SIP_PARSE_OK);
	assert_true(view_is(msg.from.display, "caller"));
	assert_true(view_is(msg.from.uri, "sip:caller@example.com"));
	assert_true(view_is(msg.from.tag, "323"));
	assert_true(view_is(msg.to.uri, "sip:user@example.com"));
	assert_int_equal(msg.warning_count, 0);
}

/* §3.1.1.9 (dblreq): a datagram holding a REGISTER with Content-Length 0 and then an INVITE:
 * the bytes after the first message are not part of it (RFC 3261 §18.3); it is kept, the
 * rest flagged. */
static void test_datagram_with_second_message_keeps_the_first(void **state)
{
	const char *first = "REGISTER sip:example.com SIP/2.0\r\n"
			    "To: sip:j.user@example.com\r\n"
			    "From: sip:j.user@example.com;tag=43251j3j324\r\n"
			    "Max-Forwards: 8\r\n"
			    "Call-ID: dblreq.0ha0isndaksdj99sdfafnl3lk233412\r\n"
			    "Contact: sip:j.user@host.example.com\r\n"
			    "CSeq: 8 REGISTER\r\n"
			    "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492\r\n"
			    "Content-Length: 0\r\n"
			    "\r\n";
	const char *second = "INVITE sip:joe@example.com SIP/2.0\r\n"
			     "t: sip:joe@example.com\r\n"
			     "From: sip:caller@example.net;tag=141334\r\n"
			     "Max-Forwards: 8\r\n"
			     "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\r\n"
			     "CSeq: 8 INVITE\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\r\n"
			     "Content-Length: 0\r\n"
			     "\r\n";
	char datagram[1024];
	(void)state;

	snprintf(datagram, sizeof(datagram), "%s%s", first, second);
	assert_int_equal(parse_datagram(datagram), SIP_PARSE_OK);
	assert_int_equal(msg.method_id, SIP_METHOD_REGISTER);
	assert_true(view_is(msg.call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412"));
	assert_int_equal(msg.cseq_method_id, SIP_METHOD_REGISTER);
	assert_int_equal(msg.body.len, 0);
	assert_true(has_warning(SIP_WARN_TRAILING_BYTES));

	/* what the correlator takes from such a datagram: the REGISTER, with the warning */
	struct sip_fields fields;
	char err[160];
	assert_int_equal(
	    sip_fields_decode(datagram, strlen(datagram), true, &fields, err, sizeof(err)), 0);
	assert_string_equal(fields.call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
	assert_int_equal(fields.values.method, SIP_METHOD_REGISTER);
	assert_int_equal(fields.values.warning.code, SIP_WARN_TRAILING_BYTES);
}

/* §3.1.1.11 (transports): Via transports siptrail does not know are still Vias. */
static void test_valid_unknown_via_transports(void **state)
{
	const char *text =
	    "OPTIONS sip:user@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\r\n"
	    "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n"
	    "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\r\n"
	    "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n"
	    "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\r\n" HEADERS_REST
	    "Call-ID: transports.kijh4akdnaqjkwendsasfdj\r\n"
	    "CSeq: 60 OPTIONS\r\n"
	    "l: 0\r\n"
	    "\r\n";
	(void)state;

	assert_int_equal(parse_datagram(text), SIP_PARSE_OK);
	assert_int_equal(msg.via_count, 5);
	assert_true(view_is(msg.via[3].transport, "UNKNOWN"));
	assert_int_equal(msg.warning_count, 0);
}

/* §3.1.1.13 (unreason), §3.1.1.14 (noreason): a reason phrase of UTF-8 and odd bytes, or
 * none at all. */
static void test_valid_reason_phrases(void **state)
{
	const char *odd = "SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe \xe4\xb8\x80\r\n"
			  "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n"
			  "Call-ID: unreason.1234ksdfak3j2erwedfsASdf\r\n"
			  "CSeq: 35 INVITE\r\n"
			  "From: sip:user@example.com;tag=11141343\r\n"
			  "To: sip:user@example.edu;tag=2229\r\n"
			  "Content-Length: 0\r\n"
			  "\r\n";
	const char *none = "SIP/2.0 100 \r\n"
			   "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
			   "Call-ID: noreason.asndj203insdf99223ndf\r\n"
			   "CSeq: 35 INVITE\r\n"
			   "From: <sip:user@example.com>;tag=39ansfi3\r\n"
			   "To: <sip:user@example.edu>;tag=902jndnke3\r\n"
			   "Content-Length: 0\r\n"
			   "\r\n";
	(void)state;

	assert_int_equal(parse_datagram(odd), SIP_PARSE_OK);
	assert_int_equal(msg.status, 200);
	assert_int_equal(parse_datagram(none), SIP_PARSE_OK);
	assert_int_equal(msg.status, 100);
	assert_int_equal(msg.reason_phrase.len, 0);
}

#define INVALID_START "INVITE sip:user@example.com SIP/2.0\r\n"
#define INVALID_VIA   "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-torture\r\n"

struct invalid_case {
	const char *rfc; /* the RFC 4475 section whose property the message carries */
	const char *text;
	enum sip_problem_code problem; /* an error (SIP_PARSE_INVALID) or a warning (OK) */
};

static const struct invalid_case invalid_cases[] = {
    /* Content-Length larger than the datagram's body */
    {"3.1.2.2 clerr",
     INVALID_START INVALID_VIA HEADERS_REST "Call-ID: clerr.0ha0isndaksdjweiafasdk3\r\n"
					    "CSeq: 8 INVITE\r\nContent-Length: 9999\r\n\r\nv=0\r\n",
     SIP_ERR_BODY_TRUNCATED},
    /* negative Content-Length */
    {"3.1.2.3 scalar02",
     INVALID_START INVALID_VIA HEADERS_REST "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\r\n"
					    "CSeq: 8 INVITE\r\nContent-Length: -999\r\n\r\n",
     SIP_ERR_CONTENT_LENGTH},
    /* numbers past what their fields hold */
    {"3.1.2.4 scalarlg (CSeq)",
     INVALID_START INVALID_VIA HEADERS_REST "Call-ID: scalarlg.98asdh@192.0.2.1\r\n"
					    "CSeq: 36893488147419103232 INVITE\r\n"
					    "Content-Length: 0\r\n\r\n",
     SIP_ERR_CSEQ},
    {"3.1.2.4 scalarlg (Content-Length)",
     INVALID_START INVALID_VIA HEADERS_REST "Call-ID: scalarlg.98asdh@192.0.2.2\r\n"
					    "CSeq: 8 INVITE\r\n"
					    "Content-Length: 18446744073709551618\r\n\r\n",
     SIP_ERR_CONTENT_LENGTH},
    {"3.1.2.4 scalarlg (Max-Forwards)",
     INVALID_START INVALID_VIA "Max-Forwards: 300\r\nFrom: <sip:a@example.com>;tag=1\r\n"
			       "To: <sip:b@example.net>\r\nCall-ID: scalarlg.98asdh@192.0.2.3\r\n"
			       "CSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n",
     SIP_WARN_NUMBER},
    /* a quoted display name without its closing quote */
    {"3.1.2.5 quotbal",
     INVALID_START INVALID_VIA "Max-Forwards: 70\r\n"
			       "From: \"Caller <sip:caller@example.com>;tag=1\r\n"
			       "To: <sip:b@example.net>\r\nCall-ID: quotbal.aksdj@192.0.2.1\r\n"
			       "CSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n",
     SIP_WARN_QUOTED_STRING},
    /* the Request-URI in angle brackets */
    {"3.1.2.6 ltgtruri",
     "INVITE <sip:user@example.com> SIP/2.0\r\n" INVALID_VIA HEADERS_REST
     "Call-ID: ltgtruri.1@192.0.2.5\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
     SIP_WARN_REQUEST_URI},
    /* more than one SP between the parts of the start line */
    {"3.1.2.8 lwsstart",
     "INVITE  sip:user@example.com  SIP/2.0\r\n" INVALID_VIA HEADERS_REST
     "Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com\r\nCSeq: 1111 INVITE\r\n"
     "Content-Length: 0\r\n\r\n",
     SIP_WARN_START_LINE_SPACE},
    /* Content-Length given twice, differently */
    {"3.1.2.11 mcl01",
     "OPTIONS sip:user@example.com SIP/2.0\r\n" INVALID_VIA HEADERS_REST
     "Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf\r\nCSeq: 15932 OPTIONS\r\n"
     "Content-Length: 13\r\nContent-Length: 5\r\n\r\n",
     SIP_ERR_CONTENT_LENGTH_CONFLICT},
    /* a SIP version that is not 2.0 */
    {"3.1.2.15 badvers",
     "OPTIONS sip:t.watson@example.org SIP/7.0\r\n" INVALID_VIA HEADERS_REST
     "Call-ID: badvers.kgh4akdnaqjkwendsasfdj\r\nCSeq: 60 OPTIONS\r\nl: 0\r\n\r\n",
     SIP_ERR_VERSION},
    /* CSeq's method is not the request's */
    {"3.1.2.16 mismatch01",
     "OPTIONS sip:user@example.com SIP/2.0\r\n" INVALID_VIA HEADERS_REST
     "Call-ID: mismatch01.dj0234sxdfl3\r\nCSeq: 8 INVITE\r\nl: 0\r\n\r\n",
     SIP_WARN_CSEQ_METHOD},
    {"3.1.2.17 mismatch02",
     "NEWMETHOD sip:user@example.com SIP/2.0\r\n" INVALID_VIA HEADERS_REST
     "Call-ID: mismatch02.dj0234sxdfl3\r\nCSeq: 8 INVITE\r\nl: 0\r\n\r\n",
     SIP_WARN_CSEQ_METHOD},
    /* a status code out of range */
    {"3.1.2.18 bigcode",
     "SIP/2.0 4294967301 better not break the receiver\r\n" INVALID_VIA
     "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\r\nCSeq: 353494 INVITE\r\n"
     "From: <sip:user@example.com>;tag=39ansfi3\r\nTo: <sip:user@example.edu>;tag=902jndnke3\r\n"
     "Content-Length: 0\r\n\r\n",
     SIP_ERR_STATUS_CODE},
    /* §3.3.1 (insuf): without the headers that identify the transaction */
    {"3.3.1 insuf (Call-ID)",
     INVALID_START INVALID_VIA HEADERS_REST "CSeq: 193942 INVITE\r\nl: 0\r\n\r\n",
     SIP_ERR_MISSING_CALL_ID},
    {"3.3.1 insuf (From)",
     INVALID_START INVALID_VIA
     "Max-Forwards: 70\r\nTo: <sip:b@example.net>\r\n"
     "Call-ID: insuf.dj9234fj@192.0.2.1\r\nCSeq: 193942 INVITE\r\nl: 0\r\n\r\n",
     SIP_WARN_MISSING_FROM},
};

static void test_invalid_messages_flagged(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		const struct invalid_case *c = &invalid_cases[i];
		enum sip_parse_result result = parse_datagram(c->text);

		print_message("RFC 4475 §%s\n", c->rfc);
		if (sip_problem_is_error(c->problem)) {
			assert_int_equal(result, SIP_PARSE_INVALID);
			assert_int_equal(msg.error.code, c->problem);
		} else {
			assert_int_equal(result, SIP_PARSE_OK);
			assert_true(has_warning(c->problem));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_whitespace_case_folding_compact),
	    cmocka_unit_test(test_valid_extension_method),
	    cmocka_unit_test(test_valid_escapes_in_uri),
	    cmocka_unit_test(test_valid_display_name_without_space),
	    cmocka_unit_test(test_datagram_with_second_message_keeps_the_first),
	    cmocka_unit_test(test_valid_unknown_via_transports),
	    cmocka_unit_test(test_valid_reason_phrases),
	    cmocka_unit_test(test_invalid_messages_flagged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
