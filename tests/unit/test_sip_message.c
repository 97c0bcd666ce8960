/* SIP message parser tests, written from RFC 3261 (§7, §20, §25), RFC 4028, RFC 3581, RFC 5923
 * and the RFC 5118 IPv6 torture messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sip_message.h"

static struct sip_message msg;

static enum sip_parse_result parse_stream(const char *text)
{
	return sip_message_parse(text, strlen(text), SIP_PARSE_STREAM, &msg);
}

static void assert_view(struct sip_view view, const char *expected)
{
	if (!expected) {
		assert_null(view.ptr);
		return;
	}
	assert_non_null(view.ptr);
	char copy[4096];
	assert_true(view.len < sizeof(copy));
	memcpy(copy, view.ptr, view.len);
	copy[view.len] = '\0';
	assert_string_equal(copy, expected);
}

static bool has_warning(enum sip_problem_code code)
{
	for (unsigned i = 0; i < msg.warning_count; i++)
		if (msg.warnings[i].code == code)
			return true;
	return false;
}

#define INVITE_TRUNK                                                                               \
	"INVITE sip:+4930123456@trunk.example.net;transport=tls SIP/2.0\r\n"                       \
	"Via: SIP/2.0/TLS "                                                                        \
	"192.0.2.10:5061;branch=z9hG4bK776asdhds;rport=5061;received=198.51.100.7;alias\r\n"       \
	"Via: SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKnashds8\r\n"                            \
	"Max-Forwards: 70\r\n"                                                                     \
	"To: <sip:+4930123456@trunk.example.net>\r\n"                                              \
	"From: \"Alice \\\"A\\\", Sales\" <sip:alice@pbx.example.com>;tag=1928301774\r\n"          \
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"                                             \
	"CSeq: 314159 INVITE\r\n"                                                                  \
	"Contact: <sip:alice@192.0.2.10:5061;transport=tls>;expires=3600\r\n"                      \
	"Record-Route: <sip:sbc1.example.net;lr>, <sip:sbc2.example.net;lr>\r\n"                   \
	"Route: <sip:core.example.net;lr>\r\n"                                                     \
	"Supported: 100rel, timer\r\n"                                                             \
	"Require: timer\r\n"                                                                       \
	"Session-Expires: 1800;refresher=uac\r\n"                                                  \
	"Min-SE: 90\r\n"                                                                           \
	"Content-Type: application/sdp\r\n"                                                        \
	"Content-Length: 4\r\n"                                                                    \
	"\r\n"                                                                                     \
	"v=0\n"

static void test_invite_all_fields(void **state)
{
	(void)state;
	const char *text = INVITE_TRUNK "NEXT";
	assert_int_equal(parse_stream(text), SIP_PARSE_OK);
	assert_int_equal(msg.length, strlen(INVITE_TRUNK));
	assert_int_equal(msg.kind, SIP_KIND_REQUEST);
	assert_int_equal(msg.method_id, SIP_METHOD_INVITE);
	assert_view(msg.method, "INVITE");
	assert_view(msg.ruri, "sip:+4930123456@trunk.example.net;transport=tls");
	assert_view(msg.call_id, "a84b4c76e66710@pc33.example.com");
	assert_true(msg.has_cseq);
	assert_int_equal(msg.cseq, 314159);
	assert_int_equal(msg.cseq_method_id, SIP_METHOD_INVITE);
	assert_view(msg.from.uri, "sip:alice@pbx.example.com");
	assert_view(msg.from.display, "Alice \\\"A\\\", Sales");
	assert_view(msg.from.tag, "1928301774");
	assert_view(msg.to.uri, "sip:+4930123456@trunk.example.net");
	assert_null(msg.to.tag.ptr);
	assert_int_equal(msg.via_count, 2);
	assert_view(msg.via[0].transport, "TLS");
	assert_view(msg.via[0].host, "192.0.2.10");
	assert_int_equal(msg.via[0].port, 5061);
	assert_view(msg.via[0].branch, "z9hG4bK776asdhds");
	assert_true(msg.via[0].has_rport);
	assert_int_equal(msg.via[0].rport, 5061);
	assert_view(msg.via[0].received, "198.51.100.7");
	assert_true(msg.via[0].has_alias);
	assert_view(msg.via[1].transport, "TCP");
	assert_view(msg.via[1].host, "2001:db8::9");
	assert_true(msg.via[1].host_is_ipv6);
	assert_int_equal(msg.via[1].port, 5070);
	assert_false(msg.via[1].has_alias);
	assert_int_equal(msg.contact_count, 1);
	assert_view(msg.contact[0].uri, "sip:alice@192.0.2.10:5061;transport=tls");
	assert_view(msg.contact[0].transport, "tls");
	assert_int_equal(msg.contact[0].expires_s, 3600);
	assert_int_equal(msg.record_route_count, 2);
	assert_view(msg.record_route[0], "sip:sbc1.example.net;lr");
	assert_view(msg.record_route[1], "sip:sbc2.example.net;lr");
	assert_int_equal(msg.route_count, 1);
	assert_view(msg.route[0], "sip:core.example.net;lr");
	assert_true(msg.has_session_expires);
	assert_int_equal(msg.session_expires_s, 1800);
	assert_int_equal(msg.refresher, SIP_REFRESHER_UAC);
	assert_true(msg.has_min_se);
	assert_int_equal(msg.min_se_s, 90);
	assert_int_equal(msg.supported_count, 2);
	assert_view(msg.supported[1], "timer");
	assert_int_equal(msg.option_flags, SIP_OPT_SUPPORTED_TIMER | SIP_OPT_REQUIRE_TIMER);
	assert_int_equal(msg.max_forwards, 70);
	assert_int_equal(msg.content_length, 4);
	assert_view(msg.body, "v=0\n");
	assert_int_equal(msg.warning_count, 0);
	assert_int_equal(msg.error.code, SIP_PROBLEM_NONE);
}

/* RFC 3261 §7.3.3 compact forms, RFC 4028 'x', lower-case names (§7.3.1: case-insensitive). */
static void test_compact_forms(void **state)
{
	(void)state;
	const char *text = "UPDATE sip:bob@192.0.2.4 SIP/2.0\r\n"
			   "v: SIP/2.0/TCP pc33.example.com;branch=z9hG4bK1\r\n"
			   "max-forwards: 70\r\n"
			   "t: sip:bob@example.com;tag=b1\r\n"
			   "f: <sip:alice@example.com>;tag=a1\r\n"
			   "i: compact-1@example.com\r\n"
			   "cseq: 2 UPDATE\r\n"
			   "m: <sip:alice@pc33.example.com;transport=tcp>\r\n"
			   "k: timer\r\n"
			   "x: 900;refresher=uas\r\n"
			   "s: compact subject\r\n"
			   "c: application/sdp\r\n"
			   "l: 0\r\n"
			   "\r\n";
	assert_int_equal(parse_stream(text), SIP_PARSE_OK);
	assert_view(msg.call_id, "compact-1@example.com");
	assert_view(msg.from.tag, "a1");
	assert_view(msg.to.tag, "b1");
	assert_view(msg.to.uri, "sip:bob@example.com");
	assert_int_equal(msg.via_count, 1);
	assert_view(msg.contact[0].transport, "tcp");
	assert_int_equal(msg.session_expires_s, 900);
	assert_int_equal(msg.refresher, SIP_REFRESHER_UAS);
	assert_true(msg.option_flags & SIP_OPT_SUPPORTED_TIMER);
	assert_int_equal(msg.content_length, 0);
	assert_view(msg.content_type, "application/sdp");
	const struct sip_header *subject = sip_message_header(&msg, "Subject", 0);
	assert_non_null(subject);
	assert_view(subject->value, "compact subject");
	assert_non_null(sip_message_header(&msg, "i", 0));
	assert_non_null(sip_message_header(&msg, "CALL-ID", 0));
	assert_null(sip_message_header(&msg, "Call-ID", 1));
}

