/* Names: header names with compact forms (RFC 3261 §7.3.3, §20), methods, problem texts. */
#include <string.h>

#include "sip_scan.h"
#include "sip_values.h"

bool sip_view_eq_ci(struct sip_view view, const char *str)
{
	size_t len = strlen(str);
	return view.len == len && sip_equal_ci(view.ptr, str, len);
}

/* Compact forms (RFC 3261 §7.3.3, §20; RFC 4028, 6665, 3515, 3892), by lower-case letter. */
static const uint8_t compact_ids[26] = {
    ['v' - 'a'] = SIP_HDR_VIA,
    ['f' - 'a'] = SIP_HDR_FROM,
    ['t' - 'a'] = SIP_HDR_TO,
    ['i' - 'a'] = SIP_HDR_CALL_ID,
    ['m' - 'a'] = SIP_HDR_CONTACT,
    ['l' - 'a'] = SIP_HDR_CONTENT_LENGTH,
    ['c' - 'a'] = SIP_HDR_CONTENT_TYPE,
    ['e' - 'a'] = SIP_HDR_CONTENT_ENCODING,
    ['s' - 'a'] = SIP_HDR_SUBJECT,
    ['k' - 'a'] = SIP_HDR_SUPPORTED,
    ['x' - 'a'] = SIP_HDR_SESSION_EXPIRES,
    ['o' - 'a'] = SIP_HDR_EVENT,
    ['u' - 'a'] = SIP_HDR_ALLOW_EVENTS,
    ['r' - 'a'] = SIP_HDR_REFER_TO,
    ['b' - 'a'] = SIP_HDR_REFERRED_BY,
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* NAME is the lower-case literal the header is known by: its length is the switch's. name is
 * a token (checked by the caller), so the fold compares it exactly. */
#define NAME_IS(literal)   sip_equal_lower(name, literal, sizeof(literal) - 1)
#define NAMED(literal, id) (NAME_IS(literal) ? (id) : SIP_HDR_OTHER)

/* Called for every header line: a switch on the length, then on the first letter, leaves at
 * most one name to compare (bench/bench_sip_path: 122 instructions a lookup with a table
 * indexed by first letter, whose copies of a variable length were calls to memcpy). */
enum sip_header_id sip_header_lookup(const char *name, size_t len)
{
	if (len == 0)
		return SIP_HDR_OTHER;
	char first = sip_lower(name[0]);
	switch (len) {
	case 1:
		return first >= 'a' && first <= 'z' ? (enum sip_header_id)compact_ids[first - 'a']
						    : SIP_HDR_OTHER;
	case 2:
		return NAMED("to", SIP_HDR_TO);
	case 3:
		return NAMED("via", SIP_HDR_VIA);
	case 4:
		return first == 'f' ? NAMED("from", SIP_HDR_FROM) : NAMED("cseq", SIP_HDR_CSEQ);
	case 5:
		return NAMED("route", SIP_HDR_ROUTE);
	case 6:
		return first == 'm' ? NAMED("min-se", SIP_HDR_MIN_SE)
				    : NAMED("reason", SIP_HDR_REASON);
	case 7:
		switch (first) {
		case 'c':
			return sip_lower(name[1]) == 'a' ? NAMED("call-id", SIP_HDR_CALL_ID)
							 : NAMED("contact", SIP_HDR_CONTACT);
		case 's':
			return NAMED("subject", SIP_HDR_SUBJECT);
		case 'r':
			return NAMED("require", SIP_HDR_REQUIRE);
		default:
			return NAMED("expires", SIP_HDR_EXPIRES);
		}
	case 8:
		return NAMED("refer-to", SIP_HDR_REFER_TO);
	case 9:
		return NAMED("supported", SIP_HDR_SUPPORTED);
	case 11:
		return NAMED("referred-by", SIP_HDR_REFERRED_BY);
	case 12:
		switch (first) {
		case 'c':
			return NAMED("content-type", SIP_HDR_CONTENT_TYPE);
		case 'r':
			return NAMED("record-route", SIP_HDR_RECORD_ROUTE);
		case 'm':
			return NAMED("max-forwards", SIP_HDR_MAX_FORWARDS);
		default:
			return NAMED("allow-events", SIP_HDR_ALLOW_EVENTS);
		}
	case 14:
		return NAMED("content-length", SIP_HDR_CONTENT_LENGTH);
	case 15:
		return NAMED("session-expires", SIP_HDR_SESSION_EXPIRES);
	case 16:
		return NAMED("content-encoding", SIP_HDR_CONTENT_ENCODING);
	case 18:
		return NAMED("subscription-state", SIP_HDR_SUBSCRIPTION_STATE);
	default:
		return SIP_HDR_OTHER;
	}
}

const struct sip_header *sip_message_header(const struct sip_message *msg, const char *name,
					    unsigned n)
{
	size_t len = strlen(name);
	enum sip_header_id id = sip_header_lookup(name, len);

	for (unsigned i = 0; i < msg->header_count; i++) {
		const struct sip_header *header = &msg->headers[i];
		bool match = id != SIP_HDR_OTHER ? header->id == id
						 : header->id == SIP_HDR_OTHER &&
						       sip_view_eq_ci(header->name, name);
		if (match && n-- == 0)
			return header;
	}
	return NULL;
}

static const char *const method_names[] = {
    [SIP_METHOD_INVITE] = "INVITE",   [SIP_METHOD_ACK] = "ACK",
    [SIP_METHOD_BYE] = "BYE",	      [SIP_METHOD_CANCEL] = "CANCEL",
    [SIP_METHOD_OPTIONS] = "OPTIONS", [SIP_METHOD_REGISTER] = "REGISTER",
    [SIP_METHOD_PRACK] = "PRACK",     [SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
    [SIP_METHOD_NOTIFY] = "NOTIFY",   [SIP_METHOD_PUBLISH] = "PUBLISH",
    [SIP_METHOD_INFO] = "INFO",	      [SIP_METHOD_REFER] = "REFER",
    [SIP_METHOD_MESSAGE] = "MESSAGE", [SIP_METHOD_UPDATE] = "UPDATE",
};

const char *sip_method_str(enum sip_method method)
{
	if ((size_t)method >= ARRAY_LEN(method_names))
		return NULL;
	return method_names[method];
}

#define METHOD_IS(literal)  (!memcmp(method.ptr, literal, sizeof(literal) - 1))
#define METHOD(literal, id) (METHOD_IS(literal) ? (id) : SIP_METHOD_UNKNOWN)

/* Methods are case-sensitive (§7.1). A switch on the length, then on the first byte, leaves
 * one compare of a known length (was a strlen and a memcmp per table entry). */
enum sip_method sip_method_lookup(struct sip_view method)
{
	if (method.len == 0)
		return SIP_METHOD_UNKNOWN;
	switch (method.len) {
	case 3:
		return method.ptr[0] == 'A' ? METHOD("ACK", SIP_METHOD_ACK)
					    : METHOD("BYE", SIP_METHOD_BYE);
	case 4:
		return METHOD("INFO", SIP_METHOD_INFO);
	case 5:
		return method.ptr[0] == 'P' ? METHOD("PRACK", SIP_METHOD_PRACK)
					    : METHOD("REFER", SIP_METHOD_REFER);
	case 6:
		switch (method.ptr[0]) {
		case 'I':
			return METHOD("INVITE", SIP_METHOD_INVITE);
		case 'C':
			return METHOD("CANCEL", SIP_METHOD_CANCEL);
		case 'N':
			return METHOD("NOTIFY", SIP_METHOD_NOTIFY);
		default:
			return METHOD("UPDATE", SIP_METHOD_UPDATE);
		}
	case 7:
		switch (method.ptr[0]) {
		case 'O':
			return METHOD("OPTIONS", SIP_METHOD_OPTIONS);
		case 'P':
			return METHOD("PUBLISH", SIP_METHOD_PUBLISH);
		default:
			return METHOD("MESSAGE", SIP_METHOD_MESSAGE);
		}
	case 8:
		return METHOD("REGISTER", SIP_METHOD_REGISTER);
	case 9:
		return METHOD("SUBSCRIBE", SIP_METHOD_SUBSCRIBE);
	default:
		return SIP_METHOD_UNKNOWN;
	}
}

static const char *const problem_texts[SIP_PROBLEM_CODE_COUNT] = {
    [SIP_PROBLEM_NONE] = "no problem",
    [SIP_ERR_START_LINE] = "start line is neither a request line nor a status line",
    [SIP_ERR_METHOD] = "request method is not a token followed by one space",
    [SIP_ERR_VERSION] = "SIP version is not SIP/2.0",
    [SIP_ERR_STATUS_CODE] = "status code is not three digits 100-699",
    [SIP_ERR_START_LINE_TOO_LONG] = "start line longer than 16384 bytes",
    [SIP_ERR_HEADERS_TOO_LONG] = "header section longer than 65536 bytes",
    [SIP_ERR_NUL_BYTE] = "NUL byte in the start line or a header",
    [SIP_ERR_CONTENT_LENGTH] = "Content-Length is not a decimal number below 2^32",
    [SIP_ERR_CONTENT_LENGTH_CONFLICT] = "Content-Length headers disagree",
    [SIP_ERR_CONTENT_LENGTH_MISSING] = "no Content-Length on a stream transport",
    [SIP_ERR_BODY_TRUNCATED] = "body shorter than Content-Length",
    [SIP_ERR_MISSING_CALL_ID] = "Call-ID header missing",
    [SIP_ERR_MISSING_CSEQ] = "CSeq header missing or malformed",
    [SIP_ERR_CSEQ] = "CSeq is not a number below 2^31 and a method",
    [SIP_ERR_TRUNCATED] = "message ends inside its start line, headers or body",
    [SIP_ERR_GARBAGE] = "bytes that do not start a SIP message",
    [SIP_ERR_TOO_BIG] = "message larger than the stream buffer",
    [SIP_WARN_BARE_LF] = "line ended by LF without CR",
    [SIP_WARN_CONTROL_BYTE] = "control byte in a header",
    [SIP_WARN_HEADER_NO_COLON] = "header line without a colon, ignored",
    [SIP_WARN_HEADER_NAME] = "header name is not a token, ignored",
    [SIP_WARN_HEADER_TOO_LONG] = "header longer than 16384 bytes, ignored",
    [SIP_WARN_TOO_MANY_HEADERS] = "more than 128 headers, the rest not indexed",
    [SIP_WARN_TOO_MANY_VIAS] = "more than 32 Via entries, the rest dropped",
    [SIP_WARN_TOO_MANY_ROUTES] = "more than 32 Route or Record-Route entries, the rest dropped",
    [SIP_WARN_TOO_MANY_CONTACTS] = "more than 16 Contact entries, the rest dropped",
    [SIP_WARN_TOO_MANY_OPTION_TAGS] = "more than 16 option tags, the rest dropped",
    [SIP_WARN_DUPLICATE_HEADER] = "single-valued header repeated, the first one is used",
    [SIP_WARN_VIA] = "Via value malformed",
    [SIP_WARN_VIA_PORT] = "Via port is not 0-65535",
    [SIP_WARN_NAME_ADDR] = "address (From/To/Contact/Route) malformed",
    [SIP_WARN_QUOTED_STRING] = "quoted string not terminated",
    [SIP_WARN_CALL_ID] = "Call-ID empty or containing whitespace",
    [SIP_WARN_CSEQ_METHOD] = "CSeq method differs from the request method",
    [SIP_WARN_SESSION_EXPIRES] = "Session-Expires is not delta-seconds with parameters",
    [SIP_WARN_REFRESHER] = "Session-Expires refresher is neither uac nor uas",
    [SIP_WARN_MIN_SE] = "Min-SE is not delta-seconds",
    [SIP_WARN_NUMBER] = "Max-Forwards, Expires or expires parameter is not a number",
    [SIP_WARN_REASON] = "Reason malformed",
    [SIP_WARN_TRAILING_BYTES] = "bytes after the Content-Length body",
    [SIP_WARN_MISSING_MAX_FORWARDS] = "request without Max-Forwards (RFC 3261 §8.1.1.6)",
    [SIP_WARN_OPTION_TAG] = "option tag is not a token",
    [SIP_WARN_REQUEST_URI] = "Request-URI malformed, taken as written (RFC 3261 §25.1; an IPv6 "
			     "address needs brackets, RFC 5118 §4.10)",
    [SIP_WARN_START_LINE_SPACE] = "start line parts not separated by exactly one space "
				  "(RFC 3261 §7.1, §7.2)",
    [SIP_WARN_MISSING_FROM] = "From header missing (RFC 3261 §8.1.1)",
    [SIP_WARN_MISSING_TO] = "To header missing (RFC 3261 §8.1.1)",
    [SIP_WARN_MISSING_VIA] = "Via header missing (RFC 3261 §8.1.1)",
};

const char *sip_problem_str(enum sip_problem_code code)
{
	if ((size_t)code >= ARRAY_LEN(problem_texts) || !problem_texts[code])
		return "unknown problem";
	return problem_texts[code];
}
