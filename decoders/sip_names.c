/* Names: header names with compact forms (RFC 3261 §7.3.3, §20), methods, problem texts. */
#include <string.h>

#include "sip_scan.h"
#include "sip_values.h"

struct header_name {
	const char *name;
	size_t len;
	char compact; /* 0 when the header has no compact form */
	enum sip_header_id id;
};

#define HEADER_NAME_MAX 16
static char header_lower[32][HEADER_NAME_MAX + 1]; /* lower-case copies, index as table */

#define HDR(n, c, i)                                                                               \
	{                                                                                          \
		n, sizeof(n) - 1, c, i                                                             \
	}
static const struct header_name header_names[] = {
    HDR("Via", 'v', SIP_HDR_VIA),
    HDR("From", 'f', SIP_HDR_FROM),
    HDR("To", 't', SIP_HDR_TO),
    HDR("Call-ID", 'i', SIP_HDR_CALL_ID),
    HDR("CSeq", 0, SIP_HDR_CSEQ),
    HDR("Contact", 'm', SIP_HDR_CONTACT),
    HDR("Content-Length", 'l', SIP_HDR_CONTENT_LENGTH),
    HDR("Content-Type", 'c', SIP_HDR_CONTENT_TYPE),
    HDR("Content-Encoding", 'e', SIP_HDR_CONTENT_ENCODING),
    HDR("Subject", 's', SIP_HDR_SUBJECT),
    HDR("Supported", 'k', SIP_HDR_SUPPORTED),
    HDR("Require", 0, SIP_HDR_REQUIRE),
    HDR("Session-Expires", 'x', SIP_HDR_SESSION_EXPIRES),
    HDR("Min-SE", 0, SIP_HDR_MIN_SE),
    HDR("Record-Route", 0, SIP_HDR_RECORD_ROUTE),
    HDR("Route", 0, SIP_HDR_ROUTE),
    HDR("Reason", 0, SIP_HDR_REASON),
    HDR("Max-Forwards", 0, SIP_HDR_MAX_FORWARDS),
    HDR("Expires", 0, SIP_HDR_EXPIRES),
    HDR("Event", 'o', SIP_HDR_EVENT),
    HDR("Allow-Events", 'u', SIP_HDR_ALLOW_EVENTS),
    HDR("Refer-To", 'r', SIP_HDR_REFER_TO),
    HDR("Referred-By", 'b', SIP_HDR_REFERRED_BY),
};
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

bool sip_view_eq_ci(struct sip_view view, const char *str)
{
	size_t len = strlen(str);
	return view.len == len && sip_equal_ci(view.ptr, str, len);
}

/* Called for every header line: index the table by first letter so a lookup compares at most a
 * few names (measured in bench/bench_parse.c). */
static uint8_t header_first[26][8];

/* Built once at load time, before any thread can parse. */
__attribute__((constructor)) static void header_index_build(void)
{
	uint8_t counts[26] = {0};
	_Static_assert(ARRAY_LEN(header_names) <= ARRAY_LEN(header_lower), "header_lower size");
	for (size_t i = 0; i < ARRAY_LEN(header_names); i++) {
		for (size_t c = 0; c < header_names[i].len && c < HEADER_NAME_MAX; c++)
			header_lower[i][c] = sip_lower(header_names[i].name[c]);
		unsigned letter = (unsigned)(sip_lower(header_names[i].name[0]) - 'a');
		header_first[letter][counts[letter]++] = (uint8_t)(i + 1);
	}
}

/* name is a token (checked by the caller): for token bytes, OR 0x20 folds exactly A-Z onto
 * a-z and leaves '-' and digits alone, so 8 bytes compare at once against the lower-case
 * table name. */
static bool token_equals_lower(const char *name, const char *lower, size_t len)
{
	const uint64_t fold = 0x2020202020202020ull;
	uint64_t a, b;

	for (; len >= 8; name += 8, lower += 8, len -= 8) {
		memcpy(&a, name, 8);
		memcpy(&b, lower, 8);
		if ((a | fold) != b)
			return false;
	}
	a = b = 0;
	memcpy(&a, name, len);
	memcpy(&b, lower, len);
	if (len == 0)
		return true;
	return (a | (fold & (~0ull >> (64 - 8 * len)))) == b;
}

enum sip_header_id sip_header_lookup(const char *name, size_t len)
{
	if (len == 1) {
		char compact = sip_lower(name[0]);
		for (size_t i = 0; i < ARRAY_LEN(header_names); i++)
			if (header_names[i].compact == compact)
				return header_names[i].id;
		return SIP_HDR_OTHER;
	}
	unsigned letter = (unsigned)(sip_lower(name[0]) - 'a');
	if (len == 0 || letter >= 26)
		return SIP_HDR_OTHER;
	for (const uint8_t *slot = header_first[letter]; *slot; slot++) {
		const struct header_name *candidate = &header_names[*slot - 1];
		if (candidate->len == len && token_equals_lower(name, header_lower[*slot - 1], len))
			return candidate->id;
	}
	return SIP_HDR_OTHER;
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

/* Methods are case-sensitive (§7.1). */
enum sip_method sip_method_lookup(struct sip_view method)
{
	for (size_t i = 1; i < ARRAY_LEN(method_names); i++)
		if (strlen(method_names[i]) == method.len &&
		    !memcmp(method_names[i], method.ptr, method.len))
			return (enum sip_method)i;
	return SIP_METHOD_UNKNOWN;
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