/* §7.3.1: a header may be folded onto lines starting with SP/HT; LWS around ':' and in
 * sent-protocol (SLASH = SWS "/" SWS). */
static void test_folding_and_odd_spacing(void **state)
{
	(void)state;
	const char *text = "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
			   "Via  :  SIP / 2.0 / UDP   host1.example.com ; branch = z9hG4bKa ,\r\n"
			   "\t SIP/2.0/TCP host2.example.com:5080;rport\r\n"
			   "Subject: first line\r\n"
			   "   continued here\r\n"
			   "To:\t<sip:carol@chicago.example.com>\r\n"
			   "From   : sip:alice@example.com\r\n"
			   "  ;tag=folded\r\n"
			   "Call-ID:x1@h\r\n"
			   "CSeq:   4711\t  OPTIONS   \r\n"
			   "Max-Forwards: 70\r\n"
			   "Content-Length:   0  \r\n"
			   "\r\n";
	assert_int_equal(parse_stream(text), SIP_PARSE_OK);
	assert_int_equal(msg.warning_count, 0);
	assert_int_equal(msg.via_count, 2);
	assert_view(msg.via[0].transport, "UDP");
	assert_view(msg.via[0].host, "host1.example.com");
	assert_view(msg.via[0].branch, "z9hG4bKa");
	assert_view(msg.via[1].transport, "TCP");
	assert_int_equal(msg.via[1].port, 5080);
	assert_true(msg.via[1].has_rport);
	assert_int_equal(msg.via[1].rport, 0);
	assert_view(msg.from.tag, "folded");
	assert_int_equal(msg.cseq, 4711);
	assert_view(msg.cseq_method, "OPTIONS");
	const struct sip_header *subject = sip_message_header(&msg, "s", 0);
	assert_view(subject->value, "first line\r\n   continued here");
}

/* §25.1 quoted-pair in display names, commas inside quotes and angle brackets in a list. */
static void test_quoted_strings_and_lists(void **state)
{
	(void)state;
	const char *text =
	    "REGISTER sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS ua.example.com;branch=z9hG4bKr;received=\"192.0.2.1\"\r\n"
	    "To: \"\\\\back\\\\slash\" <sip:user@example.com>\r\n"
	    "From: \"Quote \\\" and ; and ,\" <sip:user@example.com>;tag=q1\r\n"
	    "Call-ID: q@x\r\n"
	    "CSeq: 1 REGISTER\r\n"
	    "Max-Forwards: 70\r\n"
	    "Contact: \"A, B\" <sip:u1@192.0.2.1;transport=tls?Subject=a%2Cb>;expires=60,"
	    " <sip:u2@[2001:db8::1]:5061;transport=TCP>;expires=0, sip:u3@h3.example.com\r\n"
	    "Content-Length: 0\r\n\r\n";
	assert_int_equal(parse_stream(text), SIP_PARSE_OK);
	assert_int_equal(msg.warning_count, 0);
	assert_view(msg.ruri, "sip:sips%3Auser%40example.com@example.net");
	assert_view(msg.to.display, "\\\\back\\\\slash");
	assert_view(msg.from.display, "Quote \\\" and ; and ,");
	assert_view(msg.from.tag, "q1");
	assert_view(msg.via[0].received, "192.0.2.1");
	assert_int_equal(msg.contact_count, 3);
	assert_view(msg.contact[0].display, "A, B");
	assert_view(msg.contact[0].transport, "tls");
	assert_int_equal(msg.contact[0].expires_s, 60);
	assert_view(msg.contact[1].uri, "sip:u2@[2001:db8::1]:5061;transport=TCP");
	assert_view(msg.contact[1].transport, "TCP");
	assert_int_equal(msg.contact[1].expires_s, 0);
	assert_view(msg.contact[2].uri, "sip:u3@h3.example.com");
	assert_int_equal(msg.contact[2].expires_s, -1);
}

static void test_response_status_line(void **state)
{
	(void)state;
	const char *text = "SIP/2.0 180 \r\n"
			   "Via: SIP/2.0/TCP h;branch=z9hG4bK2\r\n"
			   "To: <sip:b@h>;tag=t2\r\n"
			   "From: <sip:a@h>;tag=t1\r\n"
			   "Call-ID: r@h\r\n"
			   "CSeq: 7 INVITE\r\n"
			   "Reason: SIP ;cause=200 ;text=\"Call completed elsewhere\"\r\n"
			   "Content-Length: 0\r\n\r\n";
	assert_int_equal(parse_stream(text), SIP_PARSE_OK);
	assert_int_equal(msg.kind, SIP_KIND_RESPONSE);
	assert_int_equal(msg.status, 180);
	assert_int_equal(msg.reason_phrase.len, 0);
	assert_true(msg.has_reason);
	assert_view(msg.reason.protocol, "SIP");
	assert_int_equal(msg.reason.cause, 200);
	assert_view(msg.reason.text, "Call completed elsewhere");
	/* responses need no Max-Forwards */
	assert_false(has_warning(SIP_WARN_MISSING_MAX_FORWARDS));

	assert_int_equal(parse_stream("SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK2\r\n"
				      "To: <sip:b@h>;tag=t2\r\nFrom: <sip:a@h>;tag=t1\r\n"
				      "Call-ID: r@h\r\nCSeq: 7 INVITE\r\nl: 0\r\n\r\n"),
			 SIP_PARSE_OK);
	assert_int_equal(msg.status, 200);
	assert_view(msg.reason_phrase, "OK");
}

/* A NOTIFY ending its subscription (RFC 6665: Subscription-State's substate-value, a token
 * compared ignoring case, with parameters after it); other states, or none, do not. */
static void test_subscription_state(void **state)
{
	(void)state;
	static const struct {
		const char *header;
		bool terminated;
	} cases[] = {
	    {"Subscription-State: terminated;reason=timeout\r\n", true},
	    {"subscription-state:Terminated\r\n", true},
	    {"SUBSCRIPTION-STATE:  terminated ; reason=noresource\r\n", true},
	    {"Subscription-State: active;expires=3600\r\n", false},
	    {"Subscription-State: pending\r\n", false},
	    {"Subscription-State: terminatedx\r\n", false},
	    {"X-Subscription-State: terminated\r\n", false},
	    {"", false},
	};
	char text[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "NOTIFY sip:bob@192.0.2.20:5060 SIP/2.0\r\n"
			 "Via: SIP/2.0/TCP 192.0.2.10;branch=z9hG4bKn%zu\r\n"
			 "Max-Forwards: 70\r\n"
			 "To: <sip:bob@example.com>;tag=s1\r\n"
			 "From: <sip:alice@example.com>;tag=n1\r\n"
			 "Call-ID: sub-1@192.0.2.20\r\n"
			 "CSeq: %zu NOTIFY\r\n"
			 "Event: dialog\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 i, i + 1, cases[i].header);
		assert_int_equal(parse_stream(text), SIP_PARSE_OK);
		assert_int_equal(msg.method_id, SIP_METHOD_NOTIFY);
		assert_int_equal(msg.subscription_terminated, cases[i].terminated);
	}
}

/* Huge but legal: a 12 KB header, 30 Via entries, 100 headers, all within the limits. */
static void test_huge_legal_headers(void **state)
{
	(void)state;
	size_t cap = 64 * 1024, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text + len, cap - len, "MESSAGE sip:a@h SIP/2.0\r\nX-Big: ");
	memset(text + len, 'a', 12000);
	len += 12000;
	len += (size_t)snprintf(text + len, cap - len, "\r\nVia: ");
	for (int i = 0; i < 30; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%sSIP/2.0/TCP p%d.example;branch=z9hG4bK%d", i ? ", " : "",
					i, i);
	len += (size_t)snprintf(text + len, cap - len, "\r\n");
	for (int i = 0; i < 90; i++)
		len += (size_t)snprintf(text + len, cap - len, "X-H%d: %d\r\n", i, i);
	len += (size_t)snprintf(text + len, cap - len,
				"To: <sip:a@h>\r\nFrom: <sip:b@h>;tag=1\r\nCall-ID: big@h\r\n"
				"CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_message_parse(text, len, SIP_PARSE_STREAM, &msg), SIP_PARSE_OK);
	assert_int_equal(msg.warning_count, 0);
	assert_int_equal(msg.via_count, 30);
	assert_view(msg.via[29].branch, "z9hG4bK29");
	assert_int_equal(msg.header_count, 98);
	assert_int_equal(sip_message_header(&msg, "X-Big", 0)->value.len, 12000);
	free(text);
}

/* Past the documented limits: warnings, never a crash or an overrun. */
static void test_limits(void **state)
{
	(void)state;
	size_t cap = 128 * 1024, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text + len, cap - len, "MESSAGE sip:a@h SIP/2.0\r\nX-Huge: ");
	memset(text + len, 'b', SIP_MAX_LINE_BYTES + 10);
	len += SIP_MAX_LINE_BYTES + 10;
	len += (size_t)snprintf(text + len, cap - len, "\r\n");
	for (int i = 0; i < SIP_MAX_VIAS + 8; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"Via: SIP/2.0/TCP v%d;branch=z9hG4bK%d\r\n", i, i);
	for (int i = 0; i < SIP_MAX_HEADERS; i++)
		len += (size_t)snprintf(text + len, cap - len, "X-%d: y\r\n", i);
	len += (size_t)snprintf(text + len, cap - len,
				"To: <sip:a@h>\r\nFrom: <sip:b@h>;tag=1\r\nCall-ID: lim@h\r\n"
				"CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_message_parse(text, len, SIP_PARSE_STREAM, &msg), SIP_PARSE_OK);
	assert_true(has_warning(SIP_WARN_HEADER_TOO_LONG));
	assert_true(has_warning(SIP_WARN_TOO_MANY_VIAS));
	assert_true(has_warning(SIP_WARN_TOO_MANY_HEADERS));
	assert_int_equal(msg.via_count, SIP_MAX_VIAS);
	assert_int_equal(msg.header_count, SIP_MAX_HEADERS);
	/* headers past the table are still interpreted */
	assert_view(msg.call_id, "lim@h");
	assert_int_equal(msg.warnings[0].offset, strlen("MESSAGE sip:a@h SIP/2.0\r\n"));

	/* a start line over the limit is an error */
	len = (size_t)snprintf(text, cap, "INVITE sip:");
	memset(text + len, 'u', SIP_MAX_LINE_BYTES);
	len += SIP_MAX_LINE_BYTES;
	assert_int_equal(sip_message_parse(text, len, SIP_PARSE_STREAM, &msg), SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_START_LINE_TOO_LONG);
	free(text);
}

static const char *const minimal_headers = "Via: SIP/2.0/TCP h;branch=z9hG4bK3\r\n"
					   "To: <sip:b@h>\r\nFrom: <sip:a@h>;tag=f\r\n"
					   "Call-ID: c@h\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\n";

static enum sip_parse_result parse_bye(const char *start_line, const char *extra)
{
	static char text[2048];
	snprintf(text, sizeof(text), "%s\r\n%s%s\r\n", start_line, minimal_headers, extra);
	return parse_stream(text);
}

/* Broken start lines (§7.1, §7.2) are errors and the message cannot be framed. */
static void test_bad_start_lines(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		enum sip_problem_code code;
		uint32_t offset;
	} cases[] = {
	    {"BYE sip:b@h SIP/3.0", SIP_ERR_VERSION, 12},
	    {"SIP/2.0 99 Too low", SIP_ERR_STATUS_CODE, 8},
	    {"SIP/2.0 2000 OK", SIP_ERR_STATUS_CODE, 8},
	    {"SIP/1.0 200 OK", SIP_ERR_VERSION, 0},
	    {"HELLO", SIP_ERR_START_LINE, 5},
	    {"<BYE> sip:b@h SIP/2.0", SIP_ERR_START_LINE, 0},
	    {"BYE/x sip:b@h SIP/2.0", SIP_ERR_METHOD, 3},
	    {"BYE  SIP/2.0", SIP_ERR_START_LINE, 12},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_bye(cases[i].line, "Content-Length: 0\r\n"),
				 SIP_PARSE_INVALID);
		assert_int_equal(msg.error.code, cases[i].code);
		assert_int_equal(msg.error.offset, cases[i].offset);
		assert_int_equal(msg.length, 0);
	}
}

/* Rules real user agents break are decoded as written, each with a warning that names the
 * rule and the byte: whitespace in the start line, an IPv6 Request-URI without brackets
 * (RFC 5118 §4.10), a missing From, To, Via or Max-Forwards. */
static void test_lenient(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *ruri;
		uint32_t offset;
	} spaces[] = {
	    {"BYE\tsip:b@h SIP/2.0", "sip:b@h", 3},  {"BYE  sip:b@h SIP/2.0", "sip:b@h", 3},
	    {"BYE sip:b@h  SIP/2.0", "sip:b@h", 11}, {"BYE sip:b@h\tSIP/2.0", "sip:b@h", 11},
	    {"BYE sip:b@h SIP/2.0 ", "sip:b@h", 19},
	};
	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		assert_int_equal(parse_bye(spaces[i].line, "Content-Length: 0\r\n"), SIP_PARSE_OK);
		assert_view(msg.ruri, spaces[i].ruri);
		assert_int_equal(msg.method_id, SIP_METHOD_BYE);
		assert_int_equal(msg.warning_count, 1);
		assert_int_equal(msg.warnings[0].code, SIP_WARN_START_LINE_SPACE);
		assert_int_equal(msg.warnings[0].offset, spaces[i].offset);
	}
	assert_int_equal(parse_bye("SIP/2.0  200 OK ", "Content-Length: 0\r\n"), SIP_PARSE_OK);
	assert_int_equal(msg.status, 200);
	assert_view(msg.reason_phrase, "OK");
	assert_true(has_warning(SIP_WARN_START_LINE_SPACE));

	assert_int_equal(parse_bye("BYE sip:2001:db8::10 SIP/2.0", "Content-Length: 0\r\n"),
			 SIP_PARSE_OK);
	assert_view(msg.ruri, "sip:2001:db8::10");
	assert_int_equal(msg.warning_count, 1);
	assert_int_equal(msg.warnings[0].code, SIP_WARN_REQUEST_URI);
	assert_int_equal(msg.warnings[0].offset, 4);
	assert_non_null(strstr(sip_problem_str(SIP_WARN_REQUEST_URI), "RFC 5118"));

	const char *bare = "BYE sip:b@h SIP/2.0\r\nCall-ID: c@h\r\nCSeq: 1 BYE\r\n"
			   "Content-Length: 0\r\n\r\n";
	assert_int_equal(parse_stream(bare), SIP_PARSE_OK);
	assert_view(msg.call_id, "c@h");
	assert_int_equal(msg.cseq, 1);
	assert_true(has_warning(SIP_WARN_MISSING_FROM));
	assert_true(has_warning(SIP_WARN_MISSING_TO));
	assert_true(has_warning(SIP_WARN_MISSING_VIA));
	assert_true(has_warning(SIP_WARN_MISSING_MAX_FORWARDS));
	assert_int_equal(msg.warnings[0].offset, strlen(bare)); /* where the headers end */
}

static void test_bad_content_length(void **state)
{
	(void)state;
	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0", "Content-Length: 12x\r\n"),
			 SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_CONTENT_LENGTH);
	assert_int_equal(msg.length, 0); /* cannot frame */
	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0", "Content-Length: -1\r\n"),
			 SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_CONTENT_LENGTH);
	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0", "Content-Length: 99999999999\r\n"),
			 SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_CONTENT_LENGTH);
	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0", "Content-Length: 0\r\nl: 5\r\n"),
			 SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_CONTENT_LENGTH_CONFLICT);
	/* repeated but equal is fine */
	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0", "Content-Length: 0\r\nl: 0\r\n"),
			 SIP_PARSE_OK);
	/* §18.3: mandatory on a stream; framed as an empty body but invalid */
	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0", ""), SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_CONTENT_LENGTH_MISSING);
	assert_int_equal(msg.length, msg.header_len);
}

static void test_missing_mandatory_headers(void **state)
{
	(void)state;
	const char *no_call_id = "BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK3\r\n"
				 "To: <sip:b@h>\r\nFrom: <sip:a@h>;tag=f\r\nCSeq: 1 BYE\r\n"
				 "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(parse_stream(no_call_id), SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_MISSING_CALL_ID);
	assert_int_equal(msg.error.offset, strlen(no_call_id));
	assert_int_equal(msg.length, strlen(no_call_id)); /* framed: skip it whole */

	const char *no_cseq = "BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK3\r\n"
			      "To: <sip:b@h>\r\nFrom: <sip:a@h>;tag=f\r\nCall-ID: c@h\r\n"
			      "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(parse_stream(no_cseq), SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_MISSING_CSEQ);

	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0", "CSeq: 2 BYE\r\nContent-Length: 0\r\n"),
			 SIP_PARSE_OK);
	assert_true(has_warning(SIP_WARN_DUPLICATE_HEADER));
	assert_int_equal(msg.cseq, 1);
}

static void test_nul_and_control_bytes(void **state)
{
	(void)state;
	char text[512];
	int len =
	    snprintf(text, sizeof(text), "BYE sip:b@h SIP/2.0\r\n%sX-Nul: a", minimal_headers);
	text[len++] = '\0';
	len += snprintf(text + len, sizeof(text) - (size_t)len, "b\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_message_parse(text, (size_t)len, SIP_PARSE_STREAM, &msg),
			 SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_NUL_BYTE);
	assert_int_equal(msg.error.offset, strlen("BYE sip:b@h SIP/2.0\r\n") +
					       strlen(minimal_headers) + strlen("X-Nul: a"));

	/* a NUL in the start line: the NUL is the error, whatever the line's length */
	static const char nul_in_start[] = "BYE sip:b@h\0 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(
	    sip_message_parse(nul_in_start, sizeof(nul_in_start) - 1, SIP_PARSE_STREAM, &msg),
	    SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_NUL_BYTE);
	assert_int_equal(msg.error.offset, strlen("BYE sip:b@h"));

	/* another control byte is only a warning */
	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0", "X-Bell: \a\r\nContent-Length: 0\r\n"),
			 SIP_PARSE_OK);
	assert_true(has_warning(SIP_WARN_CONTROL_BYTE));
}

static void test_truncated(void **state)
{
	(void)state;
	const char *whole = INVITE_TRUNK;
	size_t len = strlen(whole);
	/* every proper prefix of a stream message is incomplete, never an error */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(sip_message_parse(whole, cut, SIP_PARSE_STREAM, &msg),
				 SIP_PARSE_INCOMPLETE);
	/* once the headers are in, the needed total is known */
	assert_int_equal(sip_message_parse(whole, len - 2, SIP_PARSE_STREAM, &msg),
			 SIP_PARSE_INCOMPLETE);
	assert_int_equal(msg.length, len);
	/* a datagram cannot grow: short body and cut headers are errors (§18.3) */
	assert_int_equal(sip_message_parse(whole, len - 2, SIP_PARSE_DATAGRAM, &msg),
			 SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_BODY_TRUNCATED);
	assert_int_equal(sip_message_parse(whole, 200, SIP_PARSE_DATAGRAM, &msg),
			 SIP_PARSE_INVALID);
	assert_int_equal(msg.error.code, SIP_ERR_TRUNCATED);
}

/* Malformed values that leave the message understood are warnings (issue 2). */
static void test_warnings(void **state)
{
	(void)state;
	assert_int_equal(parse_bye("BYE sip:b@h SIP/2.0",
				   "Session-Expires: soon;refresher=uac\r\nMin-SE: -5\r\n"
				   "Via: SIP/2.0/TCP [2001:db8:::1];branch=z9hG4bKx\r\n"
				   "Via: SIP/2.0/TCP h:70000;branch=z9hG4bKy\r\n"
				   "NoColonHere\r\nContent-Length: 0\r\n"),
			 SIP_PARSE_OK);
	assert_true(has_warning(SIP_WARN_SESSION_EXPIRES));
	assert_false(msg.has_session_expires);
	assert_true(has_warning(SIP_WARN_MIN_SE));
	assert_true(has_warning(SIP_WARN_VIA));
	assert_true(has_warning(SIP_WARN_HEADER_NO_COLON));
	assert_int_equal(msg.via_count, 1);

	assert_int_equal(
	    parse_bye("BYE sip:b@h SIP/2.0", "x: 600;refresher=both\r\nContent-Length: 0\r\n"),
	    SIP_PARSE_OK);
	assert_int_equal(msg.refresher, SIP_REFRESHER_OTHER);
	assert_true(has_warning(SIP_WARN_REFRESHER));

	assert_int_equal(parse_bye("INVITE sip:b@h SIP/2.0", "Content-Length: 0\r\n"),
			 SIP_PARSE_OK);
	assert_true(has_warning(SIP_WARN_CSEQ_METHOD));

	/* bare LF line ends are tolerated with one warning */
	assert_int_equal(parse_stream("BYE sip:b@h SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bK3\n"
				      "To: <sip:b@h>\nFrom: <sip:a@h>;tag=f\nCall-ID: c@h\n"
				      "CSeq: 1 BYE\nMax-Forwards: 70\nContent-Length: 0\n\n"),
			 SIP_PARSE_OK);
	assert_int_equal(msg.warning_count, 1);
	assert_int_equal(msg.warnings[0].code, SIP_WARN_BARE_LF);
	assert_int_equal(msg.warnings[0].offset, 19);
}

static char *read_corpus(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "../shared/corpus/sip-ipv6-messages/%s.dat", name);
	FILE *file = fopen(path, "rb");
	if (!file)
		fail_msg("cannot open %s (run from the project root)", path);
	char *data = malloc(4096);
	*len = fread(data, 1, 4096, file);
	fclose(file);
	return data;
}

/* RFC 5118: 10 valid messages, 2 invalid (§4.2 unbracketed IPv6, §4.10 three colons). */
static void test_rfc5118_ipv6(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool valid;
	} cases[] = {
	    {"ipv6-good", true},
	    {"ipv6-bad", false},
	    {"port-ambiguous", true},
	    {"port-unambiguous", true},
	    {"via-received-param-with-delim", true},
	    {"via-received-param-no-delim", true},
	    {"ipv6-in-sdp", true},
	    {"mult-ip-in-header", true},
	    {"mult-ip-in-sdp", true},
	    {"ipv4-mapped-ipv6", true},
	    {"ipv6-bug-abnf-3-colons", false},
	    {"ipv6-correct-abnf-2-colons", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *data = read_corpus(cases[i].name, &len);
		enum sip_parse_result result =
		    sip_message_parse(data, len, SIP_PARSE_DATAGRAM, &msg);
		/* the invalid ones are decoded as written, with a warning (RFC 5118 §4.2, §4.10) */
		if (result != SIP_PARSE_OK)
			fail_msg("%s: %s", cases[i].name, sip_problem_str(msg.error.code));
		assert_int_equal(has_warning(SIP_WARN_REQUEST_URI), !cases[i].valid);
		if (!strcmp(cases[i].name, "via-received-param-with-delim") ||
		    !strcmp(cases[i].name, "via-received-param-no-delim"))
			assert_view(msg.via[0].received, "2001:db8::9:255");
		if (!strcmp(cases[i].name, "mult-ip-in-header")) {
			assert_int_equal(msg.via_count, 3);
			assert_view(msg.via[0].host, "2001:db8::9:1");
			assert_int_equal(msg.via[0].port, 6050);
			assert_view(msg.via[1].host, "192.0.2.1");
			assert_view(msg.via[2].received, "192.0.2.200");
		}
		if (!strcmp(cases[i].name, "ipv4-mapped-ipv6")) {
			assert_view(msg.via[0].host, "::ffff:192.0.2.10");
			assert_int_equal(msg.via[0].port, 19823);
			/* the RFC text's Content-Length is shorter than its SDP (corpus README) */
			assert_true(has_warning(SIP_WARN_TRAILING_BYTES));
		}
		free(data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_invite_all_fields),
	    cmocka_unit_test(test_compact_forms),
	    cmocka_unit_test(test_folding_and_odd_spacing),
	    cmocka_unit_test(test_quoted_strings_and_lists),
	    cmocka_unit_test(test_response_status_line),
	    cmocka_unit_test(test_subscription_state),
	    cmocka_unit_test(test_huge_legal_headers),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_bad_start_lines),
	    cmocka_unit_test(test_lenient),
	    cmocka_unit_test(test_bad_content_length),
	    cmocka_unit_test(test_missing_mandatory_headers),
	    cmocka_unit_test(test_nul_and_control_bytes),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_rfc5118_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
